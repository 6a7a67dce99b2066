/**
 * Contracts of the export resolvers (`export/page`, `export/attach`, `export/tree/*`), shared by the
 * frontend and the resolvers. No @forge imports here.
 */
export const EXPORT_FORMATS = ['md', 'html', 'json', 'storage'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
/** Target presets of Markdown tree exports; `gfm` is the generic output. */
export const EXPORT_PRESETS = ['gfm', 'obsidian', 'mkdocs', 'docusaurus'] as const;
export type ExportPreset = (typeof EXPORT_PRESETS)[number];

export interface ExportOptions {
  format: ExportFormat;
  /** YAML front matter (Markdown only). */
  frontMatter: boolean;
  /** Footer and inline comment threads. */
  comments: boolean;
  /** Inline comments as footnotes on their highlighted text (else listed at the end). */
  anchors: boolean;
  /** Attachments: files in the zip for trees; links to the attachments for single pages. */
  attachments: boolean;
  /** Target of a Markdown tree export (tree exports only; default `gfm`). */
  preset?: ExportPreset;
}

/** A fidelity-report entry, as the converter emits it (kept structural so no converter import is needed). */
export interface ExportReportEntry {
  kind: string;
  what: string;
  detail: string;
  pageId?: string;
  path?: string;
}

/** `export/page` payload. `children: true` is refused: trees go through `export/tree/start`. */
export type ExportPagePayload = Partial<ExportOptions> & { format: ExportFormat; children?: boolean };

export interface ExportPageResult {
  text: string;
  report: ExportReportEntry[];
  fileName: string;
  mediaType: string;
  version: number;
  title: string;
  /**
   * With attachments (Markdown, HTML): the download is this zip, the page file (`text`) and the
   * attachments it shows under `_attachments/`, its links pointing at them. `data` is base64.
   */
  bundle?: { fileName: string; mediaType: 'application/zip'; data: string; bytes: number };
}

/** `export/attach` payload: the same options; the export is uploaded as an attachment on the page. */
export type ExportAttachPayload = Partial<ExportOptions> & { format: ExportFormat };

export interface ExportAttachResult {
  attachmentId: string;
  fileName: string;
  /** Version of the attachment: 1 when created, more when the same name was uploaded again. */
  attachmentVersion: number;
  /** Absolute URL a logged-in browser opens (Confluence's download servlet), when the site URL is known. */
  downloadLink?: string;
  report: ExportReportEntry[];
}

/**
 * `export/tree/start` payload. The zip goes privately to the person who asked (a download in the
 * panel) unless `attach` is set: then it is attached to the page, and only pages every viewer of the
 * page can read go in.
 */
export type TreeExportPayload = Partial<ExportOptions> & { format: ExportFormat; attach?: boolean; mode?: ExportMode };

/**
 * `export/space/start` payload: a whole space (every page wherever it sits, blog posts in `_blog/`),
 * always a private download. The space is the one the panel is on; only the global page, which has
 * no space, names it by `space` (its key).
 */
export type SpaceExportPayload = Partial<ExportOptions> & { format: ExportFormat; space?: string; mode?: ExportMode };

/** `export/tree/changes` payload: the options of the export to compare with, tree (of the page) or space. */
export type TreeChangesPayload = Partial<ExportOptions> & { format: ExportFormat; scope: 'tree' | 'space'; space?: string };

/** `export/tree/download` payload: which slice of the finished zip (0, 1, …). */
export interface TreeDownloadPayload {
  jobId: string;
  part: number;
}

/** One slice of the zip, base64; `next` is the part to ask for, absent on the last slice. */
export interface TreeDownloadResult {
  part: number;
  parts: number;
  data: string;
  fileName: string;
  bytes: number;
  next?: number;
}

export interface TreeStartResult {
  jobId: string;
  /** Pages that will be exported (an incremental export: the earlier export's count until planned). */
  total: number;
  /** Items in the tree that are not pages (folders, databases, whiteboards): listed in the report. */
  skipped: number;
  /**
   * Set when the tree is larger than the start lists itself: the job lists the rest (paced), and
   * `total` and `skipped` are 0 until it has. Items listed so far.
   */
  listed?: number;
  /** Incremental: built on the earlier export of `base`; full: everything fetched again. */
  mode?: ExportMode;
  base?: string;
  /** Why an incremental export was asked for and a full one runs. */
  reason?: string;
}

/** `mode` of export/tree/start and export/space/start (default: incremental when an earlier export exists). */
export const EXPORT_MODES = ['incremental', 'full'] as const;
export type ExportMode = (typeof EXPORT_MODES)[number];

/** `export/tree/changes`: what a re-export would do, from two counts (no listing, no bodies). */
export interface TreeChanges {
  /** The earlier export an incremental one builds on; absent: there is none (`reason` says why). */
  base?: { exportedAt: string; pages: number };
  /**
   * Pages created or changed since: the change search's hits whose version differs from the one in
   * the earlier export's manifest (exact; 0 when nothing changed). Search totals are estimates on
   * real sites and are never used for it.
   */
  changed?: number;
  /** True when pages of the space were restricted, moved or restored since: the tree is listed again. */
  touched?: boolean;
  reason?: string;
}

/** `waiting`: re-queued until Confluence lets it go on (see `TreeStatus.wait`); the work done so far is kept. */
export type TreePhase = 'queued' | 'listing' | 'converting' | 'waiting' | 'zipping' | 'uploading' | 'done' | 'failed' | 'cancelled';

/**
 * Why a job waits: Confluence refused it (429: `rate-limit`), the job spares the app's shared points
 * budget (`pacing`), or Confluence failed to answer (5xx, dropped connections: `outage`).
 */
export type TreeWaitReason = 'rate-limit' | 'pacing' | 'outage';

export interface ReportSummaryItem {
  kind: string;
  what: string;
  count: number;
  detail: string;
  /** The group's distinct details (at most REPORT_DETAILS), so each item can be named. */
  details?: string[];
}

/** Distinct details a report group keeps. */
export const REPORT_DETAILS = 5;

export interface TreeStatus {
  jobId: string;
  phase: TreePhase;
  /** Pages exported so far. */
  done: number;
  /** Pages to export; done + withheld + missing reach it when the job ends. */
  total: number;
  /** Items in the tree that are not pages (folders, databases, whiteboards): never counted in `total`. */
  skipped: number;
  /** Set while the job still lists its tree (`total` is 0 until then): items listed so far. */
  listed?: number;
  /** Attached zips: pages left out because not every viewer of the page may read them (counted, unnamed). */
  withheld?: number;
  /** Pages that could not be exported: deleted, moved or restricted since the listing, or a body that cannot be read (each in the report). */
  missing?: number;
  report: ReportSummaryItem[];
  /** Set when done and attached: the zip attached to the root page. */
  attachment?: { id: string; fileName: string; /** Absolute URL a logged-in browser opens. */ downloadLink?: string; bytes: number };
  /** Set when done and private: the zip waits for `export/tree/download`, in `parts` slices. */
  download?: { fileName: string; bytes: number; parts: number };
  error?: { code: string; message: string };
  /**
   * Set while the phase is `waiting`: why, and until when (ISO) at the earliest. `finishAt`: when the
   * job should be done at the pace it measured (ISO), absent when it has not measured one yet.
   */
  wait?: { reason: TreeWaitReason; until: string; finishAt?: string };
  /** Queue events used so far (more than 1 when the job resumed from a checkpoint). */
  invocations: number;
  updatedAt: string;
}

export interface TreeJobPayload {
  jobId: string;
}

/**
 * One of the caller's tree or space exports, as `export/jobs` lists it (issue 23, "Your exports"):
 * running, waiting, finished or failed, within retention, never another user's.
 */
export interface ExportJob {
  jobId: string;
  scope: 'tree' | 'space';
  /** The root page's title, or the space's name. */
  title: string;
  spaceKey?: string;
  format: ExportFormat;
  preset?: ExportPreset;
  /** A private download, or attached to the root page. */
  delivery: 'download' | 'attach';
  createdAt: string;
  /** Its progress as `export/tree/status` gives it, without the report (that one gives it). */
  status: TreeStatus;
  /** Set when its data is deleted: why it is still listed (a zip never downloaded, a failure) until dismissed. */
  expired?: { at: string; reason: string };
  /**
   * Whether this panel can download, cancel or poll it: a tree export on the page it was started
   * on, a space export in its space; on the global page, every one of the caller's exports.
   */
  here: boolean;
}

/** The heading of that list in the panel's Export tab and on the global page (the Rovo action names it). */
export const YOUR_EXPORTS = 'Your exports';

export interface ExportJobs {
  /** Newest first. */
  jobs: ExportJob[];
}

/** What a report entry is about, for a person (the entries name ADF node, mark and macro types). */
const WHAT: Record<string, string> = {
  decisionList: 'Decision list', decisionItem: 'Decision', layoutSection: 'Page layout', layoutColumn: 'Layout column',
  textColor: 'Text colour', backgroundColor: 'Highlight colour', panel: 'Panel', status: 'Status lozenge', table: 'Table',
  tableRow: 'Table row', tableCell: 'Table cell', tableHeader: 'Table header cell', children: 'Child pages macro',
  jira: 'Jira issue macro', mention: 'Mention', date: 'Date', emoji: 'Emoji', link: 'Link', media: 'Image or file',
  mediaSingle: 'Image', mediaGroup: 'Files', mediaInline: 'Inline file', inlineCard: 'Smart link', blockCard: 'Smart link card',
  embedCard: 'Embedded link', extension: 'Macro', bodiedExtension: 'Macro', inlineExtension: 'Inline macro',
  'excerpt-include': 'Excerpt include macro', code: 'Code macro', expand: 'Expand', nestedExpand: 'Expand', taskList: 'Task list',
  unsupportedBlock: 'Content Confluence could not show', unsupportedInline: 'Content Confluence could not show',
  invalid: 'Malformed content', incremental: 'How it was exported', page: 'Page', attachment: 'Attachment', comment: 'Comment', heading: 'Heading link',
};

const KIND: Record<string, string> = {
  'unsupported-node': 'not supported', 'unsupported-mark': 'formatting not supported', 'unsupported-macro': 'macro not supported',
  approximated: 'approximated', 'dropped-mark': 'formatting left out', 'page-skipped': 'page left out',
  'attachment-missing': 'attachment missing', 'comment-skipped': 'comment left out', withheld: 'left out of the attached copy',
  flattened: 'flattened', 'content-missing': 'missing from the output', note: 'note',
};

/** "Decision list" for `decisionList`; a macro by its name; another type split into words. */
export function reportWhat(kind: string, what: string): string {
  const known = WHAT[what];
  if (known) return known;
  if (kind === 'unsupported-macro') return `The "${what}" macro`;
  const words = what.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[-_]+/g, ' ').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * One line of the report for a person: what, how, and every item when they differ ("3 items: …;
 * …") or the count when they are alike ("2 items: …"), never one example under "×2".
 */
export function reportLine(item: ReportSummaryItem): string {
  const head = `${reportWhat(item.kind, item.what)} (${KIND[item.kind] ?? item.kind.replace(/-/g, ' ')})`;
  const details = item.details && item.details.length > 0 ? item.details : [item.detail];
  if (item.count <= 1) return `${head}: ${details[0] ?? ''}`;
  const more = item.count > details.length && details.length > 1 ? `; and ${item.count - details.length} more` : '';
  return `${head}, ${item.count} items: ${details.join('; ')}${more}`;
}

/** `export/spaces` payload: narrow by part of a space's name or key (case-insensitive). */
export interface SpaceListPayload {
  query?: string;
}

/** A space the caller can see, to pick for a whole-space export. */
export interface SpaceChoice {
  id: string;
  key: string;
  name: string;
}

export interface SpaceList {
  /** Sorted by name. */
  spaces: SpaceChoice[];
  /** True when the site has more spaces than were read: search by name to reach the others. */
  more: boolean;
}
