/** Retention and admission of tree jobs (./tree-limits) with a Map-backed store and a fixed clock. */
import { admit, indexKey, LIMITS, markFinished, sweep, TreeJobLimit, undownloaded, type CreateOnly, type ListByPrefix } from '../../src/jobs/tree-limits';
import { dismissGone, listJobs } from '../../src/jobs/tree-jobs';
import { keys } from '../../src/jobs/tree-store';
import { memoryKv } from '../../src/storage/kv';

const HOUR = 3600_000;
const t0 = new Date('2026-01-01T00:00:00Z');
const at = (hours: number) => new Date(t0.getTime() + hours * HOUR);

function store() {
  const kv = memoryKv();
  const list: ListByPrefix = async (prefix) => [...kv.data.entries()].filter(([k]) => k.startsWith(prefix)).map(([key, value]) => ({ key, value }));
  // Create-only, atomic per key (as KVS keyPolicy FAIL_IF_EXISTS); yields first so calls interleave.
  const create: CreateOnly = async (key, value) => {
    await Promise.resolve();
    if (kv.data.has(key)) return false;
    kv.data.set(key, structuredClone(value));
    return true;
  };
  /** A job with its record, progress and a zip piece, as a run leaves them. */
  const job = async (jobId: string, requester: string, created: Date) => {
    await admit(kv, list, create, { jobId, requester, createdAt: created.toISOString() }, created);
    await kv.set(keys.job(jobId), { jobId });
    await kv.set(keys.progress(jobId), { phase: 'done' });
    await kv.set(keys.zip(jobId, 0), 'UEsDBA==');
  };
  const keysOf = (jobId: string) => [...kv.data.keys()].filter((k) => k.includes(jobId));
  return { kv, list, create, job, keysOf };
}

describe('tree job retention', () => {
  it('deletes a finished job once its retention has passed, on the next access', async () => {
    const { kv, list, job, keysOf } = store();
    await job('a', 'u1', at(0));
    await markFinished(kv, 'a', at(1));
    await sweep(kv, list, at(1 + LIMITS.retentionMs / HOUR - 1));
    expect(keysOf('a').length).toBe(4);
    await sweep(kv, list, at(1 + LIMITS.retentionMs / HOUR + 1));
    expect(keysOf('a')).toEqual([]);
  });

  it('deletes a job that never finished after the stale limit, and keeps a fresh running one', async () => {
    const { list, job, kv, keysOf } = store();
    await job('lost', 'u1', at(0));
    await job('fresh', 'u1', at(LIMITS.staleMs / HOUR));
    const alive = await sweep(kv, list, at(LIMITS.staleMs / HOUR + 1));
    expect(alive.map((j) => j.jobId)).toEqual(['fresh']);
    expect(keysOf('lost')).toEqual([]);
    expect(keysOf('fresh').length).toBe(4);
  });

  it('a lost job no longer counts against the limit once swept', async () => {
    const { list, create, job, kv } = store();
    for (let i = 0; i < LIMITS.perUser; i++) await job(`old${i}`, 'u1', at(0));
    await expect(admit(kv, list, create, { jobId: 'now', requester: 'u1', createdAt: at(1).toISOString() }, at(1))).rejects.toBeInstanceOf(TreeJobLimit);
    expect(kv.data.has(indexKey('now'))).toBe(false);
    const later = at(LIMITS.staleMs / HOUR + 1);
    await admit(kv, list, create, { jobId: 'now', requester: 'u1', createdAt: later.toISOString() }, later);
    expect(kv.data.has(indexKey('now'))).toBe(true);
  });
});

describe('tree job admission', () => {
  it('admits at most perUser of 25 simultaneous starts even when the KVS query lags (eventually consistent)', async () => {
    const { kv, create } = store();
    const stale: ListByPrefix = async () => []; // a query that has not seen any write yet
    const results = await Promise.allSettled(
      Array.from({ length: 25 }, (_, i) => admit(kv, stale, create, { jobId: `j${i}`, requester: 'u1', createdAt: t0.toISOString() }, t0)),
    );
    expect(results.filter((r) => r.status === 'fulfilled').length).toBe(LIMITS.perUser);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(TreeJobLimit);
  });

  it('frees the slots of a finished job at once', async () => {
    const { kv, list, create } = store();
    for (let i = 0; i < LIMITS.perUser; i++) await admit(kv, list, create, { jobId: `a${i}`, requester: 'u1', createdAt: t0.toISOString() }, t0);
    await expect(admit(kv, list, create, { jobId: 'b', requester: 'u1', createdAt: t0.toISOString() }, t0)).rejects.toBeInstanceOf(TreeJobLimit);
    await markFinished(kv, 'a0', at(0.1));
    await admit(kv, list, create, { jobId: 'b', requester: 'u1', createdAt: t0.toISOString() }, at(0.2));
    expect(kv.data.has(indexKey('b'))).toBe(true);
  });
});

describe('"Your exports" after retention (issue 23)', () => {
  const tree = (jobId: string, requester: string) => ({
    jobId, requester, root: { id: '1', type: 'page', title: 'Guide', version: 1 }, options: { format: 'md', preset: 'mkdocs' }, delivery: 'download', createdAt: at(0).toISOString(),
  });
  const listed = (kv: ReturnType<typeof store>['kv'], list: ListByPrefix, requester: string, now: Date) => listJobs(kv, list, requester, now, () => false);

  it('keeps a record of a zip that expired unread and of a failure, with the reason, until dismissed', async () => {
    const { kv, list, job, keysOf } = store();
    await job('unread', 'u1', at(0));
    await kv.set(keys.job('unread'), tree('unread', 'u1'));
    await kv.set(keys.progress('unread'), { jobId: 'unread', phase: 'done', done: 3, total: 3, skipped: 0, report: [], download: { fileName: 'g.zip', bytes: 10, parts: 1 }, invocations: 1, updatedAt: '' });
    await markFinished(kv, 'unread', at(1), { bytes: 10, title: 'Guide' });
    await job('broken', 'u1', at(0.5));
    await kv.set(keys.job('broken'), tree('broken', 'u1'));
    await kv.set(keys.progress('broken'), { jobId: 'broken', phase: 'failed', done: 1, total: 3, skipped: 0, report: [], error: { code: 'FORBIDDEN', message: 'Confluence refused.' }, invocations: 1, updatedAt: '' });
    await markFinished(kv, 'broken', at(1));

    const after = at(1 + LIMITS.retentionMs / HOUR + 1);
    const jobs = await listed(kv, list, 'u1', after);
    // The data is gone (zip included); the record stays, and no longer counts against storage.
    expect(keysOf('unread')).toEqual([indexKey('unread')]);
    expect(keysOf('broken')).toEqual([indexKey('broken')]);
    expect(undownloaded(await sweep(kv, list, after), 'u1')).toEqual([]);
    expect(jobs.map((j) => [j.jobId, j.status.phase, j.title, j.preset])).toEqual([['broken', 'failed', 'Guide', 'mkdocs'], ['unread', 'done', 'Guide', 'mkdocs']]);
    expect(jobs[0]?.expired?.reason).toMatch(/^It failed: Confluence refused\. /);
    expect(jobs[1]?.expired?.reason).toMatch(/Nobody downloaded its zip/);
    expect(jobs.every((j) => j.here && !j.status.download)).toBe(true);
    expect(await listed(kv, list, 'u2', after)).toEqual([]);

    // Dismissed by its requester only.
    expect(await dismissGone(kv, 'u2', 'unread')).toBe(false);
    expect(await dismissGone(kv, 'u1', 'unread')).toBe(true);
    expect((await listed(kv, list, 'u1', after)).map((j) => j.jobId)).toEqual(['broken']);
    // Not kept for ever: gone after LIMITS.goneKeepMs.
    expect(await listed(kv, list, 'u1', new Date(after.getTime() + LIMITS.goneKeepMs + HOUR))).toEqual([]);
    expect(keysOf('broken')).toEqual([]);
  });
});
