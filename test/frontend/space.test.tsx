/** Whole-space export from the panel (the space's homepage) and from the global page. Real resolvers and queue consumer. */
import { unzipSync } from 'fflate';
import { SEED } from '../../sandbox/confluence/seed';
import type { Host } from '../../sandbox/forge/host';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { by, byTestId, has, mount, one } from './helpers';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

async function zipOf(host: Host): Promise<string[]> {
  const card = await host.waitFor((h) => h.find(by.testId('tree-download'))[0], 10_000);
  return Object.keys(unzipSync(new Uint8Array(await (await (card.props.onDownload as () => Promise<Blob>)()).arrayBuffer())));
}

it('offers the whole space on its homepage only, and exports it with the blog posts', async () => {
  const guide = await mount(sandbox, { accountId: SEED.users.alice, content: { id: SEED.pages.guide, type: 'page' }, space: SEED.space });
  await guide.change(byTestId(guide, 'opt-tree'), true);
  expect(has(guide, 'tree-space')).toBe(false);

  const host = await mount(sandbox, { accountId: SEED.users.alice, content: { id: SEED.pages.home, type: 'page' }, space: SEED.space });
  // Offered directly beside the page's tree (issue 23 part 7), not only after ticking it.
  expect(byTestId(host, 'opt-tree').props.isChecked).toBe(false);
  await host.change(byTestId(host, 'tree-space'), true);
  // A space zip is never attached: the choice is gone.
  expect(has(host, 'tree-attach')).toBe(false);
  expect(host.text(byTestId(host, 'tree-start'))).toBe('Export whole space');
  await host.click(byTestId(host, 'tree-start'));
  await host.waitFor((h) => has(h, 'tree-job'));
  await sandbox.platform.drain();
  const names = await zipOf(host);
  expect(names).toContain('Demo space/_blog/Release Notes 1.0/index.md');
  expect(names).toContain('Demo space/Archived Notes/index.md');
  expect(host.invoked).toContain('export/space/start');
  expect(host.invoked).not.toContain('export/tree/start');
  await host.idle();
});

it('exports a space by key from the global page', async () => {
  const host = await mount(sandbox, { accountId: SEED.users.alice, module: 'confluence:globalPage' });
  expect(byTestId(host, 'tree-start').props.isDisabled).toBe(true);
  await host.change(byTestId(host, 'space-key'), SEED.otherSpace.key);
  await host.click(byTestId(host, 'tree-start'));
  await host.waitFor((h) => has(h, 'tree-job'));
  await sandbox.platform.drain();
  expect(await zipOf(host)).toContain('Operations/Operations Home/index.md');
  await host.idle();
  expect(host.invoked).toEqual(expect.arrayContaining(['export/space/start', 'export/tree/status', 'export/tree/download']));
  expect(host.invoked).not.toContain('activity/list');
});

it('offers the spaces the user can see on the global page, searchable, and exports the one chosen', async () => {
  const host = await mount(sandbox, { accountId: SEED.users.alice, module: 'confluence:globalPage' });
  const select = await host.waitFor((h) => h.find((n) => n.props.testId === 'space-select' && Array.isArray(n.props.options) && (n.props.options as unknown[]).length > 0)[0]);
  const options = select.props.options as Array<{ label: string; value: string }>;
  expect(options.map((o) => o.value)).toEqual(expect.arrayContaining([SEED.space.key, SEED.otherSpace.key]));
  expect(select.props.isSearchable).toBe(true);
  expect(host.text(byTestId(host, 'space-count'))).toMatch(/^\d+ spaces you can see\.$/);
  const ops = options.find((o) => o.value === SEED.otherSpace.key);
  expect(ops?.label).toBe('Operations (OPS)');
  await host.change(select, ops);
  expect(byTestId(host, 'tree-start').props.isDisabled).toBe(false);
  await host.click(byTestId(host, 'tree-start'));
  await host.waitFor((h) => has(h, 'tree-job'));
  await sandbox.platform.drain();
  expect(await zipOf(host)).toContain('Operations/Operations Home/index.md');
  await host.idle();
});

it('searches every space by name on a site with more spaces than one answer shows; Enter searches', async () => {
  for (let i = 0; i < 300; i++) sandbox.confluence.site.addSpace({ id: String(995000 + i), key: `X${i}`, name: `Extra ${i}`, authorId: SEED.users.alice });
  const host = await mount(sandbox, { accountId: SEED.users.alice, module: 'confluence:globalPage' });
  await host.waitFor((h) => has(h, 'space-count'));
  expect(host.text(byTestId(host, 'space-count'))).toMatch(/and more: search to find the others/);
  await host.change(byTestId(host, 'space-search'), 'operat');
  await host.submit(one(host, by.type('Form'), 'Form'));
  await host.waitFor((h) => /match "operat"/.test(h.text(h.find(by.testId('space-count'))[0])));
  expect((byTestId(host, 'space-select').props.options as Array<{ value: string }>).map((o) => o.value)).toEqual(['OPS']);
});
