/**
 * Contracts of the Activity tab: `activity/list`, `autoexport/get`, `autoexport/set`. No @forge
 * imports here: the frontend bundle and the resolvers both import this file.
 */
import { EXPORT_FORMATS, type ExportFormat } from './export';

/** What happened. Product events keep their Forge name; the app's own work is `app:*`. */
export type ActivityType =
  | 'avi:confluence:created:page'
  | 'avi:confluence:updated:page'
  | 'avi:confluence:created:comment'
  | 'avi:confluence:updated:comment'
  | 'avi:confluence:deleted:comment'
  | 'avi:confluence:created:database'
  | 'app:autoexport'
  | 'app:autoexport-failed';

/** One line of a page's activity, as the panel shows it (most recent first). */
export interface ActivityItem {
  type: ActivityType;
  /** Account id of who did it (absent for anonymous users and the app's own work). */
  accountId?: string;
  /** Resolved for the reader, in bulk; falls back to the account id when it cannot be resolved. */
  displayName?: string;
  /** ISO 8601. */
  at: string;
  /** Page events and auto-exports: the page version. Comment events: the comment's own version. */
  version?: number;
  commentId?: string;
  /** Auto-export: the attachment written, or the failure code and message. */
  detail?: string;
}

export type ExportKind = 'download' | 'attachment' | 'tree';

/** "Exported at v12, page now at v14". */
export interface Freshness {
  exportedVersion: number;
  currentVersion: number;
  /** True when the page changed after the export. */
  stale: boolean;
  format: string;
  kind: ExportKind;
  at: string;
  /** The viewer's own export (a preview, a private tree zip); otherwise a copy attached to the page. */
  mine: boolean;
  /** Who made an attached copy that is not the viewer's (absent: an auto-export copy). */
  accountId?: string;
  /** Their display name, resolved as the viewer. */
  displayName?: string;
  /** The page's title at the export (for a tree: its root). */
  title?: string;
  /** Tree exports: pages in the zip. */
  pages?: number;
  /** On the page for every viewer (an attached copy or tree zip). */
  attached?: boolean;
}

export interface ActivityListPayload {
  /** How many of the most recent entries to return (1..200, default 50). */
  limit?: number;
}

export interface ActivityList {
  items: ActivityItem[];
  /** How many entries the log holds in all (older ones have rolled off). */
  total: number;
  currentVersion: number;
  /** The most recent export of this page, if any. */
  freshness: Freshness | null;
}

/** Auto-export writes any single-page format; the file is `<title>.<ext>`. */
export const AUTOEXPORT_FORMATS = EXPORT_FORMATS;
export type AutoExportFormat = ExportFormat;

/** Per-page auto-export setting; `autoexport/set` takes exactly this. */
export interface AutoExportSetting {
  enabled: boolean;
  format: AutoExportFormat;
  frontMatter: boolean;
  comments: boolean;
}

/** `autoexport/get` (and the answer of `autoexport/set`). */
export interface AutoExportView {
  setting: AutoExportSetting;
  /** The current user may change the setting (they can edit the page). */
  canEdit: boolean;
  /** The last copy written, if any. */
  lastVersion?: number;
  lastAt?: string;
  lastFileName?: string;
  /** The last failure, if the most recent run failed. */
  lastError?: string;
  /** Pieces from elsewhere (child pages) left out of the last copy: not every viewer may read them. */
  withheld?: number;
}
