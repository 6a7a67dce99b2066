/**
 * A tree job under faults, end to end: the real resolvers and queue consumer against the sandbox,
 * whose queue fast-forwards `delayInSeconds`. A 429 storm mixed with 5xx bursts and dropped sockets
 * makes the job wait (re-queue, checkpointed), never fail; a redelivery that lands inside a dead
 * run's lease comes back when the lease ends instead of being dropped.
 */
import { strFromU8, unzipSync } from 'fflate';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { generateSite } from '../../sandbox/confluence/generate';
import { SEED } from '../../sandbox/confluence/seed';
import { downloadZip } from '../../sandbox/forge/download';
import { keys, type Checkpoint } from '../../src/jobs/tree-store';
import { tuning } from '../../src/jobs/tree-run';
import type { Envelope } from '../../src/shared/envelope';
import type { TreeDownloadResult, TreeStartResult, TreeStatus } from '../../src/shared/export';
import { ok } from '../envelope';

const alice = SEED.users.alice;
const defaults = { ...tuning };
const PAGES = 300;

let sb: Sandbox;
let root: { id: string; type: 'page' };
beforeEach(async () => {
  const gen = generateSite({ pages: PAGES, paragraphsPerPage: 1, seed: 21 });
  root = { id: gen.rootId, type: 'page' };
  sb = await startSandbox({ site: gen.site });
});
afterEach(async () => {
  Object.assign(tuning, defaults);
  await sb.close();
});

const BULK = /^GET \/wiki\/api\/v2\/pages\?/;

async function start(): Promise<TreeStartResult> {
  return ok(await sb.invoke<Envelope<TreeStartResult>>('export/tree/start', { accountId: alice, content: root, payload: { format: 'md' } }));
}

async function status(jobId: string): Promise<TreeStatus> {
  return ok(await sb.invoke<Envelope<TreeStatus>>('export/tree/status', { accountId: alice, content: root, payload: { jobId } }));
}

/** The pages in the downloaded zip: manifest entries of type page whose file is in the zip. */
async function zippedPages(jobId: string): Promise<number> {
  const zip = (await downloadZip((part) => sb.invoke<Envelope<TreeDownloadResult>>('export/tree/download', { accountId: alice, content: root, payload: { jobId, part } }))).zip;
  const files = unzipSync(zip);
  const manifest = JSON.parse(strFromU8(files['manifest.json']!)) as { tree: Array<{ type: string; file?: string }> };
  return manifest.tree.filter((n) => n.type === 'page' && n.file !== undefined && files[n.file] !== undefined).length;
}

describe('tree export under faults', () => {
  it('waits out a 429 storm mixed with 5xx bursts and dropped sockets, and exports all 300 pages', async () => {
    tuning.batchSize = 25;
    // Each request retries quickly in-process; a Retry-After beyond this budget goes back to the job.
    tuning.retry = { maxAttempts: 3, budgetMs: 200, baseMs: 1, capMs: 5 };
    // The storm: rounds of three 429s (Retry-After 300 s, longer than a request may wait), two 503s
    // and a dropped socket on the bulk body route, twelve rounds; and 5xx on the names route.
    for (let i = 0; i < 12; i++) {
      sb.confluence.injectFault({ match: BULK, kind: 429, times: 3, retryAfter: '300' });
      sb.confluence.injectFault({ match: BULK, kind: 503, times: 2 });
      sb.confluence.injectFault({ match: BULK, kind: 'drop', times: 1 });
    }
    sb.confluence.injectFault({ match: /users-bulk/, kind: 502, times: 6 });
    const started = await start();

    // Look at the job while it waits: the status says so, the checkpoint keeps the work done.
    const seen = new Set<string>();
    sb.confluence.onResponse = (rec) => {
      if (rec.status === 429) seen.add('429');
    };
    await sb.platform.drain();

    const st = await status(started.jobId);
    const runs = sb.platform.consumerRuns.filter((r) => r.queueName === 'tree-export');
    const waits = sb.platform.pushed.filter((e) => e.body.jobId === started.jobId && (e.delayInSeconds ?? 0) > 0);
    const refused = sb.confluence.requests.filter((r) => r.status === 429).length;
    const faulted = sb.confluence.requests.filter((r) => r.status >= 500 || r.status === 0).length;
    // The numbers the issue asks for (runs, pages, waits).
    const delays: Record<string, number> = {};
    for (const e of waits) delays[String(e.delayInSeconds)] = (delays[String(e.delayInSeconds)] ?? 0) + 1;
    process.stdout.write(`${JSON.stringify({ storm: { runs: runs.length, pages: st.done, total: st.total, waits: waits.length, delays, refused429: refused, faulted5xxOrDropped: faulted } })}\n`);
    expect(st.error).toBeUndefined();
    expect(st.phase).toBe('done');
    expect([st.done, st.total]).toEqual([PAGES, PAGES]);
    expect(refused).toBe(36);
    // Every 429 was waited for with what Confluence asked (300 s), not a guess.
    expect(waits.filter((e) => e.delayInSeconds === 300)).toHaveLength(36);
    expect(await zippedPages(started.jobId)).toBe(PAGES);
  });

  it('says it is waiting while a 429 holds it, with the work done so far kept', async () => {
    tuning.batchSize = 100;
    tuning.retry = { maxAttempts: 2, budgetMs: 100, baseMs: 1, capMs: 5 };
    // The second batch is refused; the job's re-queue is held so the panel can look at it.
    let bodies = 0;
    sb.confluence.onResponse = (rec) => {
      if (BULK.test(`${rec.method} ${rec.path}`) && ++bodies === 1) {
        sb.confluence.injectFault({ match: BULK, kind: 429, times: 1, retryAfter: '600' });
        sb.platform.manualDelivery = true;
      }
    };
    const started = await start();
    for (let i = 0; i < 400 && !sb.platform.pushed.some((e) => e.body.jobId === started.jobId && e.delayInSeconds === 600); i++) await new Promise((r) => setTimeout(r, 10));
    for (let i = 0; i < 400 && sb.platform.consumerRuns.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    const waiting = await status(started.jobId);
    expect(waiting.phase).toBe('waiting');
    expect(waiting.wait?.reason).toBe('rate-limit');
    expect(Date.parse(waiting.wait?.until ?? '')).toBeGreaterThan(Date.now() + 500_000);
    expect(waiting.done).toBe(100);
    expect((sb.platform.kvs.peek(keys.ckpt(started.jobId)) as Checkpoint).next).toBe(100);
    sb.confluence.onResponse = undefined;
    await sb.platform.drain();
    const st = await status(started.jobId);
    expect(st.phase).toBe('done');
    expect(st.done).toBe(PAGES);
    expect(st.wait).toBeUndefined();
  });

  it('still fails at once on what is truly a failure: a 4xx other than 429', async () => {
    tuning.retry = { maxAttempts: 2, budgetMs: 100, baseMs: 1, capMs: 5 };
    sb.confluence.injectFault({ match: BULK, kind: 429, times: 2, retryAfter: '30' });
    sb.confluence.injectFault({ match: BULK, kind: 403, times: 1 });
    const started = await start();
    await sb.platform.drain();
    const st = await status(started.jobId);
    expect(st.phase).toBe('failed');
    expect(st.error?.code).toBe('FORBIDDEN');
    // Two waits for the 429s, then the refusal ends it: no retry of what a wait cannot mend.
    expect(sb.platform.consumerRuns.filter((r) => r.queueName === 'tree-export')).toHaveLength(3);
  });

  it('gives up at the wall-clock cap: a job older than its retention fails instead of waiting again', async () => {
    tuning.retry = { maxAttempts: 2, budgetMs: 100, baseMs: 1, capMs: 5 };
    sb.confluence.injectFault({ match: BULK, kind: 429, times: 1000, retryAfter: '60' });
    sb.platform.manualDelivery = true;
    const started = await start();
    // The job was created a day and a minute ago (its retention, LIMITS.retentionMs).
    const job = sb.platform.kvs.peek(keys.job(started.jobId)) as { createdAt: string };
    sb.platform.kvs.handle('/api/v1/set', { key: keys.job(started.jobId), value: { ...job, createdAt: new Date(Date.now() - 24 * 3600_000 - 60_000).toISOString() } });
    await sb.platform.drain();
    const st = await status(started.jobId);
    expect(st.phase).toBe('failed');
    expect(st.error?.code).toBe('GAVE_UP');
    expect(st.error?.message).toMatch(/24 hours/);
    expect(sb.platform.consumerRuns.filter((r) => r.queueName === 'tree-export').length).toBe(1);
  });

  it('a redelivery inside a dead run\'s lease re-queues itself for the lease\'s end and finishes the job', async () => {
    tuning.batchSize = 80;
    tuning.reserveMs = Number.MAX_SAFE_INTEGER; // checkpoint after every batch
    // The first run does one batch and re-queues; its continuation is held.
    let bodies = 0;
    sb.confluence.onResponse = (rec) => {
      if (BULK.test(`${rec.method} ${rec.path}`) && ++bodies === 1) sb.platform.manualDelivery = true;
    };
    const started = await start();
    for (let i = 0; i < 400 && !sb.platform.pushed.some((e) => e.body.jobId === started.jobId && sb.platform.pushed.indexOf(e) > 0); i++) await new Promise((r) => setTimeout(r, 10));
    for (let i = 0; i < 400 && sb.platform.consumerRuns.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect((await status(started.jobId)).done).toBe(80);
    sb.confluence.onResponse = undefined;
    tuning.reserveMs = defaults.reserveMs;
    // That continuation started, took the lease and died (the platform stopped it) without a word;
    // the platform then delivers the event again, inside the dead run's lease (1.5 s left).
    sb.platform.kvs.handle('/api/v1/set', { key: keys.lease(started.jobId), value: { runId: 'dead-run', until: new Date(Date.now() + 1_500).toISOString() } });
    await sb.platform.drain();

    const runs = sb.platform.consumerRuns.filter((r) => r.queueName === 'tree-export');
    expect(runs[1]?.result).toEqual({ outcome: 'deferred' });
    // It asked to come back when the lease ends (1.5 s, rounded up, plus one). The sandbox delivers
    // delayed events at once, so before the real lease ended it came back early and deferred again.
    const deferred = sb.platform.pushed.filter((e) => e.body.after === 'dead-run');
    expect(deferred.length).toBeGreaterThanOrEqual(1);
    expect(deferred[0]?.delayInSeconds).toBeGreaterThanOrEqual(2);
    expect(deferred[0]?.delayInSeconds).toBeLessThanOrEqual(3);
    const st = await status(started.jobId);
    expect(st.phase).toBe('done');
    expect(st.done).toBe(PAGES);
  });

  it('a redelivery while a live run holds the job is dropped once that run has moved the job on', async () => {
    sb.platform.manualDelivery = true;
    const started = await start();
    // A delivery that waited for run A's lease, while run B (alive) holds it now: B carries the job.
    sb.platform.kvs.handle('/api/v1/set', { key: keys.lease(started.jobId), value: { runId: 'run-b', until: new Date(Date.now() + 60_000).toISOString() } });
    const { treeExportConsumer } = await import('../../src/jobs/tree-export');
    const out = await sb.platform.run({ moduleKey: 'tree-export', budgetMs: 10_000 }, () => treeExportConsumer({ body: { jobId: started.jobId, after: 'run-a' } }));
    expect(out).toEqual({ outcome: 'busy' });
    expect(sb.platform.pushed.filter((e) => e.body.after !== undefined)).toEqual([]);
    // Run B ends (releases the lease); the job's own event, held until now, finishes it.
    sb.platform.kvs.handle('/api/v1/delete', { key: keys.lease(started.jobId) });
    await sb.platform.drain();
    expect((await status(started.jobId)).phase).toBe('done');
  });
});
