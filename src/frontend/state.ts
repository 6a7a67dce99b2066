/**
 * The panel's state and its pure reducer: every request's loading/error/data, the forms (export
 * options, comment filters, database lookup), paging, and the tree job. No React and no bridge here,
 * so all of it is tested with plain data (test/frontend/state.test.ts).
 */
import type { ActivityList, AutoExportView, Freshness } from '../shared/activity';
import type { CommentSort, CommentsExport, CommentsListPayload, CommentsResult, ResolutionStatus } from '../shared/comments';
import type { DatabaseExport, DatabaseInspection, DatabaseList } from '../shared/databases';
import type { ApiError } from '../shared/envelope';
import type { ExportAttachResult, ExportOptions, ExportPreset, ExportPageResult, ExportReportEntry, TreeChanges, TreeStartResult, TreeStatus, TreeWaitReason } from '../shared/export';
import type { PageInfo } from '../shared/page';

export const TABS = ['export', 'comments', 'databases', 'activity'] as const;
export type Tab = (typeof TABS)[number];

/**
 * Where the app was opened: the byline panel, the ••• "Export page tree…" action (a larger modal), or
 * the global "Database inspector" page, which has no page in its context. `undefined` until the
 * product context arrives: nothing that needs a page is loaded before then.
 */
export type Mode = 'byline' | 'action' | 'global';

/** The module's context as `useProductContext()` gives it (only the fields the mode depends on). */
export interface ModuleContext {
  extension?: { type?: unknown; content?: { id?: unknown; type?: unknown } | null } | null;
}

export function modeFor(context: ModuleContext): Mode {
  const ext = context.extension;
  // Without content (the global page, or any module opened outside a page) only the inspector works.
  if (ext?.type === 'confluence:globalPage' || !ext?.content?.id) return 'global';
  return ext.type === 'confluence:contentAction' ? 'action' : 'byline';
}

/** Items per page in every long list. */
export const PAGE_SIZE = 10;

/** What each request slot holds when it succeeds. */
export interface SlotData {
  page: PageInfo;
  preview: ExportPageResult;
  attach: ExportAttachResult;
  treeStart: TreeStartResult;
  treeChanges: TreeChanges;
  treeStatus: TreeStatus;
  treeCancel: TreeStatus;
  comments: CommentsResult;
  commentsExport: CommentsExport;
  databases: DatabaseList;
  inspect: DatabaseInspection;
  databaseExport: DatabaseExport;
  activity: ActivityList;
  autoexport: AutoExportView;
  autoexportSave: AutoExportView;
}
export type Slot = keyof SlotData;

/** One request's life: data is kept while a reload is pending so the panel doesn't flash. */
export interface Req<T> {
  pending: boolean;
  /** The sequence number of the latest request; answers to older ones are ignored. */
  seq: number;
  data?: T;
  error?: ApiError;
}

export type Lists = 'threads' | 'databases' | 'activity' | 'properties' | 'children';

export interface CommentForm {
  kind: 'all' | 'footer' | 'inline';
  status: 'all' | ResolutionStatus;
  author: string;
  text: string;
  sort: CommentSort;
}

export interface TreeJob {
  jobId: string;
  status: TreeStatus;
}

export interface State {
  mode?: Mode;
  tab: Tab;
  requests: { [S in Slot]?: Req<SlotData[S]> };
  options: ExportOptions;
  /** Export the page with its descendants (a background job) instead of this page alone. */
  tree: boolean;
  /** Attach the tree zip to the page (only pages every viewer can read) instead of a private download. */
  treeAttach: boolean;
  /** On the space's homepage: export the whole space instead of this page's tree. */
  treeSpace: boolean;
  /** Global page: the key of the space to export. */
  spaceKey: string;
  /** Target preset of a Markdown tree export (absent: GFM). */
  treePreset?: ExportPreset;
  /** Export everything again instead of building on the earlier export (incremental is the default). */
  treeFull: boolean;
  job?: TreeJob;
  reportOpen: boolean;
  commentForm: CommentForm;
  /** Thread ids whose replies are folded away. */
  folded: string[];
  databaseRef: string;
  pages: Record<Lists, number>;
}

export const DEFAULT_OPTIONS: ExportOptions = { format: 'md', frontMatter: true, comments: false, anchors: true, attachments: false };

export const initialState: State = {
  tab: 'export',
  requests: {},
  options: DEFAULT_OPTIONS,
  tree: false,
  treeAttach: false,
  treeSpace: false,
  treeFull: false,
  spaceKey: '',
  reportOpen: false,
  commentForm: { kind: 'all', status: 'all', author: '', text: '', sort: 'position' },
  folded: [],
  databaseRef: '',
  pages: { threads: 0, databases: 0, activity: 0, properties: 0, children: 0 },
};

export type Action =
  | { type: 'mode'; mode: Mode; contentType?: 'page' | 'blogpost' }
  | { type: 'tab'; tab: Tab }
  | { type: 'start'; slot: Slot; seq: number }
  | { [S in Slot]: { type: 'done'; slot: S; seq: number; data: SlotData[S] } }[Slot]
  | { type: 'fail'; slot: Slot; seq: number; error: ApiError }
  | { type: 'options'; patch: Partial<ExportOptions> }
  | { type: 'tree'; on: boolean }
  | { type: 'treeAttach'; on: boolean }
  | { type: 'treePreset'; preset: ExportPreset }
  | { type: 'treeSpace'; on: boolean }
  | { type: 'treeFull'; on: boolean }
  | { type: 'spaceKey'; text: string }
  | { type: 'toggleReport' }
  | { type: 'commentForm'; patch: Partial<CommentForm> }
  | { type: 'fold'; threadId: string }
  | { type: 'databaseRef'; text: string }
  | { type: 'page'; list: Lists; page: number }
  | { type: 'clearJob' };

export function reducer(state: State, action: Action): State {
  switch (action.type) {
    case 'mode':
      // The action opens on the tree export, which only pages have; the global page on the inspector.
      if (action.mode === 'action') return { ...state, mode: action.mode, tab: 'export', tree: action.contentType !== 'blogpost' };
      if (action.mode === 'global') return { ...state, mode: action.mode, tab: 'databases' };
      return { ...state, mode: action.mode };
    case 'tab':
      return { ...state, tab: action.tab };
    case 'start': {
      const prev = state.requests[action.slot];
      return setReq(state, action.slot, { pending: true, seq: action.seq, data: prev?.data });
    }
    case 'done': {
      const prev = state.requests[action.slot];
      if (!prev || prev.seq !== action.seq) return state;
      const next = setReq(state, action.slot, { pending: false, seq: action.seq, data: action.data });
      return afterDone(next, action);
    }
    case 'fail': {
      const prev = state.requests[action.slot];
      if (!prev || prev.seq !== action.seq) return state;
      return setReq(state, action.slot, { pending: false, seq: action.seq, data: prev.data, error: action.error });
    }
    case 'options': {
      // A preview or attachment made with other options no longer matches what the form says.
      const requests = { ...state.requests, preview: undefined, attach: undefined };
      return { ...state, options: { ...state.options, ...action.patch }, requests, reportOpen: false };
    }
    case 'tree':
      return { ...state, tree: action.on };
    case 'treeAttach':
      return { ...state, treeAttach: action.on };
    case 'treePreset':
      return { ...state, treePreset: action.preset };
    case 'treeSpace':
      return { ...state, treeSpace: action.on };
    case 'treeFull':
      return { ...state, treeFull: action.on };
    case 'spaceKey':
      return { ...state, spaceKey: action.text };
    case 'toggleReport':
      return { ...state, reportOpen: !state.reportOpen };
    case 'commentForm':
      return { ...state, commentForm: { ...state.commentForm, ...action.patch }, pages: { ...state.pages, threads: 0 } };
    case 'fold':
      return {
        ...state,
        folded: state.folded.includes(action.threadId) ? state.folded.filter((id) => id !== action.threadId) : [...state.folded, action.threadId],
      };
    case 'databaseRef':
      return { ...state, databaseRef: action.text };
    case 'page':
      return { ...state, pages: { ...state.pages, [action.list]: Math.max(0, action.page) } };
    case 'clearJob':
      return { ...state, job: undefined, requests: { ...state.requests, treeStart: undefined, treeStatus: undefined, treeCancel: undefined } };
  }
}

function setReq<S extends Slot>(state: State, slot: S, req: Req<SlotData[S]>): State {
  return { ...state, requests: { ...state.requests, [slot]: req } };
}

/** Answers that change more than their own slot. */
function afterDone(state: State, action: Extract<Action, { type: 'done' }>): State {
  switch (action.slot) {
    case 'page':
      // The ••• action's context has no content type (its docs page lists none): page/info says.
      return (action.data as PageInfo).type === 'blogpost' ? { ...state, tree: false } : state;
    case 'treeStart': {
      const d = action.data as TreeStartResult;
      const status: TreeStatus = {
        jobId: d.jobId, phase: 'queued', done: 0, total: d.total, skipped: d.skipped, report: [], invocations: 0, updatedAt: '',
      };
      return { ...state, job: { jobId: d.jobId, status } };
    }
    case 'treeStatus':
    case 'treeCancel': {
      const s = action.data as TreeStatus;
      if (!state.job || state.job.jobId !== s.jobId) return state;
      return { ...state, job: { jobId: s.jobId, status: s } };
    }
    case 'autoexportSave':
      // The saved setting is the one to show from now on.
      return { ...state, requests: { ...state.requests, autoexport: { pending: false, seq: state.requests.autoexport?.seq ?? 0, data: action.data as AutoExportView } } };
    case 'inspect':
      // A file exported from the previous inspection must not sit under this one.
      return { ...state, pages: { ...state.pages, properties: 0, children: 0 }, requests: { ...state.requests, databaseExport: undefined } };
    case 'comments': {
      // A finished export was made from the threads shown before; one still running is for these.
      const exp = state.requests.commentsExport;
      const requests = exp?.pending ? state.requests : { ...state.requests, commentsExport: undefined };
      return { ...state, pages: { ...state.pages, threads: 0 }, requests };
    }
    default:
      return state;
  }
}

// ---- selectors: pure views of the state the components read ----

export function isPending(state: State, slot: Slot): boolean {
  return state.requests[slot]?.pending === true;
}

/** True while the job can still change (the panel keeps polling). */
export function jobRunning(job: TreeJob | undefined): boolean {
  return !!job && !['done', 'failed', 'cancelled'].includes(job.status.phase);
}

/** What a waiting job waits for, in the user's words (it goes on by itself; nothing to do). */
const WAITING: Record<TreeWaitReason, string> = {
  'rate-limit': 'Waiting: Confluence asked the app to slow down',
  pacing: 'Waiting for Confluence\'s rate budget',
  outage: 'Waiting: Confluence did not answer',
};

/** "about 4 minutes", "under a minute", "about 2 hours": a span the user can plan with. */
export function aboutSpan(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m < 1) return 'under a minute';
  if (m < 90) return `about ${m} minute${m === 1 ? '' : 's'}`;
  return `about ${Math.round(m / 60)} hours`;
}

/** The waiting line: why, when it resumes, and when it should be done when the job could tell. */
function waitingLabel(wait: NonNullable<TreeStatus['wait']> | undefined, now: number): string {
  const why = WAITING[wait?.reason ?? 'rate-limit'];
  const until = wait ? Date.parse(wait.until) : Number.NaN;
  const resumes = Number.isNaN(until) ? 'it continues by itself' : `${wait?.reason === 'outage' ? 'tries again' : 'resumes'} in ${aboutSpan(until - now)}`;
  const finish = wait?.finishAt ? Date.parse(wait.finishAt) : Number.NaN;
  return Number.isNaN(finish) ? `${why}, ${resumes}` : `${why}, ${resumes}; done in ${aboutSpan(finish - now)} at this pace`;
}

export function treeProgress(status: TreeStatus, now = Date.now()): { value: number; label: string } {
  const value = status.total > 0 ? Math.min(1, status.done / status.total) : status.phase === 'done' ? 1 : 0;
  const phase: Record<TreeStatus['phase'], string> = {
    queued: 'Waiting to start',
    converting: 'Converting pages',
    waiting: status.phase === 'waiting' ? waitingLabel(status.wait, now) : '',
    zipping: 'Packing the zip',
    uploading: 'Attaching the zip to the page',
    done: 'Done',
    failed: 'Failed',
    cancelled: 'Cancelled',
  };
  return { value, label: `${phase[status.phase]}: ${status.done} of ${status.total} pages` };
}

/** The slice of `items` on page `page` (clamped), and how many pages there are. */
export function paged<T>(items: readonly T[], page: number, size = PAGE_SIZE): { items: T[]; page: number; pages: number } {
  const pages = Math.max(1, Math.ceil(items.length / size));
  const p = Math.min(Math.max(0, page), pages - 1);
  return { items: items.slice(p * size, p * size + size), page: p, pages };
}

/** The `comments/list` payload for the form: only the filters that narrow something. */
export function commentsPayload(form: CommentForm): CommentsListPayload {
  const filters: NonNullable<CommentsListPayload['filters']> = {};
  if (form.kind !== 'all') filters.kind = form.kind;
  if (form.status !== 'all') filters.status = [form.status];
  if (form.author.trim()) filters.author = form.author.trim();
  if (form.text.trim()) filters.text = form.text.trim();
  return Object.keys(filters).length ? { filters, sort: form.sort } : { sort: form.sort };
}

/** True when the form narrows the list (so an empty result means "no match", not "no comments"). */
export function hasFilters(form: CommentForm): boolean {
  return !!commentsPayload(form).filters;
}

/** Fidelity-report entries grouped by kind and what, most frequent first. */
export function summarizeReport(entries: readonly ExportReportEntry[]): Array<{ kind: string; what: string; count: number; detail: string }> {
  const groups = new Map<string, { kind: string; what: string; count: number; detail: string }>();
  for (const e of entries) {
    const key = `${e.kind}\u0000${e.what}`;
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { kind: e.kind, what: e.what, count: 1, detail: e.detail });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.what.localeCompare(b.what));
}

const EXPORTED: Record<Freshness['kind'], string> = {
  // `export/page` records a 'download' whenever a preview runs (the file is then downloaded in the
  // browser, which the app cannot see), so this must not claim the file was downloaded.
  download: 'Last previewed',
  attachment: 'Last attached to the page',
  tree: 'Page tree last exported',
};

/**
 * What the last export was and which version it was made from: "Last previewed at v12, 3 minutes
 * ago; the page is now at v14." Undefined when nothing was exported yet.
 */
export function freshnessLine(activity: ActivityList | undefined, page: PageInfo | undefined, now: number): { text: string; stale: boolean } | undefined {
  const f = activity?.freshness;
  if (!f) return undefined;
  const current = Math.max(f.currentVersion, page?.version ?? 0);
  const stale = f.exportedVersion < current;
  const when = f.at ? `, ${relativeTime(f.at, now)}` : '';
  const head = `${EXPORTED[f.kind] ?? 'Last exported'} at v${f.exportedVersion}${when}`;
  return { text: stale ? `${head}; the page is now at v${current}.` : `${head} (the current version).`, stale };
}

/**
 * What a re-export will do, before it runs (export/tree/changes): "37 pages changed since your
 * export of 2 days ago." Undefined while unknown or when there is no earlier export to build on.
 */
export function changesLine(c: TreeChanges | undefined, now: number): string | undefined {
  if (!c?.base) return undefined;
  const when = `your export of ${relativeTime(c.base.exportedAt, now)}`;
  const n = c.changed;
  const head = n === undefined ? `Builds on ${when}.` : n === 0 ? `No page changed since ${when}.` : `${n} page${n === 1 ? '' : 's'} changed since ${when}.`;
  const gone = c.touched ? ' Pages of this space were restricted, moved or restored since: the tree is listed again to check them.' : '';
  return `${head}${gone} Only what changed is fetched; the rest comes from that export.`;
}

/** "3 minutes ago", "yesterday", or the date for older times. */
export function relativeTime(iso: string | undefined, now: number): string {
  if (!iso) return 'date unknown';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 'date unknown';
  const s = Math.round((now - t) / 1000);
  if (s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} minute${m === 1 ? '' : 's'} ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} hour${h === 1 ? '' : 's'} ago`;
  const d = Math.round(h / 24);
  if (d === 1) return 'yesterday';
  if (d < 30) return `${d} days ago`;
  return new Date(t).toISOString().slice(0, 10);
}
