/** The Export tab, rendered by the real @forge/react reconciler, against the real export resolvers. */
import { SEED } from '../../sandbox/confluence/seed';
import type { Host } from '../../sandbox/forge/host';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import type { Envelope } from '../../src/shared/envelope';
import type { PageInfo } from '../../src/shared/page';
import { blobText, by, byTestId, has, mount, within } from './helpers';
import { withWarnings } from '../console';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

const alice = SEED.users.alice;
const rich = { id: SEED.pages.rich, type: 'page' as const };

describe('Export tab, Alice on the rich page', () => {
  let host: Host;
  beforeAll(async () => {
    host = await mount(sandbox, { accountId: alice, content: rich, space: SEED.space });
  });

  it('shows the page header from page/info', async () => {
    const info = (await sandbox.invoke<Envelope<PageInfo>>('page/info', { accountId: alice, content: rich })) as { ok: true; data: PageInfo };
    const header = host.text(byTestId(host, 'header'));
    expect(header).toContain(info.data.title);
    expect(header).toContain(`Version ${info.data.version}`);
    expect(header).toContain(`${info.data.spaceName} (${info.data.spaceKey})`);
    expect(host.unknown).toEqual([]);
  });

  it('previews Markdown, offers the same text as a download, and reports what was approximated', async () => {
    const preview = byTestId(host, 'preview');
    // Two clicks before the panel re-renders (a double click): the second is refused.
    const onClick = preview.props.onClick as () => Promise<void>;
    const first = onClick();
    expect(preview.props.isDisabled).toBe(true);
    await onClick();
    await first;
    await host.waitFor((h) => has(h, 'preview-result'));
    expect(host.invoked.filter((k) => k === 'export/page')).toHaveLength(1);

    const code = byTestId(host, 'preview-text');
    expect(code.props.language).toBe('markdown');
    const text = String(code.props.text);
    expect(text).toContain('Plain, **bold**');
    const card = byTestId(host, 'download');
    expect(String(card.props.fileName)).toMatch(/\.md$/);
    expect(await blobText(await (card.props.onDownload as () => Promise<Blob>)())).toBe(text);

    // The rich page has an unknown macro: the report says so, folded until asked.
    const report = byTestId(host, 'report');
    expect(host.text(report)).not.toContain('mystery-widget');
    await host.click(byTestId(host, 'report-toggle'));
    expect(host.text(byTestId(host, 'report'))).toContain('mystery-widget');
  });

  it('says the last preview was made from the current version, without claiming a download', async () => {
    const line = await host.waitFor((h) => h.find(by.testId('freshness'))[0]);
    expect(host.text(line)).toMatch(/^You last previewed this page at v3, just now \(the current version\)\.$/);
  });

  it('changing the format forgets the old preview; HTML previews as HTML', async () => {
    await host.change(byTestId(host, 'export-format'), { label: 'HTML', value: 'html' });
    expect(has(host, 'preview-result')).toBe(false);
    await host.click(byTestId(host, 'preview'));
    const code = await host.waitFor((h) => h.find(by.testId('preview-text'))[0]);
    expect(code.props.language).toBe('html');
    expect(String(code.props.text)).toMatch(/<html/i);
    expect(String(byTestId(host, 'download').props.fileName)).toMatch(/\.html$/);
  });

  it('attaches the export to the page and says so', async () => {
    const before = sandbox.confluence.requests.length;
    await host.click(byTestId(host, 'attach'));
    const done = await host.waitFor((h) => h.find(by.testId('attached'))[0]);
    expect(host.text(done)).toMatch(/\.html, attachment version 1/);
    expect(host.flags.some((f) => f.type === 'success' && f.title === 'Attached to the page')).toBe(true);
    const uploads = sandbox.confluence.requests.slice(before).filter((r) => ['POST', 'PUT'].includes(r.method) && /child\/attachment/.test(r.path));
    expect(uploads).toHaveLength(1);
    await host.waitFor((h) => /^Last attached to the page by you at v3/.test(h.text(byTestId(h, 'freshness'))));
    await host.idle();
  });
});

describe('Export tab, errors', () => {
  it("Bob can't read the restricted page: the header says why, with the hint and a retry", async () => {
    // Bob's refusals are logged by the app (one warning per call): asserted, not printed.
    const { warnings } = await withWarnings(async () => {
      const host = await mount(sandbox, { accountId: SEED.users.bob, content: { id: SEED.pages.restricted, type: 'page' } });
      const box = byTestId(host, 'header-error');
      const answer = (await sandbox.invoke<Envelope<PageInfo>>('page/info', { accountId: SEED.users.bob, content: { id: SEED.pages.restricted, type: 'page' } })) as { ok: false; error: { message: string; hint?: string; code: string } };
      expect(answer.ok).toBe(false);
      expect(host.text(box)).toContain(answer.error.message);
      if (answer.error.hint) expect(host.text(box)).toContain(answer.error.hint);
      expect(host.text(box)).toContain(answer.error.code);

      // The export itself fails the same way, shown under the buttons, and can be retried.
      await host.click(byTestId(host, 'preview'));
      const err = await host.waitFor((h) => h.find(by.testId('preview-error'))[0]);
      expect(host.text(err)).toContain('The export failed');
      const calls = host.invoked.filter((k) => k === 'export/page').length;
      await host.click(within(host, err, by.testId('retry')));
      await host.waitFor((h) => h.invoked.filter((k) => k === 'export/page').length === calls + 1);
      await host.idle();
    });
    expect(warnings.length).toBeGreaterThan(0);
    for (const w of warnings) expect(w).toMatch(/^\[[\w/]+\] Confluence 404 NOT_FOUND$/);
  });
});

it('a box that does not apply to the format is greyed out and shown unticked, and comes back ticked (issue 23)', async () => {
  const host = await mount(sandbox, { accountId: SEED.users.alice, content: { id: SEED.pages.rich, type: 'page' } });
  expect(byTestId(host, 'opt-frontmatter').props.isChecked).toBe(true);
  await host.change(byTestId(host, 'export-format'), { label: 'JSON', value: 'json' });
  expect(byTestId(host, 'opt-frontmatter').props).toMatchObject({ isDisabled: true, isChecked: false });
  expect(byTestId(host, 'opt-anchors').props).toMatchObject({ isDisabled: true, isChecked: false });
  await host.change(byTestId(host, 'export-format'), { label: 'Markdown', value: 'md' });
  expect(byTestId(host, 'opt-frontmatter').props).toMatchObject({ isDisabled: false, isChecked: true });
});
