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
export type TreePhase = 'queued' | 'converting' | 'waiting' | 'zipping' | 'uploading' | 'done' | 'failed' | 'cancelled';

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
}

export interface TreeStatus {
  jobId: string;
  phase: TreePhase;
  done: number;
  total: number;
  skipped: number;
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
