/**
 * The panel's state and its pure reducer: every request's loading/error/data, the forms (export
 * options, comment filters, database lookup), paging, and the tree job. No React and no bridge here,
 * so all of it is tested with plain data (test/frontend/state.test.ts).
 */
import type { ActivityList, AutoExportView } from '../shared/activity';
import type { CommentSort, CommentsExport, CommentsListPayload, CommentsResult, ResolutionStatus } from '../shared/comments';
import type { DatabaseExport, DatabaseInspection, DatabaseList } from '../shared/databases';
import type { ApiError } from '../shared/envelope';
import { REPORT_DETAILS, type ReportSummaryItem } from '../shared/export';
import type { ExportAttachResult, ExportJob, ExportJobs, SpaceList, ExportOptions, ExportPreset, ExportPageResult, ExportReportEntry, TreeChanges, TreeStartResult, TreeStatus, TreeWaitReason } from '../shared/export';
import type { PageInfo } from '../shared/page';

export const TABS = ['export', 'comments', 'databases', 'activity'] as const;
export type Tab = (typeof TABS)[number];

/** The tabs shown: a blog post has no child databases (databases sit in the page tree), so no Databases tab. */
export function tabsFor(contentType: 'page' | 'blogpost'): readonly Tab[] {
  return contentType === 'blogpost' ? TABS.filter((t) => t !== 'databases') : TABS;
}

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
  jobs: ExportJobs;
  spaces: SpaceList;
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
  /** Taken from "Your exports", whose entries carry no report: its status is read once more. */
  partial?: boolean;
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
  /** Global page: what to look for among the spaces (sites with more than one answer's worth). */
  spaceQuery: string;
  /** Target preset of a Markdown tree export (absent: GFM). */
  treePreset?: ExportPreset;
  /** Export everything again instead of building on the earlier export (incremental is the default). */
  treeFull: boolean;
  job?: TreeJob;
  /** Jobs dismissed from "Your exports" in this panel (hidden at once, before the list is read again). */
  dismissed: string[];
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
  spaceQuery: '',
  dismissed: [],
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
  | { type: 'spaceQuery'; text: string }
  | { type: 'toggleReport' }
  | { type: 'commentForm'; patch: Partial<CommentForm> }
  | { type: 'fold'; threadId: string }
  | { type: 'databaseRef'; text: string }
  | { type: 'page'; list: Lists; page: number }
  | { type: 'clearJob' }
  | { type: 'dismissJob'; jobId: string };

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
      // Offered beside "this page and its children" on a space's homepage: choosing it is choosing a zip.
      return { ...state, treeSpace: action.on, ...(action.on ? { tree: true } : {}) };
    case 'treeFull':
      return { ...state, treeFull: action.on };
    case 'spaceKey':
      return { ...state, spaceKey: action.text };
    case 'spaceQuery':
      return { ...state, spaceQuery: action.text };
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
    case 'dismissJob':
      return { ...state, dismissed: [...state.dismissed, action.jobId] };
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
      // A tree larger than the start lists: the job lists on, and says how far until it knows the pages.
      const status: TreeStatus = {
        jobId: d.jobId, phase: d.listed === undefined ? 'queued' : 'listing', done: 0, total: d.total, skipped: d.skipped, ...(d.listed === undefined ? {} : { listed: d.listed }), report: [], invocations: 0, updatedAt: '',
      };
      return { ...state, job: { jobId: d.jobId, status } };
    }
    case 'jobs':
      return adopt(state, (action.data as ExportJobs).jobs);
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

/**
 * A panel opened again picks up where the last one was (issue 23): with no job on screen, the
 * newest of the caller's exports this panel can act on that still runs, or whose zip waits for
 * download, becomes the job shown (polled, with Cancel or the download card). The others stay in
 * "Your exports".
 */
function adopt(state: State, jobs: readonly ExportJob[]): State {
  if (state.job || state.requests.treeStart?.pending) return state;
  // Where a job is shown: a page's tree export shows its tree job, the global page its space job;
  // every other one is in the list, with its own download.
  const scope = state.mode === 'global' ? 'space' : 'tree';
  const pick = jobs.find((j) => j.here && !j.expired && j.scope === scope && (jobRunning({ jobId: j.jobId, status: j.status }) || (j.status.phase === 'done' && !!j.status.download)));
  if (!pick) return state;
  const tree = scope === 'tree' ? { tree: true, treeSpace: false, treeAttach: pick.delivery === 'attach' } : {};
  return { ...state, job: { jobId: pick.jobId, status: pick.status, partial: true }, ...tree };
}

/** "Your exports" without the job already shown above it. */
export function otherJobs(state: State): ExportJob[] {
  return (state.requests.jobs?.data?.jobs ?? []).filter((j) => j.jobId !== state.job?.jobId && !state.dismissed.includes(j.jobId));
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
  // Pages left out or missing are settled too: the bar is full when the job is, and the sentence
  // counts each kind apart (issue 23 part 8: "Done: 10 of 12" beside a full export was a contradiction).
  const withheld = status.withheld ?? 0;
  const missing = status.missing ?? 0;
  const settled = status.done + withheld + missing;
  const value = status.total > 0 ? Math.min(1, settled / status.total) : status.phase === 'done' ? 1 : 0;
  const phase: Record<TreeStatus['phase'], string> = {
    queued: 'Waiting to start',
    listing: 'Listing the pages',
    converting: 'Converting pages',
    waiting: status.phase === 'waiting' ? waitingLabel(status.wait, now) : '',
    zipping: 'Packing the zip',
    uploading: 'Attaching the zip to the page',
    done: 'Done',
    failed: 'Failed',
    cancelled: 'Cancelled',
  };
  const apart = [
    withheld ? `${plural(withheld, 'page')} left out: not every viewer of this page can read ${withheld === 1 ? 'it' : 'them'}` : '',
    missing ? `${plural(missing, 'page')} could not be exported (see the report)` : '',
  ].filter(Boolean);
  // Still listing: how many pages there are is not known yet, only how many items were listed.
  if (status.listed !== undefined && status.phase !== 'done' && status.phase !== 'failed' && status.phase !== 'cancelled') {
    return { value: 0, label: `${phase[status.phase]}: ${plural(status.listed, 'item')} listed so far` };
  }
  const head = `${phase[status.phase]}: ${status.done} of ${plural(status.total, 'page')}${apart.length ? ' exported' : ''}`;
  return { value, label: apart.length ? `${head}; ${apart.join('; ')}.` : head };
}

/** "1 page", "2 pages". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
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

/** Fidelity-report entries grouped by kind and what, most frequent first, with each group's distinct details. */
export function summarizeReport(entries: readonly ExportReportEntry[]): ReportSummaryItem[] {
  const groups = new Map<string, ReportSummaryItem & { details: string[] }>();
  for (const e of entries) {
    const key = `${e.kind}\u0000${e.what}`;
    const g = groups.get(key);
    if (g) {
      g.count++;
      if (g.details.length < REPORT_DETAILS && !g.details.includes(e.detail)) g.details.push(e.detail);
    } else groups.set(key, { kind: e.kind, what: e.what, count: 1, detail: e.detail, details: [e.detail] });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.what.localeCompare(b.what));
}

/**
 * Whose export the line is about, what of which page, and how fresh it is, for the person looking:
 * - their own: "You last previewed this page at v12, 3 minutes ago; the page is now at v14." A
 *   preview counts, not a download (`export/page` runs for a preview; the browser's download is not
 *   seen), and a tree: "Your page tree export of "Guide" (12 pages, at v3), yesterday: 2 pages
 *   changed since." with the exact count of `export/tree/changes` when it is about that export;
 * - a copy attached to the page, by whom: "Last attached to the page by Alice Author at v3, …".
 * Nobody is shown someone else's private export (../activity/freshness keeps them apart).
 * Undefined when there is nothing to say.
 */
export function freshnessLine(activity: ActivityList | undefined, page: PageInfo | undefined, now: number, changes?: TreeChanges): { text: string; stale: boolean } | undefined {
  const f = activity?.freshness;
  if (!f) return undefined;
  const current = Math.max(f.currentVersion, page?.version ?? 0);
  const when = f.at ? `, ${relativeTime(f.at, now)}` : '';
  const by = f.mine ? ' by you' : f.displayName ? ` by ${f.displayName}` : f.accountId ? '' : ' by auto-export';
  const pages = f.pages !== undefined ? `${f.pages} page${f.pages === 1 ? '' : 's'}, ` : '';
  const of = f.title ? ` of "${f.title}"` : '';
  let head: string;
  if (f.kind === 'tree') head = f.attached ? `Page tree${of} (${pages}root at v${f.exportedVersion}) attached to the page${by}${when}` : `Your page tree export${of} (${pages}root at v${f.exportedVersion})${when}`;
  else if (f.attached || f.kind === 'attachment') head = `Last attached to the page${by} at v${f.exportedVersion}${when}`;
  else head = `You last previewed this page at v${f.exportedVersion}${when}`;
  // A tree is fresh when none of its pages changed, not when its root did not: the exact count of
  // the re-export check, when it is about this very export (your private zip, same page count).
  const about = f.kind === 'tree' && f.mine && !f.attached && changes?.base && changes.changed !== undefined && changes.base.pages === f.pages && (!f.at || changes.base.exportedAt <= f.at);
  if (about) {
    const n = changes?.changed ?? 0;
    return { text: n === 0 ? `${head}: no page changed since.` : `${head}: ${n} page${n === 1 ? '' : 's'} changed since.`, stale: n > 0 };
  }
  const stale = f.exportedVersion < current;
  const tail = f.kind === 'tree' ? (stale ? `; the root page is now at v${current}.` : '; the root page has not changed since.') : stale ? `; the page is now at v${current}.` : ' (the current version).';
  return { text: `${head}${tail}`, stale };
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

/**
 * A database property's value in words when it is flat: a text, number or yes/no, or an object of
 * such fields ("status: done · owner: Alice"). Undefined for nested values, which are shown as JSON.
 */
export function propertyText(json: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  const flat = (v: unknown): string | undefined =>
    v === null ? 'none' : typeof v === 'boolean' ? (v ? 'yes' : 'no') : typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
  const one = flat(value);
  if (one !== undefined) return one;
  if (Array.isArray(value)) {
    const items = value.map(flat);
    return items.every((i) => i !== undefined) ? (items.length ? items.join(', ') : 'none') : undefined;
  }
  if (typeof value === 'object' && value !== null) {
    const parts = Object.entries(value).map(([k, v]) => [k, flat(v)] as const);
    return parts.length > 0 && parts.every(([, v]) => v !== undefined) ? parts.map(([k, v]) => `${k}: ${v}`).join(' · ') : undefined;
  }
  return undefined;
}
