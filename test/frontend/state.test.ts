/** The panel's reducer and selectors, with plain data: no React, no bridge. */
import type { TreeStatus } from '../../src/shared/export';
import {
  commentsPayload, freshnessLine, hasFilters, initialState, isPending, jobRunning, paged, reducer, relativeTime,
  summarizeReport, treeProgress, type Action, type State,
} from '../../src/frontend/state';
import type { PageInfo } from '../../src/shared/page';

const page: PageInfo = { id: '1', type: 'page', title: 'T', version: 3, canEdit: true };
const run = (state: State, ...actions: Action[]): State => actions.reduce(reducer, state);

const status = (over: Partial<TreeStatus>): TreeStatus => ({
  jobId: 'j1', phase: 'converting', done: 0, total: 4, skipped: 0, report: [], invocations: 1, updatedAt: 'x', ...over,
});

describe('requests', () => {
  it('marks a slot pending, then stores its data', () => {
    const s1 = run(initialState, { type: 'start', slot: 'page', seq: 1 });
    expect(isPending(s1, 'page')).toBe(true);
    const s2 = reducer(s1, { type: 'done', slot: 'page', seq: 1, data: page });
    expect(isPending(s2, 'page')).toBe(false);
    expect(s2.requests.page?.data).toEqual(page);
    expect(s2.requests.page?.error).toBeUndefined();
  });

  it('keeps the old data while reloading and after a failed reload', () => {
    const loaded = run(initialState, { type: 'start', slot: 'page', seq: 1 }, { type: 'done', slot: 'page', seq: 1, data: page });
    const reloading = reducer(loaded, { type: 'start', slot: 'page', seq: 2 });
    expect(reloading.requests.page).toEqual({ pending: true, seq: 2, data: page });
    const failed = reducer(reloading, { type: 'fail', slot: 'page', seq: 2, error: { code: 'X', message: 'm', hint: 'h' } });
    expect(failed.requests.page).toEqual({ pending: false, seq: 2, data: page, error: { code: 'X', message: 'm', hint: 'h' } });
  });

  it('clears the error when a new request starts', () => {
    const failed = run(initialState, { type: 'start', slot: 'comments', seq: 1 }, { type: 'fail', slot: 'comments', seq: 1, error: { code: 'X', message: 'm' } });
    expect(failed.requests.comments?.error?.code).toBe('X');
    expect(reducer(failed, { type: 'start', slot: 'comments', seq: 2 }).requests.comments?.error).toBeUndefined();
  });

  it('drops answers to superseded requests', () => {
    const s = run(initialState, { type: 'start', slot: 'page', seq: 1 }, { type: 'start', slot: 'page', seq: 2 });
    const stale = reducer(s, { type: 'done', slot: 'page', seq: 1, data: page });
    expect(stale).toBe(s);
    const staleFail = reducer(s, { type: 'fail', slot: 'page', seq: 1, error: { code: 'X', message: 'm' } });
    expect(staleFail).toBe(s);
    expect(reducer(initialState, { type: 'done', slot: 'page', seq: 1, data: page })).toBe(initialState);
  });
});

describe('export', () => {
  it('option changes forget the preview and attachment made with other options', () => {
    const withPreview = run(initialState,
      { type: 'start', slot: 'preview', seq: 1 },
      { type: 'done', slot: 'preview', seq: 1, data: { text: 'x', report: [], fileName: 'a.md', mediaType: 'text/markdown', version: 1, title: 'a' } },
      { type: 'toggleReport' });
    expect(withPreview.reportOpen).toBe(true);
    const changed = reducer(withPreview, { type: 'options', patch: { format: 'html' } });
    expect(changed.options).toEqual({ ...initialState.options, format: 'html' });
    expect(changed.requests.preview).toBeUndefined();
    expect(changed.reportOpen).toBe(false);
  });

  it('tracks a tree job from start to done and ignores other jobs', () => {
    let s = run(initialState, { type: 'start', slot: 'treeStart', seq: 1 }, { type: 'done', slot: 'treeStart', seq: 1, data: { jobId: 'j1', total: 4, skipped: 1 } });
    expect(s.job?.status).toMatchObject({ jobId: 'j1', phase: 'queued', done: 0, total: 4, skipped: 1 });
    expect(jobRunning(s.job)).toBe(true);
    s = run(s, { type: 'start', slot: 'treeStatus', seq: 2 }, { type: 'done', slot: 'treeStatus', seq: 2, data: status({ done: 2 }) });
    expect(s.job?.status.done).toBe(2);
    const other = run(s, { type: 'start', slot: 'treeStatus', seq: 3 }, { type: 'done', slot: 'treeStatus', seq: 3, data: status({ jobId: 'other', done: 4 }) });
    expect(other.job?.status.done).toBe(2);
    s = run(s, { type: 'start', slot: 'treeStatus', seq: 4 }, { type: 'done', slot: 'treeStatus', seq: 4, data: status({ phase: 'done', done: 4 }) });
    expect(jobRunning(s.job)).toBe(false);
    const cleared = reducer(s, { type: 'clearJob' });
    expect(cleared.job).toBeUndefined();
    expect(cleared.requests.treeStatus).toBeUndefined();
  });

  it('a cancel answer ends the job', () => {
    const s = run(initialState,
      { type: 'start', slot: 'treeStart', seq: 1 }, { type: 'done', slot: 'treeStart', seq: 1, data: { jobId: 'j1', total: 4, skipped: 0 } },
      { type: 'start', slot: 'treeCancel', seq: 2 }, { type: 'done', slot: 'treeCancel', seq: 2, data: status({ phase: 'cancelled', done: 1 }) });
    expect(s.job?.status.phase).toBe('cancelled');
    expect(jobRunning(s.job)).toBe(false);
  });

  it('describes progress', () => {
    expect(treeProgress(status({ done: 1, total: 4 }))).toEqual({ value: 0.25, label: 'Converting pages: 1 of 4 pages' });
    expect(treeProgress(status({ phase: 'done', done: 0, total: 0 })).value).toBe(1);
    expect(treeProgress(status({ phase: 'queued', done: 0, total: 0 })).value).toBe(0);
    expect(treeProgress(status({ done: 9, total: 4 })).value).toBe(1);
  });

  it('groups the fidelity report, most frequent first', () => {
    const groups = summarizeReport([
      { kind: 'unsupported-macro', what: 'mystery', detail: 'a' },
      { kind: 'dropped-mark', what: 'textColor', detail: 'b' },
      { kind: 'dropped-mark', what: 'textColor', detail: 'c' },
    ]);
    expect(groups).toEqual([
      { kind: 'dropped-mark', what: 'textColor', count: 2, detail: 'b' },
      { kind: 'unsupported-macro', what: 'mystery', count: 1, detail: 'a' },
    ]);
    expect(summarizeReport([])).toEqual([]);
  });

  it('says how fresh the last export is', () => {
    const activity = (exportedVersion: number, currentVersion: number) => ({
      items: [], total: 0, currentVersion,
      freshness: { exportedVersion, currentVersion, stale: exportedVersion < currentVersion, format: 'md', kind: 'download' as const, at: '' },
    });
    expect(freshnessLine(activity(2, 3), page)).toEqual({ text: 'Exported at v2, page now at v3.', stale: true });
    expect(freshnessLine(activity(3, 3), page)).toEqual({ text: 'Exported at v3, the current version.', stale: false });
    // The header may know a newer version than the activity log did.
    expect(freshnessLine(activity(3, 3), { ...page, version: 5 })?.text).toBe('Exported at v3, page now at v5.');
    expect(freshnessLine({ items: [], total: 0, currentVersion: 3, freshness: null }, page)).toBeUndefined();
  });
});

describe('comments', () => {
  it('sends only the filters that narrow', () => {
    expect(commentsPayload(initialState.commentForm)).toEqual({ sort: 'position' });
    expect(hasFilters(initialState.commentForm)).toBe(false);
    const form = { kind: 'inline' as const, status: 'resolved' as const, author: ' Bob ', text: '  ', sort: 'date' as const };
    expect(commentsPayload(form)).toEqual({ filters: { kind: 'inline', status: ['resolved'], author: 'Bob' }, sort: 'date' });
    expect(hasFilters(form)).toBe(true);
  });

  it('a filter change goes back to the first page; folding toggles', () => {
    const s = run(initialState, { type: 'page', list: 'threads', page: 3 }, { type: 'commentForm', patch: { kind: 'footer' } });
    expect(s.pages.threads).toBe(0);
    expect(s.commentForm.kind).toBe('footer');
    const folded = run(s, { type: 'fold', threadId: 'a' }, { type: 'fold', threadId: 'b' }, { type: 'fold', threadId: 'a' });
    expect(folded.folded).toEqual(['b']);
  });
});

describe('paging and dates', () => {
  it('pages long lists and clamps the page', () => {
    const items = Array.from({ length: 23 }, (_, i) => i);
    expect(paged(items, 0)).toEqual({ items: items.slice(0, 10), page: 0, pages: 3 });
    expect(paged(items, 2).items).toEqual([20, 21, 22]);
    expect(paged(items, 9).page).toBe(2);
    expect(paged([], 4)).toEqual({ items: [], page: 0, pages: 1 });
    expect(run(initialState, { type: 'page', list: 'activity', page: -3 }).pages.activity).toBe(0);
  });

  it('says dates relative to now', () => {
    const now = Date.parse('2025-01-10T12:00:00Z');
    expect(relativeTime('2025-01-10T11:59:50Z', now)).toBe('just now');
    expect(relativeTime('2025-01-10T11:59:00Z', now)).toBe('1 minute ago');
    expect(relativeTime('2025-01-10T09:00:00Z', now)).toBe('3 hours ago');
    expect(relativeTime('2025-01-09T12:00:00Z', now)).toBe('yesterday');
    expect(relativeTime('2025-01-03T12:00:00Z', now)).toBe('7 days ago');
    expect(relativeTime('2024-06-01T00:00:00Z', now)).toBe('2024-06-01');
    expect(relativeTime(undefined, now)).toBe('date unknown');
    expect(relativeTime('not a date', now)).toBe('date unknown');
  });
});
