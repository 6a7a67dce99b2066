/**
 * "Your exports" (issue 23 part 1) end to end with the real resolvers and queue consumer: the
 * caller's own tree and space jobs, newest first, with scope, title, format, phase, progress and
 * download; never another user's.
 */
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { SEED } from '../../sandbox/confluence/seed';
import type { Envelope } from '../../src/shared/envelope';
import { strFromU8, unzipSync } from 'fflate';
import { downloadZip } from '../../sandbox/forge/download';
import type { ExportJobs, TreeDownloadResult, TreeStartResult } from '../../src/shared/export';
import { ok } from '../envelope';

const alice = SEED.users.alice;
const bob = SEED.users.bob;
const guide = { id: SEED.pages.guide, type: 'page' as const };
const home = { id: SEED.pages.home, type: 'page' as const };

let sb: Sandbox;
beforeEach(async () => {
  sb = await startSandbox();
});
afterEach(async () => {
  await sb.close();
});

const jobs = async (accountId: string, where: { content?: typeof guide; space?: typeof SEED.space } = {}) =>
  ok(await sb.invoke<Envelope<ExportJobs>>('export/jobs', { accountId, ...where, payload: {} })).jobs;

it("lists the caller's own tree and space exports, newest first, with their progress and download, and never another user's", async () => {
  sb.platform.manualDelivery = true;
  const tree = ok(await sb.invoke<Envelope<TreeStartResult>>('export/tree/start', { accountId: alice, content: guide, payload: { format: 'md', preset: 'obsidian' } }));
  // From the global page (no content, no space): a space by key.
  const space = ok(await sb.invoke<Envelope<TreeStartResult>>('export/space/start', { accountId: alice, payload: { format: 'html', space: SEED.otherSpace.key } }));
  const bobs = ok(await sb.invoke<Envelope<TreeStartResult>>('export/tree/start', { accountId: bob, content: home, payload: { format: 'md' } }));

  const running = await jobs(alice, { content: guide, space: SEED.space });
  expect(running.map((j) => j.jobId)).toEqual([space.jobId, tree.jobId]);
  expect(running[1]).toMatchObject({ scope: 'tree', title: 'User Guide', format: 'md', preset: 'obsidian', delivery: 'download', here: true, status: { phase: 'queued', done: 0, total: tree.total } });
  // The space job was started on the global page and is of another space: listed, not actionable here.
  expect(running[0]).toMatchObject({ scope: 'space', title: 'Operations', spaceKey: 'OPS', format: 'html', here: false, status: { phase: 'queued' } });
  expect(running.some((j) => j.jobId === bobs.jobId)).toBe(false);

  await sb.platform.drain();
  const done = await jobs(alice, { content: guide, space: SEED.space });
  expect(done.map((j) => j.status.phase)).toEqual(['done', 'done']);
  // Each preset names its zip (issue 23 part 10: every preset gave the same name).
  expect(done[1]?.status.download?.fileName).toBe('User Guide (tree, obsidian).zip');
  expect(done[0]?.status.download?.fileName).toBe('Operations (space, html).zip');
  expect(done[1]?.status.done).toBe(tree.total);
  // The report is read with export/tree/status: the list stays small.
  expect(done.every((j) => j.status.report.length === 0)).toBe(true);

  // On the global page every one of Alice's exports can be acted on, the tree job included.
  const global = await jobs(alice);
  expect(global.map((j) => [j.jobId, j.here])).toEqual([[space.jobId, true], [tree.jobId, true]]);
  ok(await sb.invoke<Envelope<unknown>>('export/tree/status', { accountId: alice, payload: { jobId: tree.jobId } }));

  // Bob sees his own only, from anywhere; and cannot dismiss Alice's.
  expect((await jobs(bob)).map((j) => j.jobId)).toEqual([bobs.jobId]);
  expect((await sb.invoke<Envelope<unknown>>('export/tree/dismiss', { accountId: bob, payload: { jobId: tree.jobId } })).ok).toBe(false);

  // Dismissed: no longer listed.
  ok(await sb.invoke<Envelope<unknown>>('export/tree/dismiss', { accountId: alice, payload: { jobId: space.jobId } }));
  expect((await jobs(alice)).map((j) => j.jobId)).toEqual([tree.jobId]);
});

it("a tree export with attachments does not pack the app's own earlier exports of its pages (issue 23 part 10)", async () => {
  ok(await sb.invoke<Envelope<unknown>>('export/attach', { accountId: alice, content: guide, payload: { format: 'md' } }));
  const started = ok(await sb.invoke<Envelope<TreeStartResult>>('export/tree/start', { accountId: alice, content: guide, payload: { format: 'md', attachments: true, mode: 'full' } }));
  await sb.platform.drain();
  const { zip } = await downloadZip((part) => sb.invoke<Envelope<TreeDownloadResult>>('export/tree/download', { accountId: alice, content: guide, payload: { jobId: started.jobId, part } }));
  const names = Object.keys(unzipSync(zip));
  expect(names.some((n) => n.endsWith('_attachments/User Guide.md'))).toBe(false);
  // The page's own files are still packed.
  expect(names).toContain('User Guide/Rich Page/_attachments/diagram.png');
  const manifest = JSON.parse(strFromU8(unzipSync(zip)['manifest.json']!)) as { report: Array<{ kind: string; detail: string }> };
  expect(manifest.report.some((e) => e.kind === 'note' && /"User Guide\.md" is an earlier export made by this app/.test(e.detail))).toBe(true);
});
