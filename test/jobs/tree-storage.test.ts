/**
 * Storage per user (issue 21), end to end with the real resolvers and queue consumer: finished zips
 * nobody downloaded are bounded by count and bytes (a start beyond is refused with what to do, and
 * nothing the user has not seen is deleted); bases of incremental exports are a cache, evicted
 * oldest first by count and bytes, and an evicted base never downloaded stays downloadable.
 */
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { SEED } from '../../sandbox/confluence/seed';
import { downloadZip } from '../../sandbox/forge/download';
import { LIMITS } from '../../src/jobs/tree-limits';
import type { Envelope } from '../../src/shared/envelope';
import type { TreeDownloadResult, TreeStartResult, TreeStatus } from '../../src/shared/export';
import { ok } from '../envelope';

const alice = SEED.users.alice;
const bob = SEED.users.bob;
const page = (id: string) => ({ id, type: 'page' as const });
const guide = page(SEED.pages.guide);
const defaults = { ...LIMITS };

let sb: Sandbox;
beforeEach(async () => {
  sb = await startSandbox();
});
afterEach(async () => {
  Object.assign(LIMITS, defaults);
  await sb.close();
});

function start(accountId: string, content = guide, mode: 'full' | 'incremental' = 'full') {
  return sb.invoke<Envelope<TreeStartResult>>('export/tree/start', { accountId, content, payload: { format: 'md', mode } });
}

/** Starts and finishes one export; returns its job id and final status. */
async function exported(accountId: string, content = guide, mode: 'full' | 'incremental' = 'full'): Promise<{ jobId: string; status: TreeStatus; mode?: string }> {
  const started = ok(await start(accountId, content, mode));
  await sb.platform.drain();
  const status = ok(await sb.invoke<Envelope<TreeStatus>>('export/tree/status', { accountId, content, payload: { jobId: started.jobId } }));
  expect(status.phase).toBe('done');
  return { jobId: started.jobId, status, mode: started.mode };
}

function download(accountId: string, jobId: string, content = guide) {
  return downloadZip((part) => sb.invoke<Envelope<TreeDownloadResult>>('export/tree/download', { accountId, content, payload: { jobId, part } }));
}

const jobKeys = (jobId: string) => sb.platform.kvs.keys().filter((k) => k.includes(jobId));

describe('storage per user', () => {
  it('refuses a start once the user keeps LIMITS.undownloadedPerUser finished zips, says what to do, and deletes none of them', async () => {
    expect(LIMITS.undownloadedPerUser).toBe(10);
    const jobs: string[] = [];
    for (let i = 0; i < LIMITS.undownloadedPerUser; i++) jobs.push((await exported(alice)).jobId);

    const refused = await start(alice);
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.error.code).toBe('STORAGE_FULL');
    expect(refused.error.message).toMatch(/^You have 10 finished exports you have not downloaded \("User Guide", "User Guide", "User Guide", "User Guide", "User Guide" and 5 more\)/);
    expect(refused.error.hint).toMatch(/Download them, or dismiss .*"Clear"/);
    // Nothing was deleted to make room: every zip is still there, and still downloads.
    for (const id of jobs) expect(jobKeys(id)).toContain(`tree-export:${id}:zip:0`);
    // Per user: Bob is not held back by Alice's zips.
    expect((await start(bob)).ok).toBe(true);
    await sb.platform.drain();

    // Downloading one makes room for one.
    await download(alice, jobs[0]!);
    const next = await exported(alice);
    expect((await start(alice)).ok).toBe(false);
    // Dismissing one (the panel's "Clear") makes room too; the dismissed zip is gone.
    const dismissed = ok(await sb.invoke<Envelope<{ dismissed: true }>>('export/tree/dismiss', { accountId: alice, content: guide, payload: { jobId: jobs[1]! } }));
    expect(dismissed.dismissed).toBe(true);
    expect(jobKeys(jobs[1]!)).toEqual([]);
    expect((await start(alice)).ok).toBe(true);
    await sb.platform.drain();
    // Another user cannot dismiss Alice's export.
    const foreign = await sb.invoke<Envelope<unknown>>('export/tree/dismiss', { accountId: bob, content: guide, payload: { jobId: next.jobId } });
    expect(foreign.ok).toBe(false);
    expect(jobKeys(next.jobId)).toContain(`tree-export:${next.jobId}:zip:0`);
  });

  it('refuses a start once the undownloaded zips reach LIMITS.undownloadedBytesPerUser', async () => {
    const first = await exported(alice);
    const size = first.status.download?.bytes ?? 0;
    expect(size).toBeGreaterThan(0);
    // Room for a bit more than one such zip: the second start passes, the third does not.
    LIMITS.undownloadedBytesPerUser = size + 1;
    const second = await exported(alice, page(SEED.pages.home));
    const refused = await start(alice);
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.error.code).toBe('STORAGE_FULL');
    expect(refused.error.message).toMatch(/^Your finished exports you have not downloaded take \d+\.\d MB \("User Guide", "Demo Home"\)/);
    await download(alice, second.jobId, page(SEED.pages.home));
    expect((await start(alice)).ok).toBe(true);
  });

  it('evicts the oldest bases beyond LIMITS.baseBytesPerUser; an evicted base never downloaded stays downloadable', async () => {
    const a = await exported(alice, guide);
    await download(alice, a.jobId, guide);
    const b = await exported(alice, page(SEED.pages.install));
    await download(alice, b.jobId, page(SEED.pages.install));
    // Both kept as bases so far (a downloaded base stays: the next export of its root builds on it).
    expect(jobKeys(a.jobId)).toContain(`tree-export:${a.jobId}:zip:0`);
    // Room for about two bases: the next one evicts the oldest (A, downloaded: deleted whole).
    LIMITS.baseBytesPerUser = (a.status.download?.bytes ?? 0) + (b.status.download?.bytes ?? 0);
    const c = await exported(alice, page(SEED.pages.faq));
    expect(jobKeys(a.jobId)).toEqual([]);
    expect(jobKeys(b.jobId)).toContain(`tree-export:${b.jobId}:zip:0`);
    expect((await exported(alice, guide, 'incremental')).mode).toBe('full');

    // C was never downloaded: evicted as a base, it is not deleted but kept as any undownloaded zip.
    LIMITS.baseBytesPerUser = 1;
    await exported(alice, page(SEED.pages.chapter));
    expect(jobKeys(b.jobId)).toEqual([]);
    const zip = await download(alice, c.jobId, page(SEED.pages.faq));
    expect(zip.zip.byteLength).toBe(c.status.download?.bytes);
  });

  it('keeps at most LIMITS.basesPerUser bases, the oldest downloaded one going first', async () => {
    LIMITS.basesPerUser = 2;
    const roots = [guide, page(SEED.pages.install), page(SEED.pages.faq)];
    const jobs: string[] = [];
    for (const root of roots) {
      const j = await exported(alice, root);
      await download(alice, j.jobId, root);
      jobs.push(j.jobId);
    }
    expect(jobKeys(jobs[0]!)).toEqual([]);
    for (const id of jobs.slice(1)) expect(jobKeys(id)).toContain(`tree-export:${id}:zip:0`);
    expect(sb.platform.kvs.keys().filter((k) => k.startsWith(`tree-base:${alice}:`))).toHaveLength(2);
  });
});
