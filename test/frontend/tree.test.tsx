/** The tree export from the panel: start, progress polled to completion, cancel. Real resolvers and queue consumer. */
import { unzipSync } from 'fflate';
import { SEED } from '../../sandbox/confluence/seed';
import type { Host } from '../../sandbox/forge/host';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { byTestId, by, has, mount } from './helpers';
import type { JobIndex } from '../../src/jobs/tree-limits';

let sandbox: Sandbox;
let host: Host;
beforeAll(async () => {
  sandbox = await startSandbox();
  host = await mount(sandbox, { accountId: SEED.users.alice, content: { id: SEED.pages.guide, type: 'page' }, space: SEED.space });
});
afterAll(async () => {
  await sandbox.close();
});

const progressValue = (h: Host): number => Number(byTestId(h, 'tree-progress').props.value);

it('exports the page tree in the background and polls the job to completion', async () => {
  await host.change(byTestId(host, 'opt-tree'), true);
  // Hold queue delivery so the panel is seen waiting before the consumer runs.
  sandbox.platform.manualDelivery = true;
  await host.click(byTestId(host, 'tree-start'));
  await host.waitFor((h) => has(h, 'tree-job'));
  const label = host.text(byTestId(host, 'tree-label'));
  const total = Number(/of (\d+) pages/.exec(label)?.[1]);
  // Guide, Chapter One, Section 1.1 and Rich Page are pages under (and including) the guide.
  expect(total).toBeGreaterThanOrEqual(4);
  expect(label).toMatch(/^Waiting to start: 0 of \d+ pages$/);
  expect(progressValue(host)).toBe(0);
  expect(byTestId(host, 'tree-start').props.isDisabled).toBe(true);
  expect(has(host, 'tree-cancel')).toBe(true);

  await sandbox.platform.drain();
  const done = await host.waitFor((h) => h.find(by.testId('tree-done'))[0], 10_000);
  expect(host.text(done)).toMatch(/\.zip/);
  expect(progressValue(host)).toBe(1);
  expect(host.text(byTestId(host, 'tree-label'))).toBe(`Done: ${total} of ${total} pages`);
  expect(has(host, 'tree-cancel')).toBe(false);
  expect(host.invoked.filter((k) => k === 'export/tree/status').length).toBeGreaterThanOrEqual(1);
  // The flag is raised by an effect after the render that shows "done".
  await host.waitFor((h) => h.flags.some((f) => f.title === 'Page tree exported' && f.type === 'success'));

  // Polling stops once the job is done.
  await host.idle();
  const polls = host.invoked.filter((k) => k === 'export/tree/status').length;
  await new Promise((r) => setTimeout(r, 700));
  expect(host.invoked.filter((k) => k === 'export/tree/status').length).toBe(polls);

  // Private by default: the zip is a download in the panel, fetched slice by slice, nothing attached.
  const card = byTestId(host, 'tree-download');
  const download = card.props.onDownload as () => Promise<Blob>;
  const zip = new Uint8Array(await (await download()).arrayBuffer());
  const files = unzipSync(zip);
  expect(Object.keys(files)).toContain('User Guide/index.md');
  expect(host.invoked).toContain('export/tree/download');
  expect([...sandbox.confluence.site.attachments.values()].some((a) => a.title.endsWith('.zip'))).toBe(false);
  // A second click gives the same zip (the server deleted the job after the last slice).
  expect(new Uint8Array(await (await download()).arrayBuffer())).toEqual(zip);
});

it('attaches the zip to the page when asked, and says so', async () => {
  await host.click(byTestId(host, 'tree-reset'));
  await host.change(byTestId(host, 'tree-attach'), true);
  await host.click(byTestId(host, 'tree-start'));
  await sandbox.platform.drain();
  const done = await host.waitFor((h) => h.find(by.testId('tree-done'))[0], 10_000);
  expect(host.text(done)).toContain('attached to this page');
  expect([...sandbox.confluence.site.attachments.values()].filter((a) => a.pageId === SEED.pages.guide && a.title.endsWith('.zip')).length).toBe(1);
  await host.change(byTestId(host, 'tree-attach'), false);
});

it('cancels a running tree export', async () => {
  await host.click(byTestId(host, 'tree-reset'));
  sandbox.platform.manualDelivery = true;
  await host.click(byTestId(host, 'tree-start'));
  await host.waitFor((h) => has(h, 'tree-cancel'));
  await host.click(byTestId(host, 'tree-cancel'));
  const cancelled = await host.waitFor((h) => h.find(by.testId('tree-cancelled'))[0]);
  expect(host.text(cancelled)).toContain('Nothing was attached');
  expect(has(host, 'tree-done')).toBe(false);
  await sandbox.platform.drain();
  await host.idle();
});

it('exports for the chosen target: the Obsidian preset gives folder notes; the select only shows for Markdown', async () => {
  await host.click(byTestId(host, 'tree-reset'));
  sandbox.platform.manualDelivery = false;
  await host.change(byTestId(host, 'tree-preset'), { label: 'Obsidian vault', value: 'obsidian' });
  await host.click(byTestId(host, 'tree-start'));
  await sandbox.platform.drain();
  await host.waitFor((h) => h.find(by.testId('tree-download'))[0], 10_000);
  const download = byTestId(host, 'tree-download').props.onDownload as () => Promise<Blob>;
  const files = Object.keys(unzipSync(new Uint8Array(await (await download()).arrayBuffer())));
  expect(files).toContain('User Guide/User Guide.md');
  expect(files).not.toContain('User Guide/index.md');
  await host.change(byTestId(host, 'export-format'), { label: 'HTML', value: 'html' });
  expect(has(host, 'tree-preset')).toBe(false);
  await host.change(byTestId(host, 'export-format'), { label: 'Markdown', value: 'md' });
  await host.click(byTestId(host, 'tree-reset'));
  await host.idle();
});

it('says what a re-export will do before it runs, builds on the earlier export by default, and exports everything on request', async () => {
  await host.change(byTestId(host, 'tree-preset'), { label: 'GitHub Markdown', value: 'gfm' });
  await host.click(byTestId(host, 'tree-start'));
  await sandbox.platform.drain();
  await host.waitFor((h) => h.find(by.testId('tree-download'))[0], 10_000);
  const site = sandbox.confluence.site;
  site.updatePage(SEED.pages.section, { adf: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Changed.' }] }] } }, SEED.users.alice);
  await host.click(byTestId(host, 'tree-reset'));
  // Asked again when the options change (here: the format, and back).
  await host.change(byTestId(host, 'export-format'), { label: 'HTML', value: 'html' });
  await host.change(byTestId(host, 'export-format'), { label: 'Markdown', value: 'md' });
  const line = await host.waitFor((h) => {
    const n = h.find(by.testId('tree-changes'))[0];
    return n && /1 page changed since your export of just now/.test(host.text(n)) ? n : undefined;
  });
  // Exact: the one edited page (not the pages last modified near the export's time).
  expect(host.text(line)).toMatch(/^1 page changed since your export of just now\. Only what changed is fetched/);
  await host.click(byTestId(host, 'tree-start'));
  await sandbox.platform.drain();
  await host.waitFor((h) => h.find(by.testId('tree-download'))[0], 10_000);
  expect(host.text(byTestId(host, 'tree-mode'))).toContain('Building on your earlier export');
  const starts = sandbox.platform.consumerRuns.length;
  expect(starts).toBeGreaterThan(0);
  // A full export on request.
  await host.click(byTestId(host, 'tree-reset'));
  await host.waitFor((h) => has(h, 'tree-full'));
  await host.change(byTestId(host, 'tree-full'), true);
  sandbox.confluence.resetRequests();
  await host.click(byTestId(host, 'tree-start'));
  await sandbox.platform.drain();
  await host.waitFor((h) => h.find(by.testId('tree-download'))[0], 10_000);
  expect(has(host, 'tree-mode')).toBe(false);
  expect(sandbox.confluence.requests.some((r) => r.path.includes('/descendants'))).toBe(true);
  await host.change(byTestId(host, 'tree-full'), false);
  await host.click(byTestId(host, 'tree-reset'));
  await host.idle();
});

it('dismisses a finished zip the user clears without downloading it, so it stops counting against their storage', async () => {
  if (!has(host, 'tree-start')) await host.change(byTestId(host, 'opt-tree'), true);
  await host.click(byTestId(host, 'tree-start'));
  await sandbox.platform.drain();
  const done = await host.waitFor((h) => h.find(by.testId('tree-done'))[0], 10_000);
  expect(host.text(done)).toContain('"Clear" dismisses it');
  const before = host.invoked.filter((k) => k === 'export/tree/dismiss').length;
  await host.click(byTestId(host, 'tree-reset'));
  await host.waitFor(() => host.invoked.filter((k) => k === 'export/tree/dismiss').length > before);
  await host.idle();
  // The newest finished zip of Alice's (the one just cleared) no longer counts as undownloaded.
  const kvs = sandbox.platform.kvs;
  const mine = kvs.keys().filter((k) => k.startsWith('tree-export-index:')).map((k) => kvs.peek(k) as JobIndex).filter((e) => e.requester === SEED.users.alice && e.bytes !== undefined);
  const newest = mine.sort((a, b) => (b.finishedAt ?? '').localeCompare(a.finishedAt ?? ''))[0];
  expect(newest === undefined || newest.downloadedAt !== undefined).toBe(true);
  expect(mine.filter((e) => !e.downloadedAt).every((e) => (e.finishedAt ?? '') < (newest?.finishedAt ?? ''))).toBe(true);
});
