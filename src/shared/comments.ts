/**
 * `comments/list` and `comments/export`: every footer and inline comment of the page or blog post
 * in the panel, as threads. Contracts only (no @forge imports): the frontend imports this file.
 */
import type { ReportEntry } from '../export/report';
import { arrayOf, object, oneOf, optional, str, type Check } from './validate';

export type CommentKind = 'footer' | 'inline';
export const COMMENT_KINDS = ['footer', 'inline'] as const;

/** Confluence's resolution states of an inline comment thread. Footer comments have none. */
export type ResolutionStatus = 'open' | 'resolved' | 'reopened' | 'dangling';
export const RESOLUTION_STATUSES = ['open', 'resolved', 'reopened', 'dangling'] as const;

/**
 * How an inline comment's anchor compares with the page as it is now:
 * - `ok`: the page still has the annotation and its text is the original selection;
 * - `changed`: the annotation exists but the text under it was edited since the comment;
 * - `missing`: no annotation with the comment's marker is left in the page (dangling);
 * - `unchecked`: the page body could not be read, so nothing was compared.
 */
export type AnchorState = 'ok' | 'changed' | 'missing' | 'unchecked';

/** `date`: oldest thread first; `date-desc`: newest first; `position`: inline threads in page order, then the rest by date. */
export type CommentSort = 'date' | 'date-desc' | 'position';
export const COMMENT_SORTS = ['date', 'date-desc', 'position'] as const;

export type ExportFormat = 'markdown' | 'csv' | 'json';
export const EXPORT_FORMATS = ['markdown', 'csv', 'json'] as const;

export interface InlineInfo {
  /** Id of the page's ADF `annotation` mark the thread hangs on. */
  markerRef: string;
  /** The text that was highlighted when the comment was made (`inlineOriginalSelection`). */
  selection: string;
  status: ResolutionStatus;
  /** Who last resolved or reopened the thread, and when (only for resolved / reopened threads). */
  resolvedBy?: { accountId: string; name: string };
  resolvedAt?: string;
  anchor: AnchorState;
  /** The text under the annotation now, when it differs from `selection`. */
  currentText?: string;
  /** Order of the annotation in the page (0 = first), when it is still there. */
  position?: number;
}

export interface CommentView {
  id: string;
  kind: CommentKind;
  /** Id of the thread's root comment (equal to `id` for roots). */
  threadId: string;
  parentId: string | null;
  /** 0 for a root comment, 1 for a reply, 2 for a reply to a reply, … */
  depth: number;
  authorId: string;
  /** Display name (users-bulk), or the account id when Confluence did not name the account. */
  author: string;
  /**
   * When the comment was written. The v2 API only dates the current version, so this is known for
   * comments never edited (version 1); for edited ones it is absent and `updated` is the edit date.
   */
  created?: string;
  updated: string;
  version: number;
  /** Body as GitHub-flavoured Markdown (through the export engine's ADF converter). */
  markdown: string;
  /** Body as plain text (for search, CSV and previews). */
  text: string;
  /** True when `markdown`/`text` were cut to keep the result small (the full body is at `link`). */
  clipped: boolean;
  link?: string;
  /** Present on inline thread roots. */
  inline?: InlineInfo;
  replies: CommentView[];
}

export interface CommentCounts {
  /** Every comment, replies included. */
  total: number;
  threads: number;
  /** Comments (replies included) per kind. */
  footer: number;
  inline: number;
  /** Inline threads not resolved: status open or reopened. */
  open: number;
  resolved: number;
  /** Inline threads per Confluence resolution status. */
  byStatus: Record<ResolutionStatus, number>;
  /** Inline threads whose anchor is missing or whose anchored text changed. */
  anchorIssues: number;
}

export interface AnchorReport {
  /** False when the page body could not be read (then every inline anchor is `unchecked`). */
  checked: boolean;
  /** Inline threads whose annotation is no longer in the page. */
  dangling: Array<{ commentId: string; markerRef: string; selection: string }>;
  /** Inline threads whose anchored text differs from the original selection. */
  changed: Array<{ commentId: string; markerRef: string; selection: string; current: string }>;
  /** Annotations in the page that no comment (visible to you) points to. */
  orphans: Array<{ markerRef: string; text: string }>;
}

export type SkipReason = 'not-found' | 'forbidden' | 'time-budget' | 'error';

/** A comment whose replies could not be read, and why. Nothing is dropped silently. */
export interface SkippedComment {
  id: string;
  kind: CommentKind;
  parentId: string | null;
  reason: SkipReason;
  detail: string;
}

export interface CommentFilters {
  kind?: CommentKind;
  /** Inline resolution states to keep; footer threads have no status and are left out when set. */
  status?: ResolutionStatus[];
  /** Account id, or part of a display name (case-insensitive), of anyone in the thread. */
  author?: string;
  /** Case-insensitive text found in any comment of the thread or in its anchor text. */
  text?: string;
}

export interface CommentsListPayload {
  filters?: CommentFilters;
  sort?: CommentSort;
}

export interface CommentsExportPayload extends CommentsListPayload {
  format: ExportFormat;
}

export interface CommentsResult {
  content: { id: string; type: 'page' | 'blogpost'; title: string };
  /** Threads after filters and sort. */
  threads: CommentView[];
  /** Counts over all comments (before filters), for the tab badges. */
  counts: CommentCounts;
  /** How many threads the filters kept. */
  shown: number;
  anchors: AnchorReport;
  skipped: SkippedComment[];
  /** True when the time limit stopped the walk (see `skipped`): some replies were not read. */
  incomplete: boolean;
  /** Converter notes about comment bodies (unsupported nodes, approximations); at most 50. */
  report: ReportEntry[];
  /** Bodies cut to the size cap, and the cap (UTF-8 bytes per body field) that was applied. */
  clipped: { count: number; maxBytes: number };
  /** Confluence requests made to build this result. */
  requests: number;
}

export interface CommentsExport {
  fileName: string;
  mediaType: string;
  content: string;
  /** UTF-8 size of `content`. */
  bytes: number;
  threads: number;
  comments: number;
  skipped: SkippedComment[];
}

const filters: Check<CommentFilters> = object({
  kind: optional(oneOf(COMMENT_KINDS)),
  status: optional(arrayOf(oneOf(RESOLUTION_STATUSES), { max: RESOLUTION_STATUSES.length })),
  author: optional(str({ min: 1, max: 200 })),
  text: optional(str({ min: 1, max: 500 })),
});

/** Payload checks, shared by the resolvers and the frontend. */
export const listPayload: Check<CommentsListPayload> = object({
  filters: optional(filters),
  sort: optional(oneOf(COMMENT_SORTS)),
});

export const exportPayload: Check<CommentsExportPayload> = object({
  format: oneOf(EXPORT_FORMATS),
  filters: optional(filters),
  sort: optional(oneOf(COMMENT_SORTS)),
});
