/**
 * "Your exports" (issue 23 part 1): a panel opened again picks up the export started in an earlier
 * one, its progress and its download; the global page lists every one of the user's exports.
 * Real resolvers and queue consumer.
 */
import { unzipSync } from 'fflate';
import { SEED } from '../../sandbox/confluence/seed';
import type { Host } from '../../sandbox/forge/host';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { by, byTestId, has, mount } from './helpers';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

const alice = { accountId: SEED.users.alice, content: { id: SEED.pages.guide, type: 'page' as const }, space: SEED.space };

async function files(card: { props: Record<string, unknown> }): Promise<string[]> {
  const blob = await (card.props.onDownload as () => Promise<Blob>)();
  return Object.keys(unzipSync(new Uint8Array(await blob.arrayBuffer())));
}

it('a panel opened again shows the running export, its progress, then its download', async () => {
  const first = await mount(sandbox, alice);
  await first.change(byTestId(first, 'opt-tree'), true);
  sandbox.platform.manualDelivery = true;
  await first.click(byTestId(first, 'tree-start'));
  await first.waitFor((h) => has(h, 'tree-job'));
  await first.idle();

  // The panel is closed and opened again: a fresh panel, nothing kept in the browser.
  const again: Host = await mount(sandbox, alice);
  await again.waitFor((h) => has(h, 'tree-job'));
  expect(again.invoked).toContain('export/jobs');
  expect(again.text(byTestId(again, 'tree-label'))).toMatch(/^Waiting to start: 0 of \d+ pages$/);
  expect(has(again, 'tree-cancel')).toBe(true);

  await sandbox.platform.drain();
  const card = await again.waitFor((h) => h.find(by.testId('tree-download'))[0], 10_000);
  expect(await files(card)).toContain('User Guide/index.md');
  await again.idle();
});

it('lists a finished export not downloaded yet on the page and on the global page, where it downloads', async () => {
  const page = await mount(sandbox, alice);
  await page.change(byTestId(page, 'opt-tree'), true);
  await page.click(byTestId(page, 'tree-start'));
  await sandbox.platform.drain();
  await page.waitFor((h) => has(h, 'tree-download'), 10_000);
  await page.idle();

  const global = await mount(sandbox, { accountId: SEED.users.alice, module: 'confluence:globalPage' });
  const list = await global.waitFor((h) => h.find(by.testId('your-exports'))[0]);
  expect(global.text(list)).toMatch(/Your exports/);
  expect(global.text(list)).toMatch(/"User Guide": page tree, Markdown, started just now/);
  expect(global.text(list)).toMatch(/Done: \d+ of \d+ pages/);
  const card = global.find(by.testId('job-download'))[0];
  if (!card) throw new Error(`no download in: ${global.text(list)}`);
  expect(await files(card)).toContain('User Guide/index.md');

  // Bob's global page lists none of Alice's exports.
  const bob = await mount(sandbox, { accountId: SEED.users.bob, module: 'confluence:globalPage' });
  await bob.waitFor((h) => h.invoked.includes('export/jobs'));
  await bob.idle();
  expect(has(bob, 'your-exports')).toBe(false);
});

it('dismisses a finished export from the list', async () => {
  // Two finished exports nobody downloaded: the global page shows one above, the other in the list.
  for (const format of ['md', 'html']) await sandbox.invoke('export/space/start', { accountId: SEED.users.alice, payload: { format, space: SEED.otherSpace.key } });
  await sandbox.platform.drain();
  const global = await mount(sandbox, { accountId: SEED.users.alice, module: 'confluence:globalPage' });
  await global.waitFor((h) => has(h, 'your-exports'));
  const before = global.find(by.testId('export-job')).length;
  expect(before).toBeGreaterThan(0);
  await global.click(global.find(by.testId('job-dismiss'))[0]!);
  await global.idle();
  expect(global.find(by.testId('export-job')).length).toBe(before - 1);
  const fresh = await mount(sandbox, { accountId: SEED.users.alice, module: 'confluence:globalPage' });
  await fresh.idle();
  expect(fresh.find(by.testId('export-job')).length).toBe(before - 1);
});

it('Clear on a picked-up export dismisses it: it leaves the list, and a fresh panel opens without it', async () => {
  await sandbox.invoke('export/tree/start', { accountId: SEED.users.alice, content: alice.content, payload: { format: 'html' } });
  await sandbox.platform.drain();
  const host = await mount(sandbox, alice);
  await host.waitFor((h) => has(h, 'tree-download'));
  await host.idle();
  await host.click(byTestId(host, 'tree-reset'));
  await host.idle();
  expect(has(host, 'tree-job')).toBe(false);
  // (Jobs of other tests may be listed; this one is not.)
  expect(host.find(by.testId('export-job')).map((n) => host.text(n)).filter((t) => t.includes('"User Guide": page tree, HTML'))).toEqual([]);
  const fresh = await mount(sandbox, alice);
  await fresh.waitFor((h) => h.invoked.includes('export/jobs'));
  await fresh.idle();
  expect(has(fresh, 'tree-job')).toBe(false);
});

it('an export in the list that still runs is read again until it ends', async () => {
  sandbox.platform.manualDelivery = true;
  // Two running space exports: the global page shows the newest above, the other in the list.
  for (const format of ['md', 'json']) await sandbox.invoke('export/space/start', { accountId: SEED.users.alice, payload: { format, space: SEED.otherSpace.key } });
  const host = await mount(sandbox, { accountId: SEED.users.alice, module: 'confluence:globalPage' });
  const row = () => host.find(by.testId('export-job')).map((n) => host.text(n)).find((t) => t.includes('"Operations": space OPS, Markdown')) ?? '';
  await host.waitFor(() => /Waiting to start/.test(row()));
  await sandbox.platform.drain();
  await host.waitFor(() => /Done: \d+ of \d+ pages?/.test(row()), 10_000);
  await host.idle();
});
