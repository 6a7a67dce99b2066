/** The Comments tab against the real comments resolvers on the seed site. */
import { SEED } from '../../sandbox/confluence/seed';
import type { Host } from '../../sandbox/forge/host';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import type { CommentsResult } from '../../src/shared/comments';
import type { Envelope } from '../../src/shared/envelope';
import { blobText, by, byTestId, has, mount, one, openTab, within } from './helpers';
import { withWarnings } from '../console';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

const alice = SEED.users.alice;
const C = SEED.comments;
const rich = { id: SEED.pages.rich, type: 'page' as const };

async function openComments(host: Host): Promise<void> {
  await openTab(host, 1);
  await host.waitFor((h) => has(h, 'threads') || has(h, 'comments-empty') || has(h, 'comments-error'));
  await host.idle();
}

describe('Alice on the rich page', () => {
  let host: Host;
  let all: CommentsResult;
  beforeAll(async () => {
    all = ((await sandbox.invoke<Envelope<CommentsResult>>('comments/list', { accountId: alice, content: rich, payload: {} })) as { ok: true; data: CommentsResult }).data;
    host = await mount(sandbox, { accountId: alice, content: rich });
    await openComments(host);
  });

  it('shows the counts as lozenges', () => {
    const counts = host.text(byTestId(host, 'comment-counts'));
    expect(counts).toContain(`${all.counts.total} comments`);
    expect(counts).toContain(`${all.counts.open} open`);
    expect(counts).toContain(`${all.counts.resolved} resolved`);
    expect(counts).toContain(`${all.counts.footer} footer`);
    expect(counts).toContain(`${all.counts.inline} inline`);
  });

  it('shows threads with replies indented by depth, anchors quoted and statuses', () => {
    const thread = byTestId(host, `thread-${C.footerRoot}`);
    expect(host.text(thread)).toContain('Is the table layout final?');
    const reply = within(host, thread, by.testId(`reply-${C.footerReply}`));
    const deeper = within(host, thread, by.testId(`reply-${C.footerReplyReply}`));
    expect(reply.props.paddingInlineStart).toBe('space.200');
    expect(deeper.props.paddingInlineStart).toBe('space.400');
    expect(host.text(reply)).toContain('Bob Builder');

    expect(host.text(byTestId(host, `anchor-${C.inlineOpen}`))).toBe('“open remark”');
    expect(host.text(byTestId(host, `status-${C.inlineResolved}`))).toBe('resolved');
    expect(host.text(byTestId(host, `status-${C.inlineReopened}`))).toBe('reopened');
  });

  it('folds and unfolds replies', async () => {
    expect(host.text(byTestId(host, `fold-${C.footerRoot}`))).toBe('Hide 2 replies');
    await host.click(byTestId(host, `fold-${C.footerRoot}`));
    expect(has(host, `reply-${C.footerReply}`)).toBe(false);
    expect(host.text(byTestId(host, `fold-${C.footerRoot}`))).toBe('Show 2 replies');
    await host.click(byTestId(host, `fold-${C.footerRoot}`));
    expect(has(host, `reply-${C.footerReply}`)).toBe(true);
  });

  it('labels every filter', () => {
    const labels = host.find(by.type('Label')).map((l) => String(l.props.labelFor));
    for (const id of ['filter-kind', 'filter-status', 'sort', 'filter-author', 'filter-text']) {
      expect(labels).toContain(String(byTestId(host, id).props.id));
    }
  });

  it('filters by kind through the resolver', async () => {
    await host.change(byTestId(host, 'filter-kind'), { label: 'Inline', value: 'inline' });
    await host.waitFor((h) => !has(h, `thread-${C.footerRoot}`) && has(h, `thread-${C.inlineOpen}`));
    await host.idle();
    const roots = host.find((n) => typeof n.props.testId === 'string' && /^thread-/.test(n.props.testId));
    expect(roots.length).toBe(all.threads.filter((t) => t.kind === 'inline').length);
  });

  it('a search that matches nothing says so, and Clear filters brings everything back', async () => {
    await host.change(byTestId(host, 'filter-text'), 'zebra-never-written');
    // Enter in the Search field submits its form (issue 23): the filters apply.
    await host.submit(one(host, by.type('Form'), 'Form'));
    await host.waitFor((h) => has(h, 'comments-nomatch'));
    await host.click(byTestId(host, 'filter-clear'));
    await host.waitFor((h) => has(h, `thread-${C.footerRoot}`));
    await host.idle();
    expect(host.text(byTestId(host, 'threads'))).toContain(`${all.threads.length} of ${all.counts.threads} threads`);
  });

  it('exports the threads shown, not a filter typed but not applied yet', async () => {
    await host.change(byTestId(host, 'filter-text'), 'zebra-never-written');
    await host.click(byTestId(host, 'comments-export-csv'));
    const card = await host.waitFor((h) => h.find(by.testId('comments-download'))[0]);
    const csv = await blobText(await (card.props.onDownload as () => Promise<Blob>)());
    expect(csv).toContain('Is the table layout final?');
    await host.change(byTestId(host, 'filter-text'), '');
    await host.idle();
  });

  it('exports CSV as a downloadable file', async () => {
    await host.click(byTestId(host, 'comments-export-csv'));
    const card = await host.waitFor((h) => h.find(by.testId('comments-download'))[0]);
    expect(String(card.props.fileName)).toMatch(/\.csv$/);
    const csv = await blobText(await (card.props.onDownload as () => Promise<Blob>)());
    expect(csv.split('\n').length).toBeGreaterThan(all.counts.total);
    expect(csv).toContain('Is the table layout final?');
  });
});

it('pages long lists of threads', async () => {
  const host = await mount(sandbox, { accountId: alice, content: { id: SEED.pages.manyComments, type: 'page' } });
  await openComments(host);
  const pages = Math.ceil(SEED.manyCommentsCount / 10);
  expect(host.text(byTestId(host, 'threads-pager'))).toContain(`Page 1 of ${pages}`);
  const shown = () => host.find((n) => typeof n.props.testId === 'string' && /^thread-/.test(n.props.testId)).map((n) => n.props.testId);
  const first = shown();
  expect(first).toHaveLength(10);
  await host.click(byTestId(host, 'threads-pager-next'));
  expect(host.text(byTestId(host, 'threads-pager'))).toContain(`Page 2 of ${pages}`);
  expect(shown().filter((id) => first.includes(id))).toEqual([]);
});

it('a page without comments shows an empty state that says what to do', async () => {
  const host = await mount(sandbox, { accountId: alice, content: { id: SEED.pages.faq, type: 'page' } });
  await openComments(host);
  expect(host.text(byTestId(host, 'comments-empty'))).toMatch(/No comments on this page yet.*Refresh/);
  expect(has(host, 'comment-counts')).toBe(false);
  // Refresh reads the comments again.
  const n = host.invoked.filter((k) => k === 'comments/list').length;
  await host.click(byTestId(host, 'comments-refresh'));
  await host.waitFor((h) => h.invoked.filter((k) => k === 'comments/list').length === n + 1);
  await host.idle();
});

it("Bob can't read the restricted page's comments: error with hint and retry", async () => {
  // Bob's refusals are logged by the app (one warning per call): asserted, not printed.
  const { warnings } = await withWarnings(async () => {
    const host = await mount(sandbox, { accountId: SEED.users.bob, content: { id: SEED.pages.restricted, type: 'page' } });
    await openComments(host);
    const box = byTestId(host, 'comments-error');
    expect(host.text(box)).toContain('Could not read the comments');
    const n = host.invoked.filter((k) => k === 'comments/list').length;
    await host.click(within(host, box, by.testId('retry')));
    await host.waitFor((h) => h.invoked.filter((k) => k === 'comments/list').length === n + 1);
    await host.idle();
    expect(has(host, 'comments-error')).toBe(true);
  });
  expect(warnings.length).toBeGreaterThan(0);
  for (const w of warnings) expect(w).toMatch(/^\[[\w/]+\] Confluence 404 NOT_FOUND$/);
});

it('one footer comment: "1 comment", and no open or resolved counts (those are states of inline comments)', async () => {
  const page = SEED.pages.guide;
  sandbox.confluence.site.addComment({ kind: 'footer', pageId: page, authorId: alice, adf: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Looks good.' }] }] } as never });
  const one1 = await mount(sandbox, { accountId: alice, content: { id: page, type: 'page' } });
  await openComments(one1);
  const counts = one1.text(byTestId(one1, 'comment-counts'));
  expect(counts).toContain('1 comment');
  expect(counts).not.toContain('1 comments');
  expect(counts).not.toMatch(/open|resolved/);
});
