/**
 * A tree larger than `export/tree/start` lists itself is listed by the job (src/jobs/tree-list.ts),
 * end to end: the real resolvers and queue consumer against the sandbox. The listing goes on across
 * invocations where it stopped (no listing request made twice), waits for the points budget like a
 * batch, and the zip is the same as when the start listed everything.
 */
import { strFromU8, unzipSync } from 'fflate';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { generateSite } from '../../sandbox/confluence/generate';
import { PointsBudget } from '../../sandbox/confluence/points';
import { SEED } from '../../sandbox/confluence/seed';
import { downloadZip } from '../../sandbox/forge/download';
import { PACING } from '../../src/jobs/pacing';
import { START_REQUESTS } from '../../src/jobs/tree-list';
import { keys } from '../../src/jobs/tree-store';
import { tuning } from '../../src/jobs/tree-run';
import type { Envelope } from '../../src/shared/envelope';
import type { TreeDownloadResult, TreeStartResult, TreeStatus } from '../../src/shared/export';
import { ok } from '../envelope';

const alice = SEED.users.alice;
const defaults = { tuning: { ...tuning }, pacing: { ...PACING } };
const PAGES = 400;

let sb: Sandbox;
let root: { id: string; type: 'page' };
async function serve(points?: PointsBudget): Promise<void> {
  // A 12-level spine: the listing meets the depth limit and continues below it (more requests).
  const gen = generateSite({ pages: PAGES, paragraphsPerPage: 1, blogPosts: 30, seed: 7 });
  root = { id: gen.rootId, type: 'page' };
  sb = await startSandbox({ site: gen.site, ...(points ? { points } : {}) });
}
afterEach(async () => {
  Object.assign(tuning, defaults.tuning);
  Object.assign(PACING, defaults.pacing);
  await sb.close();
});

const listings = () => sb.confluence.requests.filter((r) => /\/descendants|\/spaces\/\d+\/(pages|blogposts)/.test(r.path));

async function start(key: 'export/tree/start' | 'export/space/start'): Promise<TreeStartResult> {
  // Full: a second export of the same root would otherwise build on the first (incremental).
  return ok(await sb.invoke<Envelope<TreeStartResult>>(key, { accountId: alice, content: root, payload: { format: 'md', mode: 'full' } }));
}

async function status(jobId: string): Promise<TreeStatus> {
  return ok(await sb.invoke<Envelope<TreeStatus>>('export/tree/status', { accountId: alice, content: root, payload: { jobId } }));
}

async function files(jobId: string): Promise<Record<string, string>> {
  const zip = (await downloadZip((part) => sb.invoke<Envelope<TreeDownloadResult>>('export/tree/download', { accountId: alice, content: root, payload: { jobId, part } }))).zip;
  const out: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(unzipSync(zip))) out[name] = name === 'manifest.json' ? '' : strFromU8(bytes);
  return out;
}

/** Exports with the API's page size (250 items a request), then with `limit` items a request. */
async function both(key: 'export/tree/start' | 'export/space/start', limit: number) {
  const whole = await start(key);
  await sb.platform.drain();
  const wholeFiles = await files(whole.jobId);
  const wholeFinal = await status(whole.jobId);
  const wholeListings = listings().length;
  sb.confluence.resetRequests();
  tuning.listLimit = limit;
  // Each run makes at most three requests before it goes to the back of the queue: many runs.
  PACING.sliceBatches = 3;
  PACING.jitterSeconds = 0;
  const seen: TreeStatus[] = [];
  let jobId = '';
  sb.confluence.onResponse = (rec) => {
    const p = jobId ? sb.platform.kvs.peek(keys.progress(jobId)) : undefined;
    if (p && /descendants|blogposts|pages\?depth/.test(rec.path)) seen.push(p as TreeStatus);
  };
  const paged = await start(key);
  jobId = paged.jobId;
  await sb.platform.drain();
  return { whole, wholeFinal, wholeFiles, wholeListings, paged, seen, final: await status(paged.jobId), pagedFiles: await files(paged.jobId) };
}

describe('listing in the job', () => {
  it('lists a larger tree across runs from where each stopped, and exports the same zip', async () => {
    await serve();
    const r = await both('export/tree/start', 20);
    // The start listed 40 items and handed the rest to the job.
    expect(r.paged).toMatchObject({ total: 0, skipped: 0, listed: 20 * START_REQUESTS });
    const requests = listings();
    // No page of the listing asked twice, though it went on in many runs.
    expect(new Set(requests.map((q) => q.path)).size).toBe(requests.length);
    expect(requests.length).toBeGreaterThanOrEqual(Math.ceil(PAGES / 20));
    expect(r.final.invocations).toBeGreaterThan(requests.length / 3 - 1);
    // What the panel saw meanwhile: the listing's progress, rising, in items.
    const counts = r.seen.filter((s) => s.listed !== undefined).map((s) => s.listed ?? 0);
    expect(counts.length).toBeGreaterThan(5);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(r.seen.some((s) => s.phase === 'listing')).toBe(true);
    expect([r.final.phase, r.final.total, r.final.done, r.final.listed]).toEqual(['done', PAGES, PAGES, undefined]);
    expect(r.pagedFiles).toEqual(r.wholeFiles);
    // Nothing of the listing is left behind.
    expect([...sb.platform.kvs.keys()].filter((k) => /:listing|:listed:/.test(k))).toEqual([]);
  });

  it('lists a larger space (pages, then blog posts) the same way', async () => {
    await serve();
    const r = await both('export/space/start', 25);
    expect(r.paged.listed).toBe(25 * START_REQUESTS);
    const requests = listings();
    expect(new Set(requests.map((q) => q.path)).size).toBe(requests.length);
    expect(requests.filter((q) => q.path.includes('/blogposts')).length).toBe(Math.ceil(30 / 25));
    expect([r.final.phase, r.final.total, r.wholeFinal.total]).toEqual(['done', PAGES + 30, PAGES + 30]);
    expect(Object.keys(r.pagedFiles).filter((n) => n.includes('/_blog/'))).toHaveLength(30);
    expect(r.pagedFiles).toEqual(r.wholeFiles);
  });

  it('waits for the points budget between listing requests, like a batch, and says so', async () => {
    // Three seconds before the hourly window resets (the app's clock is real: it waits them out).
    let clock = Date.UTC(2026, 10, 25, 16, 59, 57);
    const budget = new PointsBudget({ limit: 65_000, now: () => clock });
    await serve(budget);
    tuning.listLimit = 20;
    PACING.jitterSeconds = 0;
    // After the job's first listing request, other sites spend all but 60 points of the hour.
    let jobId = '';
    let charged = false;
    sb.confluence.onResponse = (rec) => {
      if (!jobId || !rec.path.includes('/descendants') || charged) return;
      charged = true;
      budget.charge(500);
      budget.limit = budget.spent() + 60;
      sb.platform.manualDelivery = true;
    };
    const started = await start('export/tree/start');
    jobId = started.jobId;
    for (let i = 0; i < 400 && !sb.platform.pushed.some((e) => e.body.jobId === jobId && (e.delayInSeconds ?? 0) > 0); i++) await new Promise((r) => setTimeout(r, 10));
    const waiting = await status(jobId);
    expect(waiting.phase).toBe('waiting');
    expect(waiting.wait?.reason).toBe('pacing');
    expect(waiting.listed).toBeGreaterThan(20 * START_REQUESTS);
    expect(waiting.wait?.finishAt).toBeUndefined();
    // The window resets, with the whole quota again; the job lists on and finishes.
    clock += 10_000;
    budget.limit = 65_000;
    sb.confluence.onResponse = undefined;
    await sb.platform.drain();
    const done = await status(jobId);
    expect([done.phase, done.total]).toEqual(['done', PAGES]);
  });

  it('cancelled while listing: nothing of the listing is left', async () => {
    await serve();
    tuning.listLimit = 10;
    sb.platform.manualDelivery = true;
    const started = await start('export/tree/start');
    expect(sb.platform.kvs.peek(keys.listing(started.jobId))).toBeDefined();
    ok(await sb.invoke<Envelope<TreeStatus>>('export/tree/cancel', { accountId: alice, content: root, payload: { jobId: started.jobId } }));
    await sb.platform.drain();
    expect((await status(started.jobId)).phase).toBe('cancelled');
    expect([...sb.platform.kvs.keys()].filter((k) => k.startsWith(`tree-export:${started.jobId}:list`))).toEqual([]);
  });
});
