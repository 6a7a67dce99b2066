/** The panel's reducer and selectors, with plain data: no React, no bridge. */
import type { TreeChanges, TreeStatus } from '../../src/shared/export';
import type { Freshness } from '../../src/shared/activity';
import {
  commentsPayload, freshnessLine, hasFilters, initialState, isPending, jobRunning, paged, reducer, relativeTime,
  summarizeReport, treeProgress, propertyText, type Action, type State,
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
    // A waiting job says why and when it resumes; it is still running (the panel polls).
    const at10 = Date.parse('2026-12-01T10:01:00Z');
    const waiting = status({ phase: 'waiting', done: 80, total: 300, wait: { reason: 'rate-limit', until: '2026-12-01T10:05:00Z' } });
    expect(treeProgress(waiting, at10)).toEqual({ value: 80 / 300, label: 'Waiting: Confluence asked the app to slow down, resumes in about 4 minutes: 80 of 300 pages' });
    expect(treeProgress({ ...waiting, wait: { reason: 'outage', until: '2026-12-01T10:01:20Z' } }, at10).label).toMatch(/^Waiting: Confluence did not answer, tries again in under a minute/);
    expect(jobRunning({ status: waiting } as never)).toBe(true);
  });

  it('a tree the job still lists says how many items so far, not "0 of 0 pages"', () => {
    const s = run(initialState, { type: 'start', slot: 'treeStart', seq: 1 }, { type: 'done', slot: 'treeStart', seq: 1, data: { jobId: 'j1', total: 0, skipped: 0, listed: 500 } });
    expect([s.job?.status.phase, jobRunning(s.job)]).toEqual(['listing', true]);
    expect(treeProgress(s.job!.status)).toEqual({ value: 0, label: 'Listing the pages: 500 items listed so far' });
    const at10 = Date.parse('2026-12-01T10:01:00Z');
    const waiting = status({ phase: 'waiting', done: 0, total: 0, listed: 1250, wait: { reason: 'pacing', until: '2026-12-01T10:05:00Z' } });
    expect(treeProgress(waiting, at10).label).toBe("Waiting for Confluence's rate budget, resumes in about 4 minutes: 1250 items listed so far");
    // Listed and planned: pages again.
    expect(treeProgress(status({ done: 0, total: 1400 })).label).toBe('Converting pages: 0 of 1400 pages');
  });

  it('counts exported, left-out and missing pages apart, and fills the bar when the job is done (issue 23 part 8)', () => {
    const base = { jobId: 'j', report: [], invocations: 1, updatedAt: '' };
    const attached = treeProgress({ ...base, phase: 'done', done: 10, total: 12, skipped: 4, withheld: 2 });
    expect(attached.value).toBe(1);
    expect(attached.label).toBe('Done: 10 of 12 pages exported; 2 pages left out: not every viewer of this page can read them.');
    const gone = treeProgress({ ...base, phase: 'converting', done: 3, total: 12, skipped: 0, missing: 1 });
    expect(gone.value).toBeCloseTo(4 / 12);
    expect(gone.label).toBe('Converting pages: 3 of 12 pages exported; 1 page could not be exported (see the report).');
    expect(treeProgress({ ...base, phase: 'done', done: 1, total: 1, skipped: 0 }).label).toBe('Done: 1 of 1 page');
  });

  it('tells a job waiting for the budget when it resumes and, once it measured its pace, when it should be done', () => {
    const at10 = Date.parse('2026-12-01T10:01:00Z');
    const paced = status({ phase: 'waiting', done: 80, total: 300, wait: { reason: 'pacing', until: '2026-12-01T10:05:00Z', finishAt: '2026-12-01T12:31:00Z' } });
    expect(treeProgress(paced, at10).label).toBe("Waiting for Confluence's rate budget, resumes in about 4 minutes; done in about 3 hours at this pace: 80 of 300 pages");
    const early = status({ phase: 'waiting', done: 0, total: 300, wait: { reason: 'pacing', until: '2026-12-01T10:05:00Z' } });
    expect(treeProgress(early, at10).label).toBe("Waiting for Confluence's rate budget, resumes in about 4 minutes: 0 of 300 pages");
  });

  it('groups the fidelity report, most frequent first', () => {
    const groups = summarizeReport([
      { kind: 'unsupported-macro', what: 'mystery', detail: 'a' },
      { kind: 'dropped-mark', what: 'textColor', detail: 'b' },
      { kind: 'dropped-mark', what: 'textColor', detail: 'c' },
    ]);
    expect(groups).toEqual([
      { kind: 'dropped-mark', what: 'textColor', count: 2, detail: 'b', details: ['b', 'c'] },
      { kind: 'unsupported-macro', what: 'mystery', count: 1, detail: 'a', details: ['a'] },
    ]);
    expect(summarizeReport([])).toEqual([]);
  });

  it('says whose export it was, of which page, when, and how fresh it is', () => {
    const now = Date.parse('2024-05-01T12:00:00Z');
    const activity = (exportedVersion: number, currentVersion: number, kind: 'download' | 'attachment' | 'tree' = 'download', at = '2024-05-01T11:57:00Z', more: Partial<Freshness> = {}) => ({
      items: [], total: 0, currentVersion,
      freshness: { exportedVersion, currentVersion, stale: exportedVersion < currentVersion, format: 'md', kind, at, mine: true, ...more },
    });
    expect(freshnessLine(activity(2, 3), page, now)).toEqual({ text: 'You last previewed this page at v2, 3 minutes ago; the page is now at v3.', stale: true });
    expect(freshnessLine(activity(3, 3), page, now)).toEqual({ text: 'You last previewed this page at v3, 3 minutes ago (the current version).', stale: false });
    expect(freshnessLine(activity(3, 3, 'attachment', undefined, { attached: true }), page, now)?.text).toBe('Last attached to the page by you at v3, 3 minutes ago (the current version).');
    // Someone else's attached copy names them; an auto-export copy says so.
    expect(freshnessLine(activity(3, 3, 'attachment', undefined, { attached: true, mine: false, accountId: 'a', displayName: 'Alice Author' }), page, now)?.text).toBe('Last attached to the page by Alice Author at v3, 3 minutes ago (the current version).');
    expect(freshnessLine(activity(3, 3, 'attachment', undefined, { attached: true, mine: false }), page, now)?.text).toBe('Last attached to the page by auto-export at v3, 3 minutes ago (the current version).');
    // A tree: which page, how many pages; without the change count, only the root is known.
    const tree = { title: 'Demo Home', pages: 12 };
    expect(freshnessLine(activity(1, 3, 'tree', '2024-04-30T12:00:00Z', tree), page, now)?.text).toBe('Your page tree export of "Demo Home" (12 pages, root at v1), yesterday; the root page is now at v3.');
    // With the exact count of export/tree/changes about that export: every page, not the root.
    const changes = (changed: number): TreeChanges => ({ base: { exportedAt: '2024-04-30T11:59:00Z', pages: 12 }, changed });
    expect(freshnessLine(activity(1, 1, 'tree', '2024-04-30T12:00:00Z', tree), page, now, changes(2))).toEqual({ text: 'Your page tree export of "Demo Home" (12 pages, root at v1), yesterday: 2 pages changed since.', stale: true });
    expect(freshnessLine(activity(1, 3, 'tree', '2024-04-30T12:00:00Z', tree), page, now, changes(0))).toEqual({ text: 'Your page tree export of "Demo Home" (12 pages, root at v1), yesterday: no page changed since.', stale: false });
    expect(freshnessLine(activity(1, 1, 'tree', '2024-04-30T12:00:00Z', { ...tree, attached: true, mine: false, accountId: 'a', displayName: 'Alice Author' }), { ...page, version: 1 }, now)?.text).toBe('Page tree of "Demo Home" (12 pages, root at v1) attached to the page by Alice Author, yesterday; the root page has not changed since.');
    expect(freshnessLine(activity(3, 3, 'download', ''), page, now)?.text).toBe('You last previewed this page at v3 (the current version).');
    // The header may know a newer version than the activity log did.
    expect(freshnessLine(activity(3, 3), { ...page, version: 5 }, now)?.text).toBe('You last previewed this page at v3, 3 minutes ago; the page is now at v5.');
    expect(freshnessLine({ items: [], total: 0, currentVersion: 3, freshness: null }, page, now)).toBeUndefined();
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

describe('exported files follow what is on screen', () => {
  const file = { fileName: 'f', mediaType: 'text/plain', content: 'x' };
  const commentsFile = { ...file, bytes: 1, threads: 1, comments: 1, skipped: [] };
  const list = {} as import('../../src/shared/comments').CommentsResult;
  const inspection = (id: string) => ({ id }) as import('../../src/shared/databases').DatabaseInspection;

  it('a new inspection drops the file exported from the previous one', () => {
    const exported = run(initialState,
      { type: 'start', slot: 'inspect', seq: 1 }, { type: 'done', slot: 'inspect', seq: 1, data: inspection('A') },
      { type: 'start', slot: 'databaseExport', seq: 2 }, { type: 'done', slot: 'databaseExport', seq: 2, data: { ...file, format: 'json' } });
    expect(exported.requests.databaseExport?.data).toBeDefined();
    const next = run(exported, { type: 'start', slot: 'inspect', seq: 3 }, { type: 'done', slot: 'inspect', seq: 3, data: inspection('B') });
    expect(next.requests.databaseExport).toBeUndefined();
  });

  it('reloaded threads drop a finished comment export, but not one still running', () => {
    const loaded = run(initialState, { type: 'start', slot: 'comments', seq: 1 }, { type: 'done', slot: 'comments', seq: 1, data: list });
    const exported = run(loaded, { type: 'start', slot: 'commentsExport', seq: 2 }, { type: 'done', slot: 'commentsExport', seq: 2, data: commentsFile });
    const reloaded = run(exported, { type: 'start', slot: 'comments', seq: 3 }, { type: 'done', slot: 'comments', seq: 3, data: list });
    expect(reloaded.requests.commentsExport).toBeUndefined();
    const running = run(loaded, { type: 'start', slot: 'commentsExport', seq: 4 }, { type: 'start', slot: 'comments', seq: 5 }, { type: 'done', slot: 'comments', seq: 5, data: list });
    expect(running.requests.commentsExport?.pending).toBe(true);
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

describe('database inspector wording (issue 23 part 10)', () => {
  it('shows flat property values in words and leaves nested ones to JSON', () => {
    expect(propertyText('"done"')).toBe('done');
    expect(propertyText('{"status":"done","count":3,"archived":false}')).toBe('status: done · count: 3 · archived: no');
    expect(propertyText('["a","b"]')).toBe('a, b');
    expect(propertyText('{"nested":{"x":1}}')).toBeUndefined();
    expect(propertyText('not json')).toBeUndefined();
  });
});
