/**
 * Fair use of Confluence's points budget by background work (tree and space export jobs).
 *
 * On Tier 1 every customer site of the app draws on ONE hourly points budget (65,000 points), and
 * the panel's own calls, made as the user while someone waits, draw on it too; on Tier 2 each site
 * has its own quota, and the answers then report that site's (the same headers, read the same way:
 * a job only ever sees the budget its own answers report). So a background job asks this policy
 * before each batch whether to go on, and otherwise re-queues itself with `delayInSeconds` (at most
 * 900, async-events-api "Push API") instead of spending the rest:
 *   1. **Reserve.** When Confluence says the budget is nearly spent (`X-RateLimit-NearLimit`, under
 *      20% left), or what is left is below the reserve, or it refused a request (429), the job stops
 *      until the window resets (from Reset / Retry-After / the quota's `t`), plus jitter so jobs do
 *      not all wake at once. The reserve is what panel calls keep: they are never paced. No reported
 *      time parks a job longer than the quota's window (`w`, else an hour): a `t` or Reset further
 *      out contradicts the window it came with.
 *   2. **The line.** `spreadFraction` of the usable budget should last until the reset, spent
 *      evenly; the rest may go in a burst. A budget behind that line is the sign that jobs together
 *      spend faster than the budget lasts (contention); ahead of it, the budget is idle.
 *   3. **Burst.** The per-second limit (`X-RateLimit-Remaining`, on real answers the burst, not the
 *      hour) is a separate constraint: with none left this second, the job waits a second.
 *   4. **Slices.** An invocation does at most `sliceBatches` batches, then re-queues itself, so the
 *      budget (and the queue) interleave many sites' jobs instead of serving whoever came first.
 *   5. **Least served first.** While other jobs spend too, a job goes only when the budget ahead
 *      of the line holds as many points as the job already spent (`servedWeight`), held back less
 *      as the reset nears, when what is left would be lost. Every job reads the same budget, so
 *      without talking to each other they take turns in the order of what they have had (least
 *      attained service, as schedulers favour short jobs): a newcomer first, a job nearly done last,
 *      so equal exports finish close together whoever started first, and a small one early. What a
 *      job spent is what its answers cost by Atlassian's model (1 per request plus 1 per object
 *      returned), counted by the client (`ownPoints`); "others" are what the window lost beyond that,
 *      counted in points, not requests (the panels' calls are many and cheap). Alone, nothing more
 *      than the line holds a job: a lone export runs at its own speed. A new invocation reads the
 *      budget with a cheap request (PROBE) before it spends a batch on what an earlier one heard.
 *      `las: false` is the earlier step 5, a per-job AIMD rate (Chiu & Jain 1989, TCP's slow start):
 *      each job keeps its own rate in batches per window, halved on contention and raised per batch
 *      on an idle budget; benchmarks compare.
 * A wait longer than 900 s is kept in the job's checkpoint (`pausedUntil`): the next invocation goes
 * straight back to the queue without a request, so a paused job does not spend the reserve. The
 * points the job spent (and its AIMD rate) are in the checkpoint too, so a job that was stopped
 * while it waited resumes where it was.
 *
 * Pure: the caller passes the last rate-limit state its answers reported (src/confluence/rate-limit.ts),
 * the clock and the random source. sandbox/pacing-sim.ts drives it on a simulated clock
 * (`npm run bench -- pacing`).
 */
import type { RateLimitState } from '../confluence/rate-limit';

export interface PacePolicy {
  /** Off: jobs run as fast as Confluence answers (benchmarks compare both). */
  enabled: boolean;
  /** Share of the budget kept for interactive calls. 0.2 matches the documented NearLimit line. */
  reserveFraction: number;
  /**
   * This share of the usable budget is spread evenly over the window; the rest may go in a burst.
   * 0.5: a lone 10,000-page export (about 20,000 points, 38% of the usable budget) started just after
   * the reset stays ahead of the line (bench pacing: 0.8 throttled it after half its batches).
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
  /** Per-second requests left (`X-RateLimit-Remaining`) at or under which a job waits for the next second. */
  burstMargin: number;
  /** Step 5 as the per-job AIMD rate, when `las` is off. Both off: steps 1–4 only (earlier policies; benchmarks compare). */
  aimd: boolean;
  /**
   * The rate (batches per window) a job takes when contention comes before it measured its own pace
   * (its first batch). 4 is about what each of a dozen busy jobs gets of Tier 1's 104 usable batches
   * of 250 an hour.
   */
  startRate: number;
  /** Batches per window added per batch done on an idle budget (the additive step). */
  increase: number;
  /** The rate is never halved below this (batches per window): a job always progresses. */
  minRate: number;
  /** Batches a job may do back to back after waiting (the token bucket's size). */
  burstBatches: number;
  /**
   * Ahead of the line by at least this share of the usable budget, the budget is idle: a job goes
   * back to slow start (TCP restarts it after idle, RFC 5681 4.1), so all jobs run at their own
   * speed again, equally, until the next sign of contention halves what each measured.
   */
  idleHeadroom: number;
  /** Others spending more than this share of the usable rate, while all spend faster than it, is contention. */
  crowdShare: number;
  /** The budget's fall is measured over at least this many seconds. */
  fallSeconds: number;
  /**
   * Step 5 is least served first (the default; off: AIMD): while other jobs spend too, a job goes
   * only when the budget ahead of the line holds `servedWeight` times the points it already spent.
   * 1 (simulation under the whole line, 8 seeds, 20 sites a minute apart: median slowest/fastest
   * 1.11; 1.5 and 2: 1.05, but longer makespans; 3: 1.27).
   */
  las: boolean;
  servedWeight: number;
  /**
   * Least served first: a job is held to the whole line once it has spent `lineServed` of the
   * usable budget, to that part of it below, and to at least `lineFloor` of it (lineServed 0: always
   * the whole line). 0.2 and 0.5 (simulation, 8 seeds, slowest/fastest median and worst: a minute
   * apart 1.12 and 1.28, 5 s apart 1.13, together 1.0; with no floor, 1.12 and 1.44).
   */
  lineServed: number;
  lineFloor: number;
  /**
   * Least served first, while others spend (and spent in the window before): the usable budget of
   * a new window is released over this share of it, and a job is held to what is released by what it
   * has had (up to `lineServed` of the usable budget: fully). Jobs wake for a reset at different
   * moments (jitter, whole-second delays), and the first awake took the window's start whatever they
   * had had. 0.25 (simulation without the listing, 8 seeds: a minute apart 1.05, worst 1.06,
   * makespanRatio 1.20; none: 1.12, 1.28, 1.17; 0.1: 1.05, 1.05, 1.18. Sandbox fair-share, nine
   * runs: 1.08 to 1.27; none: 1.23 to 1.72).
   */
  rampShare: number;
  /**
   * Others spend too when the window lost more than `crowdShare` of the usable rate beyond the job's
   * own points, measured over at least this share of the window (its first seconds say little); a
   * job that saw others in the last window still counts them for that long into the next.
   */
  othersShare: number;
}

/** Tier 1 defaults; benchmarks shrink the window (the sandbox meter's clock runs an "hour" in seconds). */
export const PACING: PacePolicy = {
  enabled: true,
  reserveFraction: 0.2,
  spreadFraction: 0.5,
  windowSeconds: 3600,
  sliceBatches: 8,
  maxDelaySeconds: 900,
  jitterSeconds: 30,
  unknownResetSeconds: 300,
  burstMargin: 10,
  aimd: true,
  startRate: 4,
  increase: 1,
  minRate: 1,
  burstBatches: 2,
  idleHeadroom: 0.25,
  crowdShare: 0.5,
  fallSeconds: 0.5,
  las: true,
  servedWeight: 1,
  lineServed: 0.2,
  lineFloor: 0.5,
  rampShare: 0.25,
  othersShare: 0.02,
};

export type PaceReason = 'paused' | 'reserve' | 'schedule' | 'slice' | 'burst';

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
  const window = state?.windowSeconds ?? policy.windowSeconds;
  const wait = (reason: PaceReason, untilMs: number): Pace => {
    // Nothing Confluence reports parks a job beyond one window (stale or contradictory headers).
    const until = Math.min(untilMs, now + window * 1000);
    const seconds = Math.max(1, Math.ceil((until - now) / 1000 + jitter()));
    return seconds > policy.maxDelaySeconds
      ? { go: false, reason, delaySeconds: policy.maxDelaySeconds, until }
      : { go: false, reason, delaySeconds: seconds };
  };
  if (o.pausedUntil !== undefined && o.pausedUntil > now) return wait('paused', o.pausedUntil);

  const reset = state ? resetOf(state, policy) : undefined;
  // What an earlier window reported says nothing about this one (a reset in the past: stale).
  if (state && reset !== undefined && reset > now) {
    const limit = state.limit;
    const reserve = limit === undefined ? 0 : limit * policy.reserveFraction;
    // A spent quota reports r=0 without its policy (no limit): that is low whatever the quota was.
    const low = state.remaining !== undefined && (state.remaining <= 0 || (limit !== undefined && state.remaining <= reserve));
    if (state.status === 429 || state.nearLimit || low) return wait('reserve', reset);
    if (limit !== undefined && state.remaining !== undefined) {
      const behind = scheduleLag(state.remaining - reserve, limit - reserve, (reset - now) / 1000, window, policy.spreadFraction);
      if (behind > 0) return wait('schedule', now + behind * 1000);
    }
  }
  // This second's burst is used up: the next second has a fresh one (what was seen in an earlier second is stale).
  if (state?.burstRemaining !== undefined && state.burstRemaining <= policy.burstMargin && Math.floor(state.at / 1000) === Math.floor(now / 1000)) {
    return { go: false, reason: 'burst', delaySeconds: 1 };
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
 * How far the budget is ahead of the line, as a share of the usable budget (0 on or behind it), or
 * undefined when the state does not report a current budget.
 */
export function headroom(state: RateLimitState | undefined, now: number, policy: PacePolicy = PACING): number | undefined {
  if (!state || state.limit === undefined || state.remaining === undefined || state.status === 429) return undefined;
  const reset = resetOf(state, policy);
  if (reset <= now) return undefined;
  const window = state.windowSeconds ?? policy.windowSeconds;
  const usable = state.limit * (1 - policy.reserveFraction);
  if (usable <= 0) return undefined;
  const line = (usable * policy.spreadFraction * Math.min(window, (reset - now) / 1000)) / window;
  return Math.max(0, state.remaining - state.limit * policy.reserveFraction - line) / usable;
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

/** A job's own AIMD state (step 5), kept in its checkpoint between invocations. */
export interface JobRate {
  /** Batches per window; absent while the job is in slow start (no contention seen yet). */
  rate?: number;
  /** Batches it may start now (the token bucket; may be below 1). */
  credit: number;
  /** When `rate` and `credit` were last brought up to date (ms since epoch). */
  at: number;
  /** When the rate was last halved (ms since epoch). */
  cutAt?: number;
  /** The budget as the job last saw it, to measure how fast it falls. */
  seen?: { at: number; remaining: number };
  /** The last budget state the job's answers reported (stored with the checkpoint). */
  heard?: RateLimitState;
  /** What the last measurement of it said (`crowded`), and how fast it fell (points a second). */
  crowd?: boolean;
  fall?: number;
  /** When the job last started a batch, and the seconds it measured between batches (slow start). */
  lastBatchAt?: number;
  /** Least served first: the points the job's answers cost, in all windows (1 + 1 per object, each). */
  spent?: number;
  /** The window it last heard of (by its reset), the points its own answers cost in it, and whether others spent too. */
  win?: { reset: number; own: number; others?: boolean };
  /** Others spent in the window before `win` too (a job waking at a reset has not seen them yet). */
  othersBefore?: boolean;
  /** The shortest time one of its batches took, s. */
  took?: number;
  gap?: number;
  /**
   * Set when the job re-queued itself to wait for its bucket: the queue delivers no earlier than
   * the delay asked, so the next invocation may do its batch whatever its own clock says (another
   * host's clock, or a sandbox that fast-forwards delays).
   */
  waited?: boolean;
}

/**
 * Step 5: brings the job's rate up to `now`. `congested`: halved (at most once per batch interval:
 * every answer after the signal shows the same budget state); a job in slow start takes half the
 * rate it measured. `batch`: the job is about to do a batch on an idle budget, which adds `increase`.
 */
export function adjust(r: JobRate, signal: { congested: boolean; batch: boolean }, now: number, window: number, policy: PacePolicy = PACING): void {
  if (r.rate === undefined) {
    if (!signal.congested) return;
    // Its pace: the seconds between its batches, or after one batch the time that batch took (20
    // jobs started together were all crowded at their second batch: at the start rate of 4 an hour,
    // 19 of them took 30 minutes for 1,000 pages while the budget sat idle); none yet: the start rate.
    const gap = r.gap ?? (r.lastBatchAt !== undefined && now > r.lastBatchAt ? (now - r.lastBatchAt) / 1000 : undefined);
    const measured = gap !== undefined && gap > 0 ? window / gap : 2 * policy.startRate;
    r.rate = Math.max(policy.minRate, measured / 2);
    r.credit = 0;
    r.cutAt = now;
    r.at = now;
    return;
  }
  const interval = (window * 1000) / r.rate;
  const dt = Math.max(0, now - r.at) / 1000;
  r.credit = Math.min(policy.burstBatches, r.credit + (r.rate * dt) / window);
  if (signal.congested) {
    if (r.cutAt === undefined || now - r.cutAt >= interval) {
      r.rate = Math.max(policy.minRate, r.rate / 2);
      r.credit = Math.min(r.credit, 0);
      r.cutAt = now;
    }
  } else if (signal.batch) {
    r.rate += policy.increase;
  }
  r.at = now;
}

/** Takes one batch from the job's bucket (undefined: go) or says how many seconds until it holds one. */
export function take(r: JobRate, window: number, policy: PacePolicy = PACING): number | undefined {
  if (r.rate === undefined) return undefined;
  if (r.credit >= 1) {
    r.credit -= 1;
    return undefined;
  }
  return Math.min(policy.maxDelaySeconds, Math.max(1, Math.ceil(((1 - r.credit) * window) / r.rate)));
}

/**
 * Contention the line does not show yet: others spend a good part of the usable rate (`crowdShare`)
 * and everyone together spends faster than the budget lasts. How fast the budget falls comes from
 * two of the job's own looks at it; how much of that is others' from the burst counter: of the
 * requests the app made this second (`burstLimit - burstRemaining`, app-wide as the sandbox
 * assumes), the job made `ownInSecond`. Without burst headers the job cannot tell, and only the
 * line counts. A lone job is never crowded, however fast it spends: the line alone holds it.
 */
export function crowded(state: RateLimitState | undefined, r: JobRate, policy: PacePolicy = PACING): boolean {
  if (!state || state.remaining === undefined || state.status === 429) return r.crowd === true;
  const seen = r.seen;
  // Over at least `fallSeconds`: between two looks a moment apart, others' requests come in lumps.
  if (seen && state.at > seen.at && state.at - seen.at < policy.fallSeconds * 1000) return r.crowd === true;
  r.seen = { at: state.at, remaining: state.remaining };
  if (!seen || state.limit === undefined || state.at <= seen.at) return (r.crowd = false);
  const window = state.windowSeconds ?? policy.windowSeconds;
  // A rise is a new window: it fell by nothing that counts. Kept even when the burst headers cannot
  // tell whose the fall was: the look ahead to the reserve (`reachesReserve`) needs it fresh.
  const fall = Math.max(0, (seen.remaining - state.remaining) / ((state.at - seen.at) / 1000));
  const usable = (state.limit * (1 - policy.reserveFraction)) / window;
  r.fall = fall;
  const share = shareOf(state);
  r.crowd = share !== undefined && fall > usable && fall * (1 - share) > policy.crowdShare * usable;
  return r.crowd;
}

/**
 * The reserve would be reached before the job's next look: at the pace the budget fell, one more of
 * its batch intervals spends what is left above it. Every job in flight finishes the batch it
 * started, so stopping at the reserve itself let many jobs together spend the reserve (bench
 * fair-share: the panel refused).
 */
function reachesReserve(state: RateLimitState, r: JobRate, policy: PacePolicy): boolean {
  const horizon = r.took ?? r.gap;
  if (state.limit === undefined || state.remaining === undefined || r.fall === undefined || horizon === undefined) return false;
  return state.remaining - state.limit * policy.reserveFraction <= r.fall * horizon;
}

/** The state says the budget is at its reserve (or refused) and its window has not reset yet. */
function nearlySpent(s: RateLimitState, now: number, policy: PacePolicy): boolean {
  const pace = decide(s, { batches: 0, now, random: () => 0 }, policy);
  return !pace.go && pace.reason === 'reserve';
}

/** The job's share of the app's requests this second; undefined when the burst headers do not tell. */
export function shareOf(state: RateLimitState | undefined): number | undefined {
  if (state?.burstLimit === undefined || state.burstRemaining === undefined || state.ownInSecond === undefined) return undefined;
  const used = state.burstLimit - state.burstRemaining;
  return used > 0 ? Math.min(1, state.ownInSecond / used) : 1;
}

/** Slow start measures the job's own pace: seconds between the batches it starts, smoothed. */
function started(r: JobRate, now: number): void {
  if (r.lastBatchAt !== undefined && now > r.lastBatchAt) {
    const gap = (now - r.lastBatchAt) / 1000;
    r.gap = r.gap === undefined ? gap : (r.gap + gap) / 2;
  }
  r.lastBatchAt = now;
}

/**
 * What a fresh answer tells a job for least-served-first: the points its own answers cost since the
 * last look (`ownPoints`, counted by the client by Atlassian's model: 1 per request plus 1 per object
 * returned), added to its service and to its share of this window; and whether others spend too:
 * what the window lost beyond the job's own points, at a rate above `crowdShare` of the usable one.
 * Counted in points, not requests: the panels' calls are many and cheap, and counting them made a
 * lone export yield to them (a lone 10,000-page export with a panel call a second: 2,557 s, not 131).
 */
function account(r: JobRate, heard: RateLimitState, own: number, policy: PacePolicy): void {
  r.spent = (r.spent ?? 0) + own;
  const reset = resetOf(heard, policy);
  const window = heard.windowSeconds ?? policy.windowSeconds;
  // A reset read from whole seconds to go (`t`) moves by a second with the answer's time: the same window within half of one.
  if (!r.win || Math.abs(r.win.reset - reset) >= (window * 1000) / 2) {
    // The window just before this one: whether others spent in it (they may not have woken yet).
    if (r.win) r.othersBefore = r.win.others === true && reset - r.win.reset < 1.5 * window * 1000;
    r.win = { reset, own: 0 };
  }
  r.win.own += own;
  if (heard.limit === undefined || heard.remaining === undefined || heard.status === 429) return;
  const elapsed = Math.max(policy.othersShare * window, window - (reset - heard.at) / 1000);
  const usableRate = (heard.limit * (1 - policy.reserveFraction)) / window;
  r.win.others = heard.limit - heard.remaining - r.win.own > policy.crowdShare * usableRate * elapsed;
}

/** Others spend too: seen in this window, or in the last one while this one is young. */
function othersSpend(r: JobRate, state: RateLimitState, now: number, policy: PacePolicy): boolean {
  if (r.win?.others) return true;
  const window = state.windowSeconds ?? policy.windowSeconds;
  return r.othersBefore === true && window - (resetOf(state, policy) - now) / 1000 < policy.othersShare * window;
}

/**
 * Step 5, least served first. While other jobs spend too, a job goes only when the budget ahead of
 * the line holds `servedWeight` times the points it already spent; otherwise it waits for the line
 * to come down that far. Every job reads the same budget, so without talking to each other they go
 * in the order of what they have had: a newcomer first, a job nearly done last. Equal exports then
 * finish close together whoever started first, and a small one finishes early. Alone, a job needs
 * no more than to be ahead of the line (the part of it that holds the job: `lineServed`), so a lone
 * export still runs at its own speed (item 1).
 * Returns seconds to wait, or undefined to go.
 */
export function servedWait(state: RateLimitState | undefined, r: JobRate, now: number, random: () => number, policy: PacePolicy = PACING): number | undefined {
  if (!state || state.limit === undefined || state.remaining === undefined || state.status === 429) return undefined;
  const reset = resetOf(state, policy);
  if (reset <= now) return undefined;
  const window = state.windowSeconds ?? policy.windowSeconds;
  const toReset = Math.min(window, (reset - now) / 1000);
  const usable = state.limit * (1 - policy.reserveFraction);
  const perSecond = (usable * policy.spreadFraction) / window;
  if (perSecond <= 0) return undefined;
  // The line keeps budget for sites that come later; it holds back a job by what it has had (half of
  // it at first, all of it from `lineServed` of the usable budget on), so exports that start
  // together and fit in the hour are not held for latecomers they would go before anyway
  // (simulation, 20 × 1,000 pages at once: 2,802 s and slowest/fastest 2.77 under the whole line;
  // 12 s and 1.0 now). The half kept is what jobs in flight overshoot into instead of the reserve
  // (sandbox fair-share, none kept: p95 panel wait 1,154 ms and 20 panel 429s; half: 133 ms).
  const served = policy.lineServed > 0 ? Math.min(1, (r.spent ?? 0) / (usable * policy.lineServed)) : 1;
  const held = Math.max(policy.lineFloor, served);
  const others = othersSpend(r, state, now, policy);
  // While others spend, and spent in the window before, a window's budget is released over its
  // first `rampShare`, and a job is held to that by what it has had (a newcomer not at all): whoever
  // wakes first at a reset no longer takes the window's start before the least served have woken
  // (see PacePolicy.rampShare). Jobs that all started in this window are not held to it: together
  // they may fit in it (simulation with the listing, 20 × 1,000 pages at once: 14 s; held: 1,356 s).
  const rampSeconds = others && r.othersBefore ? policy.rampShare * window : 0;
  const into = window - toReset;
  const unreleased = into < rampSeconds ? (1 - into / rampSeconds) * usable * served : 0;
  const ahead = state.remaining - state.limit * policy.reserveFraction - perSecond * toReset * held - unreleased;
  // Held back less as the reset nears, when what is left would be lost unspent (bench fair-share:
  // held back for the whole window, the sites took 2.0 times the ideal).
  const needed = others ? (policy.servedWeight * (r.spent ?? 0) * toReset) / window : 0;
  if (ahead >= needed) return undefined;
  // Until the line has come down and the need faded enough (if nobody spends meanwhile), or the
  // window resets first, and the budget with it.
  let seconds = Math.min(toReset, (needed - ahead) / (perSecond * held + needed / toReset + (unreleased > 0 ? (usable * served) / rampSeconds : 0)));
  // Others known only from the last window: look again when that stops counting (othersSpend).
  if (others && !r.win?.others) seconds = Math.min(seconds, Math.max(0, policy.othersShare * window - into));
  return Math.ceil(Math.min(policy.maxDelaySeconds, Math.max(1, seconds + random() * policy.jitterSeconds)));
}

/** The pacer's answer when the job should read the budget with a cheap request before it decides. */
export const PROBE = 'probe' as const;

/**
 * The hook a job calls before each batch: decides from the meter, keeps a long pause and the job's
 * rate in the checkpoint, and returns the delay to re-queue with (undefined: go on, PROBE: read first).
 */
export function pacer(read: () => RateLimitState | undefined, clock: { now(): number; random(): number }, policy: PacePolicy = PACING) {
  /** The invocation's own points (`ownPoints`) at the last look. */
  let ownMark = 0;
  return (ckpt: { pausedUntil?: number; rate?: JobRate }, batches: number): number | undefined | typeof PROBE => {
    const now = clock.now();
    // A new invocation has heard no answer yet: what the last one heard still bounds this window
    // (what is left only falls until the reset), so its first batch is not spent blind.
    const heard = read();
    const kept = ckpt.rate?.heard;
    const state = heard ?? (kept && nearlySpent(kept, now, policy) ? kept : undefined);
    // Least served first counts what the job's answers cost at every look, whatever it decides: a
    // batch left out (the last before a slice) counted as others' and held a lone job back.
    if (policy.enabled && policy.las && heard) {
      const r = (ckpt.rate ??= { credit: 1, at: now });
      r.heard = heard;
      const own = heard.ownPoints ?? 0;
      account(r, heard, Math.max(0, own - ownMark), policy);
      ownMark = own;
      // How long a batch takes: the horizon of the look ahead to the reserve. The seconds between
      // batches, long while the job waits its turn, made that look ahead park it until the reset.
      if (batches > 0 && r.lastBatchAt !== undefined && now > r.lastBatchAt) r.took = Math.min(r.took ?? Infinity, (now - r.lastBatchAt) / 1000);
    }
    let pace = decide(state, { batches, now, random: clock.random, pausedUntil: ckpt.pausedUntil }, policy);
    // How fast the budget falls now, measured before it is used to look ahead: the fall of 20 jobs'
    // first seconds, kept and multiplied by the 15-minute interval of a job held to its rate, parked
    // the jobs until the reset with a third of the budget left (bench pacing, 20 at once: 3,616 s).
    const crowdNow = ckpt.rate ? crowded(state, ckpt.rate, policy) : undefined;
    if ((pace.go || pace.reason === 'schedule') && state && ckpt.rate && reachesReserve(state, ckpt.rate, policy)) {
      pace = decide({ ...state, nearLimit: true }, { batches, now, random: clock.random }, policy);
    }
    // The rate needs a budget to share: answers that never reported one leave the job unthrottled.
    const metered = ckpt.rate !== undefined || (state?.limit !== undefined && state.remaining !== undefined);
    // Least served first keeps count from the first batch on, budget reported or not.
    if (policy.enabled && policy.las && (pace.go || pace.reason === 'schedule')) {
      const r = (ckpt.rate ??= { credit: 1, at: now });
      delete ckpt.pausedUntil;
      // A new invocation has heard nothing, and what the last one heard in this window is stale: a
      // cheap request reads the budget before a batch is spent on it. Jobs waking from their turn
      // with only that old state spent the panels' reserve (simulation, 20 sites and a panel call a
      // second: 40 to 73 panel calls refused; with the read, none).
      if (!heard && kept && resetOf(kept, policy) > now) return PROBE;
      // What the last invocation heard still bounds this window: what is left only falls.
      const wait = servedWait(heard ?? kept, r, now, clock.random, policy);
      if (wait !== undefined) return wait;
      started(r, now);
      return undefined;
    }
    if (policy.enabled && policy.aimd && !policy.las && metered && !(!pace.go && pace.reason === 'paused')) {
      const window = state?.windowSeconds ?? policy.windowSeconds;
      const r = (ckpt.rate ??= { credit: 1, at: now });
      if (heard) r.heard = heard;
      const crowd = crowdNow ?? crowded(state, r, policy);
      if (pace.go && !crowd && r.rate !== undefined && shareOf(state) === 1 && (headroom(state, now, policy) ?? 0) >= policy.idleHeadroom) {
        delete r.rate;
        delete r.cutAt;
      }
      const congested = crowd || (!pace.go && (pace.reason === 'reserve' || pace.reason === 'schedule'));
      // Only a batch that will go (not a slice or burst wait) counts as a round trip.
      const batch = pace.go || pace.reason === 'schedule';
      adjust(r, { congested, batch: batch && !congested }, now, window, policy);
      if (r.waited && batches === 0) r.credit = Math.max(r.credit, 1);
      delete r.waited;
      if (!pace.go && pace.reason === 'reserve') {
        // Waiting out the reserve is not time spent probing the budget; after it, one batch may go.
        r.at = pace.until ?? now + pace.delaySeconds * 1000;
        r.credit = Math.max(r.credit, 1);
        delete r.lastBatchAt;
      } else {
        // Behind the line (step 2) the halved rate is the answer, not a stop until the line comes
        // down: each job slows by half instead of all of them stopping and starting together.
        delete ckpt.pausedUntil;
        if (!pace.go && pace.reason !== 'schedule') return pace.delaySeconds;
        const wait = take(r, window, policy);
        if (wait !== undefined) r.waited = true;
        else started(r, now);
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

/**
 * A hold another run of this installation recorded, as the state a new run starts from: until the
 * reset, its first batch is not spent blind into the reserve (bench fair-share: new jobs' first
 * batches at the end of a window let the panel be refused).
 */
export async function heldState(kv: Store, now: number): Promise<RateLimitState | undefined> {
  const hold = await kv.get<{ until: number }>(HOLD_KEY);
  return hold && hold.until > now ? { at: now, status: 200, nearLimit: true, resetAt: hold.until } : undefined;
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
