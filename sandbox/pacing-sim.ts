/**
 * Background export jobs against Confluence's points budget on a SIMULATED clock, so an hour of
 * Tier 1 takes milliseconds: `npm run bench -- pacing` and test/jobs/pacing-sim.test.ts drive the
 * real pacer (`pacer()` from src/jobs/pacing.ts) and the real header reader (src/confluence/
 * rate-limit.ts) against the sandbox's meter (./confluence/points.ts), which answers with the
 * recorded header shapes. What a job does is modelled, not run: a batch is `requestsPerBatch`
 * requests spread over `batchSeconds`; a run ends when the pacer says wait, on a 429, or at the
 * consumer's time limit, and the next delivery reads the checkpoint back from JSON, as from KVS.
 */
import { readRateLimit, RateMeter, type RateLimitState } from '../src/confluence/rate-limit';
import { pacer, PROBE, type JobRate, type PacePolicy } from '../src/jobs/pacing';
import { START_REQUESTS } from '../src/jobs/tree-list';
import { BurstMeter, PointsBudget } from './confluence/points';

export interface SimParams {
  /** The quota's window, s. Documented (`w=3600` on recorded answers). */
  windowSeconds: number;
  /** Points per window. Tier 1: 65,000 for the app (documented); Tier 2: per site (granted on request). */
  quota: number;
  /** Tier 2: every site has its own quota; Tier 1: one for the app. */
  perSite: boolean;
  /**
   * ASSUMED: about 2 points a page (the figure): 1 in the listing (1 per item, 250 a
   * request) and 1 in the bulk body fetch (251 for 250), users and attachments aside.
   */
  pointsPerPage: number;
  /** Pages per batch: the bulk fetch's maximum of 250 (documented). */
  batchPages: number;
  /** ASSUMED: seconds a batch of 250 takes (fetch and convert). */
  batchSeconds: number;
  /** ASSUMED: requests per batch (bodies, then users and attachments). */
  requestsPerBatch: number;
  /** Seconds a re-queued event takes to come back beyond its delay (ASSUMED: 1). */
  queueSeconds: number;
  /** A consumer run's limit, s (documented: up to 900 with timeoutSeconds). */
  invocationSeconds: number;
  /** Seconds into the quota's window the first job starts (the worst case for a lone job is 0). */
  startOffsetSeconds: number;
  /**
   * Others' unpaced traffic on the first site's budget (panels): calls a second, 2 points each. A
   * refused call is made again a second later (the person clicks again) until it is answered.
   */
  backgroundPerSecond?: number;
  /** The random source's seed (jitter, and the order of deliveries due at the same instant). */
  seed?: number;
  /**
   * Seconds a listing request (250 items, 251 points: 1 + 1 per item, documented model) takes
   * (ASSUMED: 0.5); absent: the listing is not modelled. The start makes START_REQUESTS of them,
   * unpaced, as the user; the job lists the rest, each request paced like a batch (src/jobs/tree-list.ts).
   */
  listSeconds?: number;
}

/** Tier 1's parameters (see each field for what is documented and what assumed). */
export const TIER1: SimParams = {
  windowSeconds: 3600,
  quota: 65_000,
  perSite: false,
  pointsPerPage: 2,
  batchPages: 250,
  batchSeconds: 3,
  requestsPerBatch: 2,
  queueSeconds: 1,
  invocationSeconds: 900,
  startOffsetSeconds: 0,
  listSeconds: 0.5,
};

/** ASSUMED: a cheap read (one object) takes this long. */
const PROBE_MS = 300;

export interface SimJob {
  site: number;
  pages: number;
  /** Seconds after the first job's start. */
  startAt: number;
}

export interface SimResult {
  /** Per job: seconds from its start to its last batch. */
  seconds: number[];
  /** Seconds from the first start to the last completion. */
  makespan: number;
  points: number;
  refused: number;
  /** Background requests refused (the panel's 429s). */
  backgroundRefused: number;
  /** Per background call: seconds from its first try to its answer (0: answered at once). */
  backgroundWaits: number[];
  /** Pages each job's checkpoint counts as done (must equal its pages: none lost, none twice). */
  pagesDone: number[];
  /** Per job: its rate (batches per window) at the end, when paced. */
  rates: Array<number | undefined>;
  /** Cheap requests the jobs made to read the budget before a batch. */
  probes: number;
}

interface JobState {
  job: SimJob;
  ckpt: { next: number; pausedUntil?: number; rate?: JobRate; listed?: number };
  done?: number;
}

/** Hooks for tests: `onDelivery` may change the checkpoint (a job killed while waiting, say). */
export interface SimHooks {
  onDelivery?(job: number, ckpt: { next: number; pausedUntil?: number; rate?: JobRate }, now: number): void;
}

/**
 * Runs the jobs to completion and returns their times. Deterministic: the random source is a
 * fixed sequence. Events due at the same instant run in a seeded random order.
 */
export function simulate(jobs: readonly SimJob[], p: SimParams, policy: PacePolicy, hooks: SimHooks = {}): SimResult {
  const t0 = p.startOffsetSeconds * 1000 + Date.UTC(2026, 10, 25, 10) - (Date.UTC(2026, 10, 25, 10) % (p.windowSeconds * 1000));
  let now = t0;
  const clock = () => now;
  // ASSUMED: the per-second burst is counted where the quota is (app-wide on Tier 1, per site on Tier 2).
  const budgets = new Map<number, { points: PointsBudget; burst: BurstMeter }>();
  const budgetOf = (site: number) => {
    const key = p.perSite ? site : -1;
    let b = budgets.get(key);
    if (!b) budgets.set(key, (b = { points: new PointsBudget({ limit: p.quota, windowMs: p.windowSeconds * 1000, now: clock }), burst: new BurstMeter(clock) }));
    return b;
  };
  let seed = p.seed ?? 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const states: JobState[] = jobs.map((job) => ({ job, ckpt: { next: 0 } }));
  /**
   * Pending deliveries: [time, job, tie]. Few jobs: a sorted array is enough. Deliveries due at the
   * same instant run in a random (seeded) order: in job order, job 0's requests always came first in
   * their second, so the burst counter never showed it the others, and it alone was never crowded.
   */
  const queue: Array<[number, number, number]> = states.map((s, i) => [t0 + s.job.startAt * 1000, i, random()]);
  let refused = 0;
  let probes = 0;
  // With the listing modelled, its point per item is one of the page's `pointsPerPage`.
  const batchPoints = (p.listSeconds !== undefined ? p.pointsPerPage - 1 : p.pointsPerPage) * p.batchPages;
  const perRequest = batchPoints / p.requestsPerBatch;
  const step = (p.batchSeconds * 1000) / p.requestsPerBatch;

  /**
   * One request of a job on its site's budget: refused (429) or charged `points`; the answer's state
   * and what it cost go to the job's meter, as the client records them.
   */
  function ask(site: number, points: number, meter: RateMeter): RateLimitState | undefined {
    const { points: budget, burst } = budgetOf(site);
    const verdict = budget.check();
    const headers = verdict.refuse ? verdict.headers : budget.charge(points);
    const state = readRateLimit(headersOf({ ...burst.take(), ...headers }), verdict.refuse ? 429 : 200, now);
    if (state) meter.record(state);
    // The client's count of what its answers cost (here exact: the meter charges what the model counts).
    if (!verdict.refuse) meter.cost(points);
    return state;
  }

  /** One run of job i, as a generator that yields the simulated time of its next step. */
  function* run(i: number): Generator<number, number | undefined> {
    const s = states[i];
    if (!s) return undefined;
    // The checkpoint comes back from storage: only what survives JSON does.
    s.ckpt = JSON.parse(JSON.stringify(s.ckpt)) as JobState['ckpt'];
    hooks.onDelivery?.(i, s.ckpt, now);
    const meter = new RateMeter();
    const pace = pacer(() => meter.last, { now: clock, random }, policy);
    const started = now;
    const pages = s.job.pages;
    /** Before a step: the pacer's delay (s), the budget read first (one object, 2 points) when it asks. */
    const paceStep = function* (steps: number): Generator<number, number | undefined> {
      const delay = pace(s.ckpt, steps);
      if (delay !== PROBE) return delay;
      yield now + PROBE_MS;
      ask(s.job.site, 2, meter);
      probes += 1;
      const again = pace(s.ckpt, steps);
      if (again === PROBE) throw new Error('the pacer asked for a second probe');
      return again;
    };
    /** One listing request (1 point, plus 1 per item), its answer told to `m`; returns its points. */
    const listOnce = function* (m: RateMeter): Generator<number, number> {
      yield now + (p.listSeconds ?? 0) * 1000;
      const items = Math.min(p.batchPages, pages - (s.ckpt.listed ?? 0));
      ask(s.job.site, 1 + items, m);
      s.ckpt.listed = (s.ckpt.listed ?? 0) + items;
      return 1 + items;
    };
    let batches = 0;
    if (p.listSeconds !== undefined) {
      // The start's own requests, as the user: unpaced; the job's first run counts their points as
      // its own (`startPoints`), not as others' spending.
      if (s.ckpt.listed === undefined) {
        const start = new RateMeter();
        let startPoints = 0;
        for (let r = 0; r < START_REQUESTS && (s.ckpt.listed ?? 0) < pages; r++) startPoints += yield* listOnce(start);
        meter.cost(startPoints);
      }
      for (; (s.ckpt.listed ?? 0) < pages; batches++) {
        const delay = yield* paceStep(batches);
        if (delay !== undefined) return now + delay * 1000;
        yield* listOnce(meter);
        if (now - started > (p.invocationSeconds - 2 * p.batchSeconds) * 1000) return now;
      }
    }
    for (; s.ckpt.next < pages; batches++) {
      const delay = yield* paceStep(batches);
      if (delay !== undefined) return now + delay * 1000;
      for (let r = 0; r < p.requestsPerBatch; r++) {
        yield now + step;
        const state = ask(s.job.site, Math.round((perRequest * Math.min(p.batchPages, pages - s.ckpt.next)) / p.batchPages), meter);
        if (state?.status === 429) {
          // As tree-run's waitFor: Retry-After, kept in the checkpoint beyond the queue's 900 s.
          refused += 1;
          const wait = retryAfter(state);
          if (wait > 900) s.ckpt.pausedUntil = now + wait * 1000;
          return now + Math.min(900, wait) * 1000;
        }
      }
      s.ckpt.next = Math.min(pages, s.ckpt.next + p.batchPages);
      if (now - started > (p.invocationSeconds - 2 * p.batchSeconds) * 1000) return now;
    }
    s.done = now;
    return undefined;
  }

  const running = new Map<number, Generator<number, number | undefined>>();
  // Background traffic: one tick a second while jobs run, on site 0's budget.
  const BG = -1;
  if (p.backgroundPerSecond) queue.push([t0 + 1000, BG, 0]);
  let backgroundRefused = 0;
  const backgroundWaits: number[] = [];
  /** Refused background calls, by when they were first made; tried again on the next tick. */
  let retrying: number[] = [];
  /** Calls due, a fraction of one carried to the next tick (0.2 a second: one every 5 s). */
  let due = 0;
  while (queue.length > 0) {
    queue.sort((a, b) => a[0] - b[0] || a[2] - b[2]);
    const [at, i] = queue.shift() ?? [0, 0, 0];
    now = at;
    if (i === BG) {
      const { points: budget, burst } = budgetOf(0);
      due += p.backgroundPerSecond ?? 0;
      const fresh = Math.floor(due);
      due -= fresh;
      const calls = [...retrying, ...Array.from({ length: fresh }, () => now)];
      retrying = [];
      for (const first of calls) {
        burst.take();
        if (budget.check().refuse) {
          backgroundRefused += 1;
          retrying.push(first);
        } else {
          budget.charge(2);
          backgroundWaits.push((now - first) / 1000);
        }
      }
      if (retrying.length > 0 || states.some((s) => s.done === undefined)) queue.push([now + 1000, BG, 0]);
      continue;
    }
    let gen = running.get(i);
    if (!gen) running.set(i, (gen = run(i)));
    const next = gen.next();
    if (!next.done) {
      queue.push([next.value, i, random()]);
      continue;
    }
    running.delete(i);
    if (next.value !== undefined) queue.push([next.value + p.queueSeconds * 1000, i, random()]);
  }
  const first = Math.min(...jobs.map((j) => j.startAt));
  const seconds = states.map((s) => ((s.done ?? now) - t0) / 1000 - s.job.startAt);
  return {
    seconds,
    makespan: Math.max(...states.map((s) => ((s.done ?? now) - t0) / 1000)) - first,
    points: [...budgets.values()].reduce((sum, b) => sum + b.points.total, 0),
    refused,
    backgroundRefused,
    backgroundWaits,
    pagesDone: states.map((s) => s.ckpt.next),
    rates: states.map((s) => s.ckpt.rate?.rate),
    probes,
  };
}

function headersOf(h: Record<string, string>): { get(name: string): string | null } {
  return { get: (name) => h[name.toLowerCase()] ?? null };
}

function retryAfter(s: RateLimitState | undefined): number {
  return s?.resetAt !== undefined ? Math.max(1, Math.ceil((s.resetAt - s.at) / 1000)) : 300;
}
