/**
 * Fair use of the app-wide points budget by background work (tree and space export jobs).
 *
 * On Tier 1 every customer site of the app draws on ONE hourly points budget (65,000 points), and
 * the panel's own calls, made as the user while someone waits, draw on it too. So a background job
 * asks this policy before each batch whether to go on, and otherwise re-queues itself with
 * `delayInSeconds` (at most 900, async-events-api "Push API") instead of spending the rest:
 *   1. **Reserve.** When Confluence says the budget is nearly spent (`X-RateLimit-NearLimit`, under
 *      20% left), or what is left is below the reserve, or it refused a request (429), the job stops
 *      until the window resets (from Reset / Retry-After / the quota's `t`), plus jitter so jobs do
 *      not all wake at once. The reserve is what panel calls keep: they are never paced.
 *   2. **Schedule.** `spreadFraction` of the usable budget is spread evenly over the window: a job
 *      ahead of that line waits until the line catches up. One large job still starts at full speed
 *      on an idle budget; many jobs share a busy one at equal rates.
 *   3. **Slices.** An invocation does at most `sliceBatches` batches, then re-queues itself, so the
 *      budget (and the queue) interleave many sites' jobs instead of serving whoever came first.
 *   4. **Fair rate (AIMD).** Steps 1–2 alone let whoever starts first take the idle budget and leave
 *      the late starters the crumbs (bench fair-share: slowest/fastest completion 5.6–9.9). So each
 *      job also keeps its own rate, in batches per window, in its checkpoint, and spends no faster
 *      (a token bucket of `burstBatches`). While the shared budget is on or above the line it adds
 *      `increase` batches per window of time; when it is behind the line, nearly spent or refused, it
 *      halves the rate (at most once per batch interval). This is additive increase / multiplicative
 *      decrease as in TCP congestion control: Chiu & Jain, "Analysis of the increase and decrease
 *      algorithms for congestion avoidance in computer networks" (1989) show that jobs seeing the same
 *      signal converge to equal rates, with no coordination between them. The only shared signal
 *      here is the budget state in the answers' headers; sites never talk to each other.
 * A wait longer than 900 s is kept in the job's checkpoint (`pausedUntil`): the next invocation goes
 * straight back to the queue without a request, so a paused job does not spend the reserve.
 *
 * Pure: the caller passes the last rate-limit state its answers reported (src/confluence/rate-limit.ts),
 * the clock and the random source.
 */
import type { RateLimitState } from '../confluence/rate-limit';

export interface PacePolicy {
  /** Off: jobs run as fast as Confluence answers (benchmarks compare both). */
  enabled: boolean;
  /** Share of the budget kept for interactive calls. 0.2 matches the documented NearLimit line. */
  reserveFraction: number;
  /**
   * This share of the usable budget is spread evenly over the window; the rest may go in a burst.
   * 0.8: a job alone still starts at full speed (about 10,000 points on Tier 1), while 20 jobs at
   * once leave the reserve alone (bench fair-share: 0.5 let their last batches cross it).
   */
  spreadFraction: number;
  /** The budget's window when the answers do not say it: an hour (Tier 1 quotas are hourly). */
  windowSeconds: number;
  /** Batches per invocation before the job re-queues itself. */
  sliceBatches: number;
  /** The queue's largest `delayInSeconds`. */
  maxDelaySeconds: number;
  /** Random extra wait, up to this many seconds, so paused jobs do not all wake together. */
  jitterSeconds: number;
  /** Wait when the budget is nearly spent but no answer said until when. */
  unknownResetSeconds: number;
  /** Step 4, the per-job AIMD rate. Off: steps 1–3 only (the earlier policy; benchmarks compare). */
  aimd: boolean;
  /**
   * A new job's rate, in batches per window. A batch costs about 4 points a page (bench fair-share:
   * 40 a batch of 10), so Tier 1 holds about 65 batches of 250 pages an hour, and 4 is about what
   * each of a dozen busy jobs gets of the 80% the reserve leaves. Starting lower than that is what
   * keeps the first starters from being faster than the rest (bench fair-share: 8 gave a
   * slowest/fastest completion of 2.7–2.8, 4 gave 1.9); a job alone reaches 8 after one window.
   */
  startRate: number;
  /** Batches per window added per window of time while the budget is on its line. */
  increase: number;
  /** The rate is never halved below this (batches per window): a job always progresses. */
  minRate: number;
  /** Batches a job may do back to back after waiting (the token bucket's size). */
  burstBatches: number;
}

/** Tier 1 defaults; benchmarks shrink the window (the sandbox meter's clock runs an "hour" in seconds). */
export const PACING: PacePolicy = {
  enabled: true,
  reserveFraction: 0.2,
  spreadFraction: 0.8,
  windowSeconds: 3600,
  sliceBatches: 8,
  maxDelaySeconds: 900,
  jitterSeconds: 30,
  unknownResetSeconds: 300,
  aimd: true,
  startRate: 4,
  increase: 4,
  minRate: 1,
  burstBatches: 2,
};

export type PaceReason = 'paused' | 'reserve' | 'schedule' | 'slice' | 'rate';

/** Go on, or re-queue after `delaySeconds` (with `until`: the pause outlasts one delay). */
export type Pace = { go: true } | { go: false; reason: PaceReason; delaySeconds: number; until?: number };

const GO: Pace = { go: true };

/**
 * The decision before a batch. `batches`: batches this invocation already did; `pausedUntil`: a
 * pause an earlier invocation recorded (ms since epoch).
 */
export function decide(state: RateLimitState | undefined, o: { batches: number; now: number; random: () => number; pausedUntil?: number }, policy: PacePolicy = PACING): Pace {
  if (!policy.enabled) return GO;
  const { now } = o;
  const jitter = (): number => o.random() * policy.jitterSeconds;
  const wait = (reason: PaceReason, untilMs: number): Pace => {
    const seconds = Math.max(1, Math.ceil((untilMs - now) / 1000 + jitter()));
    return seconds > policy.maxDelaySeconds
      ? { go: false, reason, delaySeconds: policy.maxDelaySeconds, until: untilMs }
      : { go: false, reason, delaySeconds: seconds };
  };
  if (o.pausedUntil !== undefined && o.pausedUntil > now) return wait('paused', o.pausedUntil);

  const reset = state ? resetOf(state, policy) : undefined;
  // What an earlier window reported says nothing about this one.
  if (state && reset !== undefined && reset > now) {
    const limit = state.limit;
    const reserve = limit === undefined ? 0 : limit * policy.reserveFraction;
    // A spent quota reports r=0 without its policy (no limit): that is low whatever the quota was.
    const low = state.remaining !== undefined && (state.remaining <= 0 || (limit !== undefined && state.remaining <= reserve));
    if (state.status === 429 || state.nearLimit || low) return wait('reserve', reset);
    if (limit !== undefined && state.remaining !== undefined) {
      const behind = scheduleLag(state.remaining - reserve, limit - reserve, (reset - now) / 1000, state.windowSeconds ?? policy.windowSeconds, policy.spreadFraction);
      if (behind > 0) return wait('schedule', now + behind * 1000);
    }
  }
  // Back of the queue, a few seconds at most: other sites' events get their turn first.
  if (o.batches >= policy.sliceBatches) return { go: false, reason: 'slice', delaySeconds: Math.round(jitter() / 10) };
  return GO;
}

/**
 * Seconds the job is ahead of the even-spending line: with `usable` points per window of `window`
 * seconds, the last `spread` share of it should last until the reset. At `toReset` seconds before
 * it, `left` points should be at least usable·spread·toReset/window; if not, the line reaches `left`
 * that many seconds later.
 */
export function scheduleLag(left: number, usable: number, toReset: number, window: number, spread: number): number {
  if (usable <= 0 || window <= 0) return 0;
  const perSecond = (usable * spread) / window;
  const lineNow = perSecond * Math.min(toReset, window);
  if (left >= lineNow) return 0;
  return Math.min(toReset, window) - Math.max(0, left) / perSecond;
}

/**
 * When the state's window (or wait) ends. Answers that do not say are taken to fall in windows
 * aligned on the clock, as observed (a quota's `t` always pointed at the next full hour).
 */
function resetOf(s: RateLimitState, policy: PacePolicy): number {
  if (s.resetAt !== undefined) return s.resetAt;
  if (s.status === 429) return s.at + policy.unknownResetSeconds * 1000;
  const w = (s.windowSeconds ?? policy.windowSeconds) * 1000;
  return (Math.floor(s.at / w) + 1) * w;
}

/** A job's own AIMD state (step 4), kept in its checkpoint between invocations. */
export interface JobRate {
  /** Batches per window. */
  rate: number;
  /** Batches it may start now (the token bucket; may be below 1). */
  credit: number;
  /** When `rate` and `credit` were last brought up to date (ms since epoch). */
  at: number;
  /** When the rate was last halved (ms since epoch). */
  cutAt?: number;
  /**
   * Set when the job re-queued itself to wait for its bucket: the queue delivers no earlier than
   * the delay asked, so the next invocation may do its batch whatever its own clock says (another
   * host's clock, or a sandbox that fast-forwards delays).
   */
  waited?: boolean;
}

/**
 * Step 4: brings the job's rate up to `now`, halved on `congested` (at most once per batch
 * interval: every answer after the signal shows the same budget state), else raised.
 */
export function adjust(r: JobRate, congested: boolean, now: number, window: number, policy: PacePolicy = PACING): void {
  const interval = (window * 1000) / r.rate;
  const dt = Math.max(0, now - r.at) / 1000;
  r.credit = Math.min(policy.burstBatches, r.credit + (r.rate * dt) / window);
  if (congested) {
    if (r.cutAt === undefined || now - r.cutAt >= interval) {
      r.rate = Math.max(policy.minRate, r.rate / 2);
      r.credit = Math.min(r.credit, 0);
      r.cutAt = now;
    }
  } else {
    // Raised for the time since the last step, but not beyond two batch intervals: a job that
    // waited in the queue longer than that was not probing the budget meanwhile.
    r.rate += (policy.increase * Math.min(dt, (2 * interval) / 1000)) / window;
  }
  r.at = now;
}

/** Takes one batch from the job's bucket (undefined: go) or says how many seconds until it holds one. */
export function take(r: JobRate, window: number, policy: PacePolicy = PACING): number | undefined {
  if (r.credit >= 1) {
    r.credit -= 1;
    return undefined;
  }
  return Math.min(policy.maxDelaySeconds, Math.max(1, Math.ceil(((1 - r.credit) * window) / r.rate)));
}

/**
 * The hook a job calls before each batch: decides from the meter, keeps a long pause and the job's
 * rate in the checkpoint, and returns the delay to re-queue with (undefined: go on).
 */
export function pacer(read: () => RateLimitState | undefined, clock: { now(): number; random(): number }, policy: PacePolicy = PACING) {
  return (ckpt: { pausedUntil?: number; rate?: JobRate }, batches: number): number | undefined => {
    const now = clock.now();
    const state = read();
    const pace = decide(state, { batches, now, random: clock.random, pausedUntil: ckpt.pausedUntil }, policy);
    // The rate needs a budget to share: answers that never reported one leave the job unthrottled.
    const metered = ckpt.rate !== undefined || (state?.limit !== undefined && state.remaining !== undefined);
    if (policy.enabled && policy.aimd && metered && !(!pace.go && pace.reason === 'paused')) {
      const window = state?.windowSeconds ?? policy.windowSeconds;
      const r = (ckpt.rate ??= { rate: policy.startRate, credit: 1, at: now });
      adjust(r, !pace.go && pace.reason !== 'slice', now, window, policy);
      if (r.waited && batches === 0) r.credit = Math.max(r.credit, 1);
      delete r.waited;
      if (!pace.go && pace.reason === 'reserve') {
        // Waiting out the reserve is not time spent probing the budget; after it, one batch may go.
        r.at = pace.until ?? now + pace.delaySeconds * 1000;
        r.credit = Math.max(r.credit, 1);
      } else {
        // Behind the line (step 2) the halved rate is the answer, not a stop until the line comes
        // down: each job slows by half instead of all of them stopping and starting together.
        delete ckpt.pausedUntil;
        if (batches >= policy.sliceBatches) return Math.round((clock.random() * policy.jitterSeconds) / 10);
        const wait = take(r, window, policy);
        if (wait !== undefined) r.waited = true;
        return wait;
      }
    }
    if (pace.go) {
      delete ckpt.pausedUntil;
      return undefined;
    }
    if (pace.until !== undefined) ckpt.pausedUntil = pace.until;
    else if (pace.reason !== 'paused') delete ckpt.pausedUntil;
    return pace.delaySeconds;
  };
}

/**
 * Background work done in one piece (an auto-export of one page) cannot stop between batches; it is
 * deferred instead while a pause one of its runs recorded lasts. Kept per installation: the budget
 * is the app's, so what one run saw holds for the next.
 */
export const HOLD_KEY = 'pacing:hold';

type Store = { get<T>(key: string): Promise<T | undefined>; set(key: string, value: unknown): Promise<void> };

/** Seconds to defer by (≤ the queue maximum, jittered), or undefined to run now. */
export async function heldFor(kv: Store, now: number, random: () => number, policy: PacePolicy = PACING): Promise<number | undefined> {
  if (!policy.enabled) return undefined;
  const hold = await kv.get<{ until: number }>(HOLD_KEY);
  if (!hold || hold.until <= now) return undefined;
  return Math.min(policy.maxDelaySeconds, Math.max(1, Math.ceil((hold.until - now) / 1000 + random() * policy.jitterSeconds)));
}

/** After a run: records a pause when what its answers reported says the budget is nearly spent. */
export async function recordHold(kv: Store, state: RateLimitState | undefined, now: number, policy: PacePolicy = PACING): Promise<void> {
  // A run refused with 429 goes back to the platform with Retry-After already; a hold would defer
  // that very retry again. A refusal costs next to nothing, so other jobs may learn of it the same way.
  if (!state || state.status === 429) return;
  const pace = decide(state, { batches: 0, now, random: () => 0 }, policy);
  if (pace.go || pace.reason !== 'reserve') return;
  await kv.set(HOLD_KEY, { until: pace.until ?? now + pace.delaySeconds * 1000 });
}
