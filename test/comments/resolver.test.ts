/**
 * comments/list and comments/export through the real resolver, against the sandbox seed site.
 */
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { SEED } from '../../sandbox/confluence/seed';
import * as a from '../../sandbox/confluence/adf';
import type { Envelope } from '../../src/shared/envelope';
import type { CommentsExport, CommentsResult, CommentView } from '../../src/shared/comments';
import { CSV_COLUMNS } from '../../src/comments/formats';
import { withWarnings } from '../console';

const C = SEED.comments;
const M = SEED.markers;
const alice = SEED.users.alice;
const bob = SEED.users.bob;
const rich = { id: SEED.pages.rich, type: 'page' as const };

async function list(sb: Sandbox, payload: unknown = {}, o: { accountId?: string; content?: { id: string; type: 'page' | 'blogpost' } } = {}) {
  return sb.invoke<Envelope<CommentsResult>>('comments/list', { accountId: o.accountId ?? alice, content: o.content ?? rich, payload });
}

function data<T>(env: Envelope<T>): T {
  if (!env.ok) throw new Error(`expected ok, got ${env.error.code}: ${env.error.message}`);
  return env.data;
}

const flat = (ts: CommentView[]): CommentView[] => ts.flatMap((t) => [t, ...flat(t.replies)]);
const byId = (r: CommentsResult, id: string) => flat(r.threads).find((c) => c.id === id);

describe('comments/list on the seed site', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox();
  });
  afterAll(async () => {
    await sb.close();
  });

  it('returns every footer and inline thread, every state, with nested replies and names', async () => {
    sb.confluence.resetRequests();
    const r = data(await list(sb));
    expect(r.content).toEqual({ id: SEED.pages.rich, type: 'page', title: 'Rich Page' });
    expect(r.threads.map((t) => t.id).sort()).toEqual([C.footerRoot, C.footerRoot2, C.inlineOpen, C.inlineResolved, C.inlineReopened, C.inlineDangling, C.inlineChanged].sort());

    // A reply to a reply: depth 2, same thread.
    const deep = byId(r, C.footerReplyReply);
    expect(deep).toMatchObject({ depth: 2, threadId: C.footerRoot, parentId: C.footerReply, kind: 'footer', author: 'Alice Author', text: 'Checked, it is fine.' });
    expect(byId(r, C.footerReply)).toMatchObject({ depth: 1, author: 'Bob Builder', markdown: 'Almost, one merged cell to check.' });
    expect(byId(r, C.inlineOpenReply)).toMatchObject({ depth: 1, kind: 'inline', threadId: C.inlineOpen });
    expect(byId(r, C.footerRoot)?.link).toBe(`${sb.confluence.url}/wiki/spaces/DEMO/pages/${SEED.pages.rich}/Rich+Page?focusedCommentId=${C.footerRoot}`);

    const status = Object.fromEntries(r.threads.filter((t) => t.inline).map((t) => [t.id, t.inline?.status]));
    expect(status).toEqual({ [C.inlineOpen]: 'open', [C.inlineResolved]: 'resolved', [C.inlineReopened]: 'reopened', [C.inlineDangling]: 'dangling', [C.inlineChanged]: 'open' });
    const resolved = byId(r, C.inlineResolved)?.inline;
    expect(resolved).toMatchObject({ markerRef: M.resolved, selection: 'settled point', resolvedBy: { accountId: alice, name: 'Alice Author' } });
    expect(resolved?.resolvedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(byId(r, C.inlineReopened)?.inline?.resolvedBy?.name).toBe('Alice Author');
    expect(byId(r, C.inlineOpen)?.inline?.resolvedBy).toBeUndefined();

    expect(r.counts).toEqual({
      total: 10, threads: 7, footer: 4, inline: 6, open: 3, resolved: 1,
      byStatus: { open: 2, reopened: 1, resolved: 1, dangling: 1 }, anchorIssues: 2,
    });
    expect(r.skipped).toEqual([]);
    expect(r.incomplete).toBe(false);

    // Requests: 2 root lists, the page body, one children call per comment (10), one users-bulk
    // batch. All as the user. Who resolved a thread comes with the list: no single-comment GET.
    const reqs = sb.confluence.requests;
    expect(r.requests).toBe(reqs.length);
    expect(reqs.filter((q) => /\/inline-comments\/\d+(\?|$)/.test(q.path))).toEqual([]);
    expect(reqs.length).toBe(2 + 1 + 10 + 1);
    expect(reqs.filter((q) => q.path.includes("/children")).length).toBe(10);
    expect(reqs.filter((q) => q.path.startsWith('/wiki/api/v2/users-bulk')).length).toBe(1);
    expect(reqs.every((q) => q.principal === `user:${alice}`)).toBe(true);
    expect(reqs.filter((q) => /\/(footer|inline)-comments\?/.test(q.path)).every((q) => q.path.includes('limit=250'))).toBe(true);
  });

  it('checks anchors against the page ADF: dangling, changed selection and orphan highlights', async () => {
    const r = data(await list(sb));
    expect(byId(r, C.inlineOpen)?.inline).toMatchObject({ anchor: 'ok', position: 0 });
    expect(byId(r, C.inlineDangling)?.inline?.anchor).toBe('missing');
    expect(byId(r, C.inlineChanged)?.inline).toMatchObject({ anchor: 'changed', selection: 'original wording', currentText: 'revised wording' });
    expect(r.anchors).toEqual({
      checked: true,
      dangling: [{ commentId: C.inlineDangling, markerRef: M.dangling, selection: 'text that was deleted' }],
      changed: [{ commentId: C.inlineChanged, markerRef: M.changed, selection: 'original wording', current: 'revised wording' }],
      orphans: [{ markerRef: M.orphan, text: 'orphan highlight' }],
    });
  });

  it('sorts by position in the page, and by date both ways', async () => {
    const ids = async (sort: string) => data(await list(sb, { sort })).threads.map((t) => t.id);
    expect(await ids('position')).toEqual([C.inlineOpen, C.inlineResolved, C.inlineReopened, C.inlineChanged, C.inlineDangling, C.footerRoot, C.footerRoot2]);
    const byDate = await ids('date');
    expect(byDate).toEqual([C.footerRoot, C.footerRoot2, C.inlineOpen, C.inlineResolved, C.inlineReopened, C.inlineDangling, C.inlineChanged]);
    expect(await ids('date-desc')).toEqual([...byDate].reverse());
  });

  it('filters by kind, status, author and text, keeping counts over everything', async () => {
    const ids = async (filters: unknown) => {
      const r = data(await list(sb, { filters }));
      expect(r.counts.total).toBe(10);
      expect(r.shown).toBe(r.threads.length);
      return r.threads.map((t) => t.id);
    };
    expect(await ids({ kind: 'footer' })).toEqual([C.footerRoot, C.footerRoot2]);
    expect(await ids({ kind: 'inline', status: ['resolved', 'reopened'] })).toEqual([C.inlineResolved, C.inlineReopened]);
    expect(await ids({ author: bob, kind: 'inline' })).toEqual([C.inlineOpen, C.inlineResolved, C.inlineDangling]);
    expect(await ids({ author: 'alice', kind: 'footer' })).toEqual([C.footerRoot]);
    expect(await ids({ text: 'MERGED CELL' })).toEqual([C.footerRoot]);
    expect(await ids({ text: 'disputed' })).toEqual([C.inlineReopened]);
  });

  it('refuses missing or wrong-type filters with BAD_REQUEST', async () => {
    const bad = [
      { filters: { kind: 'sideways' } },
      { filters: { status: 'open' } },
      { filters: { status: ['open', 'maybe'] } },
      { filters: { author: 42 } },
      { filters: { text: '' } },
      { filters: 'inline' },
      { sort: 3 },
      { sort: 'alphabetical' },
      { pageId: '1' },
    ];
    for (const payload of bad) {
      const env = await list(sb, payload);
      expect(env.ok).toBe(false);
      if (!env.ok) expect(env.error.code).toBe('BAD_REQUEST');
    }
    const noFormat = await sb.invoke<Envelope<CommentsExport>>('comments/export', { accountId: alice, content: rich, payload: {} });
    expect(noFormat.ok ? 'ok' : noFormat.error.code).toBe('BAD_REQUEST');
    const badFormat = await sb.invoke<Envelope<CommentsExport>>('comments/export', { accountId: alice, content: rich, payload: { format: 'xlsx' } });
    expect(badFormat.ok ? 'ok' : badFormat.error.message).toMatch(/format/);
  });

  it('answers a page with no comments with an empty result, not an error', async () => {
    const r = data(await list(sb, {}, { content: { id: SEED.pages.guide, type: 'page' } }));
    expect(r.threads).toEqual([]);
    expect(r.counts.total).toBe(0);
    expect(r.anchors).toEqual({ checked: true, dangling: [], changed: [], orphans: [] });
  });

  it('reads blog post comments', async () => {
    const r = data(await list(sb, {}, { content: { id: SEED.blog, type: 'blogpost' } }));
    expect(r.threads.map((t) => [t.id, t.text])).toEqual([[C.blogFooter, 'Congratulations on the release!']]);
    expect(r.content.title).toBe('Release Notes 1.0');
  });

  it('shows a restricted page’s replies to who may see them, and NOT_FOUND to others', async () => {
    const restricted = { id: SEED.pages.restricted, type: 'page' as const };
    const mine = data(await list(sb, {}, { content: restricted }));
    expect(mine.threads.map((t) => [t.id, t.replies.map((x) => x.id)])).toEqual([[C.restrictedRoot, [C.restrictedReply]]]);
    const { value: env, warnings } = await withWarnings(() => list(sb, {}, { accountId: bob, content: restricted }));
    expect(warnings).toEqual(['[comments/list] Confluence 404 NOT_FOUND']);
    expect(env.ok ? 'ok' : env.error.code).toBe('NOT_FOUND');
  });

  it('exports Markdown threads with quoted anchors, and JSON', async () => {
    const md = data(await sb.invoke<Envelope<CommentsExport>>('comments/export', { accountId: alice, content: rich, payload: { format: 'markdown', sort: 'position' } }));
    expect(md.fileName).toBe("Rich Page (comments).md");
    expect(md.content).toContain('# Comments on “Rich Page”');
    expect(md.content).toContain('> open remark');
    expect(md.content).toContain('now reads “revised wording”');
    expect(md.content).toContain('no longer in the page');
    expect(md.content).toContain('“orphan highlight”');
    expect(md.content.indexOf('open remark')).toBeLessThan(md.content.indexOf('settled point'));
    expect(md.comments).toBe(10);
    expect(md.bytes).toBe(Buffer.byteLength(md.content));

    const json = data(await sb.invoke<Envelope<CommentsExport>>('comments/export', { accountId: alice, content: rich, payload: { format: 'json', filters: { kind: 'footer' } } }));
    const parsed = JSON.parse(json.content) as { threads: CommentView[]; counts: { total: number } };
    expect(parsed.threads.map((t) => t.id)).toEqual([C.footerRoot, C.footerRoot2]);
    expect(parsed.counts.total).toBe(10);
    expect(json.threads).toBe(2);
  });
});

describe('comments against a changing site', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startSandbox();
  });
  afterEach(async () => {
    sb.confluence.onResponse = undefined;
    await sb.close();
  });

  it('skips and reports a reply deleted mid-walk, and keeps the rest', async () => {
    // The reply is listed by its parent's /children call, then deleted before its own is made.
    sb.confluence.onResponse = (rec) => {
      if (rec.path.startsWith(`/wiki/api/v2/footer-comments/${C.footerRoot}/children`)) sb.confluence.site.comments.delete(C.footerReply);
    };
    const r = data(await list(sb));
    expect(byId(r, C.footerRoot)?.replies).toEqual([]);
    expect(byId(r, C.footerReplyReply)).toBeUndefined();
    expect(r.skipped).toEqual([expect.objectContaining({ id: C.footerReply, parentId: C.footerRoot, kind: 'footer', reason: 'not-found' })]);
    expect(r.threads).toHaveLength(7);
    expect(r.incomplete).toBe(false);
  });

  it('rides out a 503 and a 429 mid-walk through the client’s retries', async () => {
    sb.confluence.injectFault({ match: new RegExp(`/inline-comments/${C.inlineOpen}/children`), kind: 503, times: 1 });
    sb.confluence.injectFault({ match: new RegExp(`/footer-comments/${C.footerReply}/children`), kind: 429, times: 1, retryAfter: '0' });
    sb.confluence.resetRequests();
    const r = data(await list(sb));
    expect(r.counts.total).toBe(10);
    expect(r.skipped).toEqual([]);
    expect(byId(r, C.footerReplyReply)?.depth).toBe(2);
    // `requests` counts answers the app used; the two refused attempts are the retries.
    expect(sb.confluence.requests.length).toBe(r.requests + 2);
    expect(sb.confluence.requests.filter((q) => q.status === 503 || q.status === 429)).toHaveLength(2);
  });

  it('follows the cursor past 250 root comments', async () => {
    const pageId = SEED.pages.faq;
    for (let i = 0; i < 260; i++) {
      sb.confluence.site.addComment({ kind: 'footer', pageId, authorId: i % 2 ? alice : bob, adf: a.doc(a.p(`Note ${i}`)) });
    }
    sb.confluence.resetRequests();
    const r = data(await list(sb, {}, { content: { id: pageId, type: 'page' } }));
    expect(r.threads).toHaveLength(260);
    expect(new Set(r.threads.map((t) => t.id)).size).toBe(260);
    expect(sb.confluence.requests.filter((q) => q.path.includes(`/pages/${pageId}/footer-comments`)).length).toBe(2);
    expect(r.requests).toBe(2 + 260 + 1 + 1 + 1); // roots (footer ×2, inline), children, page, users
  });

  it('neutralizes formula injection in the CSV export', async () => {
    const pageId = SEED.pages.install;
    const evil = '712020:evil0000-0000-4e00-9e00-000000000009';
    sb.confluence.site.addUser({ accountId: evil, displayName: '=HYPERLINK("http://evil.example","click")', accountType: 'atlassian' });
    const bodies = ['=1+1', '+SUM(A1:A2)', '-2+3', '@cmd', '\tTAB', 'safe, "quoted" text'];
    for (const t of bodies) sb.confluence.site.addComment({ kind: 'footer', pageId, authorId: evil, adf: a.doc(a.p(t)) });
    const out = data(await sb.invoke<Envelope<CommentsExport>>('comments/export', { accountId: alice, content: { id: pageId, type: 'page' }, payload: { format: 'csv' } }));
    expect(out.mediaType).toMatch(/^text\/csv/);
    const rows = parseCsv(out.content.replace(/^\uFEFF/, ''));
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    const text = rows.slice(1).map((r) => r[CSV_COLUMNS.indexOf('text')]);
    expect(text).toEqual(["'=1+1", "'+SUM(A1:A2)", "'-2+3", "'@cmd", "'\tTAB", 'safe, "quoted" text']);
    for (const r of rows.slice(1)) expect(r[CSV_COLUMNS.indexOf('author')]).toBe('\'=HYPERLINK("http://evil.example","click")');
    expect(rows.slice(1).every((r) => r[CSV_COLUMNS.indexOf('depth')] === '0')).toBe(true);
  });

  it('keeps the result well under 5 MB when bodies are huge, and says which were cut', async () => {
    const pageId = SEED.pages.install;
    const long = 'word '.repeat(16_000); // 80 KB each: 4 MB as Markdown + text if nothing were cut
    for (let i = 0; i < 25; i++) sb.confluence.site.addComment({ kind: 'footer', pageId, authorId: alice, adf: a.doc(a.p(`${i} ${long}`)) });
    const env = await list(sb, {}, { content: { id: pageId, type: 'page' } });
    const r = data(env);
    const size = Buffer.byteLength(JSON.stringify(env));
    expect(size).toBeLessThan(1_000_000);
    expect(r.clipped.count).toBe(25);
    expect(r.threads.every((t) => t.clipped && Buffer.byteLength(t.text) <= r.clipped.maxBytes)).toBe(true);
  });
});

/** A small RFC 4180 reader (quoted fields, doubled quotes, CRLF), enough to check our own output. */
function parseCsv(s: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quoted) {
      if (ch === '"' && s[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && s[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  if (cell || row.length) rows.push([...row, cell]);
  return rows;
}
