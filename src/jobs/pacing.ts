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
};

export type PaceReason = 'paused' | 'reserve' | 'schedule' | 'slice';

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
    const low = state.remaining !== undefined && limit !== undefined && state.remaining <= reserve;
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

/**
 * The hook a job calls before each batch: decides from the meter, keeps a long pause in the
 * checkpoint, and returns the delay to re-queue with (undefined: go on).
 */
export function pacer(read: () => RateLimitState | undefined, clock: { now(): number; random(): number }, policy: PacePolicy = PACING) {
  return (ckpt: { pausedUntil?: number }, batches: number): number | undefined => {
    const pace = decide(read(), { batches, now: clock.now(), random: clock.random, pausedUntil: ckpt.pausedUntil }, policy);
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
