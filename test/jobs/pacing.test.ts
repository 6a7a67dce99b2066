// The pacing policy of background jobs (src/jobs/pacing.ts), without Forge: plain states, a fixed
// clock and a fixed random source.
import type { RateLimitState } from '../../src/confluence/rate-limit';
import { adjust, decide, pacer, PACING, scheduleLag, take, type JobRate, type PacePolicy } from '../../src/jobs/pacing';

const HOUR = 3_600_000;
/** 10:50:00 UTC: 10 minutes before the hourly reset. */
const now = Date.UTC(2026, 10, 25, 10, 50);
const reset = Date.UTC(2026, 10, 25, 11, 0);
const policy: PacePolicy = { ...PACING, jitterSeconds: 0 };
const at = (s: Partial<RateLimitState>): RateLimitState => ({ at: now, status: 200, nearLimit: false, limit: 65_000, ...s });
const go = (state: RateLimitState | undefined, batches = 0, p = policy, pausedUntil?: number) => decide(state, { batches, now, random: () => 0.5, pausedUntil }, p);

describe('decide', () => {
  it('goes on with a budget mostly left, or when nothing was reported yet', () => {
    expect(go(undefined)).toEqual({ go: true });
    expect(go(at({ remaining: 60_000, resetAt: reset }))).toEqual({ go: true });
  });

  it('stops until the reset when Confluence says the budget is nearly spent, whatever Remaining says', () => {
    expect(go(at({ remaining: 40_000, nearLimit: true, resetAt: reset }))).toEqual({ go: false, reason: 'reserve', delaySeconds: 600 });
  });

  it('stops at its own reserve (20% of the limit) without the NearLimit header', () => {
    expect(go(at({ remaining: 13_000, resetAt: reset }))).toMatchObject({ go: false, reason: 'reserve', delaySeconds: 600 });
    // Just above it, the schedule (not the reserve) decides: one usable point left is far ahead of it.
    expect(go(at({ remaining: 13_001, resetAt: reset }))).toMatchObject({ go: false, reason: 'schedule' });
  });

  it('after a 429, waits for Retry-After; without any time, for the configured default', () => {
    expect(go(at({ status: 429, remaining: 0, resetAt: now + 90_000 }))).toEqual({ go: false, reason: 'reserve', delaySeconds: 90 });
    expect(go({ at: now, status: 429, nearLimit: false })).toEqual({ go: false, reason: 'reserve', delaySeconds: policy.unknownResetSeconds });
  });

  it('caps the delay at the queue maximum of 900 s and says until when the pause lasts', () => {
    const far = now + 50 * 60_000;
    expect(go(at({ nearLimit: true, remaining: 1000, resetAt: far }))).toEqual({ go: false, reason: 'reserve', delaySeconds: 900, until: far });
  });

  it('takes windows aligned on the hour when the answer does not say when it resets', () => {
    expect(go(at({ nearLimit: true, remaining: 1000 }))).toEqual({ go: false, reason: 'reserve', delaySeconds: 600 });
    // A NearLimit seen in the previous window says nothing about this one.
    expect(go(at({ at: now - HOUR, nearLimit: true, remaining: 10 }))).toEqual({ go: true });
  });

  it('adds jitter after the reset, never before it', () => {
    const p = { ...policy, jitterSeconds: 30 };
    const d = (r: number) => decide(at({ nearLimit: true, remaining: 10, resetAt: now + 60_000 }), { batches: 0, now, random: () => r }, p);
    expect(d(0)).toMatchObject({ delaySeconds: 60 });
    expect(d(0.999)).toMatchObject({ delaySeconds: 90 });
  });

  it('spreads 80% of the usable budget evenly over the window', () => {
    // Usable = 52,000 (65,000 less the 13,000 reserve); 80% of it, 41,600, should last the hour:
    // with 10 minutes to go, 41,600/6 ≈ 6,933 usable points should still be left.
    expect(go(at({ remaining: 13_000 + 8_000, resetAt: reset }))).toEqual({ go: true });
    const ahead = go(at({ remaining: 13_000 + 2_000, resetAt: reset }));
    // 2,000 points are the line's last 173 s: it comes down to them in 600 - 173 = 427 s.
    expect(ahead).toEqual({ go: false, reason: 'schedule', delaySeconds: 427 });
  });

  it('yields after a slice of batches so other jobs interleave', () => {
    expect(go(at({ remaining: 60_000, resetAt: reset }), policy.sliceBatches - 1)).toEqual({ go: true });
    expect(go(at({ remaining: 60_000, resetAt: reset }), policy.sliceBatches)).toMatchObject({ go: false, reason: 'slice' });
  });

  it('honours a pause an earlier invocation recorded, without any answer', () => {
    expect(go(undefined, 0, policy, now + 30 * 60_000)).toEqual({ go: false, reason: 'paused', delaySeconds: 900, until: now + 30 * 60_000 });
    expect(go(undefined, 0, policy, now + 120_000)).toEqual({ go: false, reason: 'paused', delaySeconds: 120 });
    expect(go(undefined, 0, policy, now - 1)).toEqual({ go: true });
  });

  it('does nothing when turned off', () => {
    expect(go(at({ status: 429, nearLimit: true, remaining: 0, resetAt: reset }), 99, { ...policy, enabled: false }, reset)).toEqual({ go: true });
  });
});

describe('scheduleLag', () => {
  it('is 0 on or behind the line, and the time for the line to come down to what is left otherwise', () => {
    expect(scheduleLag(600, 1000, 1800, 3600, 0.5)).toBe(0);
    expect(scheduleLag(250, 1000, 1800, 3600, 0.5)).toBeCloseTo(1800 - 250 / (500 / 3600));
    expect(scheduleLag(0, 1000, 1800, 3600, 0.5)).toBe(1800);
  });
});

describe('pacer', () => {
  it('keeps a pause longer than one delay in the checkpoint, and clears it once past', () => {
    let t = now;
    const far = now + 20 * 60_000;
    let state: RateLimitState | undefined = at({ nearLimit: true, remaining: 100, resetAt: far });
    const pace = pacer(() => state, { now: () => t, random: () => 0 }, policy);
    const ckpt: { pausedUntil?: number } = {};
    expect(pace(ckpt, 1)).toBe(900);
    expect(ckpt.pausedUntil).toBe(far);
    // The next invocation has seen no answer yet: it goes back to the queue for the rest.
    state = undefined;
    t = now + 900_000;
    expect(pace(ckpt, 0)).toBe(300);
    t = far + 1;
    expect(pace(ckpt, 0)).toBeUndefined();
    expect(ckpt.pausedUntil).toBeUndefined();
  });
});

describe('the job\'s own rate (AIMD)', () => {
  const W = 3600;
  const fresh = (rate = 4): JobRate => ({ rate, credit: 1, at: now });

  it('adds `increase` batches per window of time while the budget is on its line', () => {
    const r = fresh(4);
    adjust(r, false, now + 450_000, W, policy); // an eighth of the window, within two intervals (2 × 900 s)
    expect(r.rate).toBeCloseTo(4 + policy.increase / 8);
  });

  it('does not raise the rate for a gap longer than two of its batch intervals', () => {
    const r = fresh(4);
    adjust(r, false, now + 3 * HOUR, W, policy);
    expect(r.rate).toBeCloseTo(4 + (policy.increase * 1800) / 3600);
  });

  it('halves on the signal, at most once per batch interval, never below the floor', () => {
    const r = fresh(8);
    adjust(r, true, now, W, policy);
    expect(r.rate).toBe(4);
    expect(r.credit).toBe(0);
    adjust(r, true, now + 1000, W, policy); // the same budget state, seen again
    expect(r.rate).toBe(4);
    adjust(r, true, now + 900_000, W, policy); // a whole interval (3600/4 s) later
    expect(r.rate).toBe(2);
    for (let i = 1; i < 10; i++) adjust(r, true, now + 900_000 + i * HOUR, W, policy);
    expect(r.rate).toBe(policy.minRate);
  });

  it('spends from a bucket of at most `burstBatches`, and says when it holds the next batch', () => {
    const r = fresh(4);
    expect(take(r, W, policy)).toBeUndefined();
    expect(take(r, W, policy)).toBe(900); // empty: one batch is 3600/4 s away
    adjust(r, false, now + 10 * HOUR, W, policy); // a long wait fills the bucket up to its size only
    expect(r.credit).toBe(policy.burstBatches);
    expect(take(r, W, policy)).toBeUndefined();
    expect(take(r, W, policy)).toBeUndefined();
    expect(take(r, W, policy)).toBeGreaterThan(0);
  });

  it('makes two jobs with unequal rates converge on equal ones under the same signals (Chiu & Jain)', () => {
    const a = fresh(40);
    const b = fresh(2);
    let t = now;
    // A shared budget of 20 batches per window: the signal is on whenever the two together exceed it.
    for (let i = 0; i < 400; i++) {
      t += 600_000;
      const over = a.rate + b.rate > 20;
      adjust(a, over, t, W, policy);
      adjust(b, over, t, W, policy);
    }
    expect(Math.abs(a.rate - b.rate)).toBeLessThan(1);
  });
});

describe('pacer with AIMD', () => {
  const ok = at({ remaining: 60_000, resetAt: reset });

  it('keeps the rate in the checkpoint and re-queues until the bucket holds the next batch', () => {
    let t = now;
    const pace = pacer(() => ok, { now: () => t, random: () => 0 }, policy);
    const ckpt: { rate?: JobRate } = {};
    expect(pace(ckpt, 0)).toBeUndefined();
    expect(ckpt.rate).toMatchObject({ rate: policy.startRate, credit: 0 });
    expect(pace(ckpt, 1)).toBe(3600 / policy.startRate);
    t += 900_000; // the next invocation, after the delay
    expect(pace(ckpt, 0)).toBeUndefined();
    expect(ckpt.rate?.rate).toBeCloseTo(policy.startRate + policy.increase / 4);
  });

  it('halves the rate behind the spending line instead of stopping until the line comes down', () => {
    const behind = at({ remaining: 13_000 + 2_000, resetAt: reset });
    expect(decide(behind, { batches: 0, now, random: () => 0 }, policy)).toMatchObject({ reason: 'schedule' });
    const pace = pacer(() => behind, { now: () => now, random: () => 0 }, policy);
    const ckpt: { rate?: JobRate; pausedUntil?: number } = { rate: { rate: 8, credit: 2, at: now } };
    expect(pace(ckpt, 0)).toBe(3600 / 4); // credit emptied, one batch at the halved rate
    expect(ckpt.rate?.rate).toBe(4);
    expect(ckpt.pausedUntil).toBeUndefined();
  });

  it('halves at the reserve, waits for the reset as before, and lets one batch go after it', () => {
    let t = now;
    let state: RateLimitState | undefined = at({ nearLimit: true, remaining: 100, resetAt: reset });
    const pace = pacer(() => state, { now: () => t, random: () => 0 }, policy);
    const ckpt: { rate?: JobRate; pausedUntil?: number } = { rate: { rate: 8, credit: 0.5, at: now } };
    expect(pace(ckpt, 1)).toBe(600);
    expect(ckpt.rate?.rate).toBe(4);
    state = at({ at: reset + 1, remaining: 65_000, resetAt: reset + HOUR });
    t = reset + 1;
    expect(pace(ckpt, 0)).toBeUndefined();
  });

  it('trusts the queue: the invocation after a wait for the bucket does its batch even if its clock lags', () => {
    const pace = pacer(() => ok, { now: () => now, random: () => 0 }, policy);
    const ckpt: { rate?: JobRate } = {};
    expect(pace(ckpt, 0)).toBeUndefined();
    expect(pace(ckpt, 1)).toBe(900);
    expect(pace(ckpt, 0)).toBeUndefined(); // delivered again: the delay is over, whatever `now` says
    expect(pace(ckpt, 1)).toBe(900); // but not twice
  });

  it('leaves a job unthrottled while no answer has reported a budget', () => {
    const pace = pacer(() => ({ at: now, status: 200, nearLimit: false }), { now: () => now, random: () => 0 }, policy);
    const ckpt: { rate?: JobRate } = {};
    for (let b = 0; b < policy.sliceBatches; b++) expect(pace(ckpt, b)).toBeUndefined();
    expect(ckpt.rate).toBeUndefined();
  });

  it('keeps the earlier policy when AIMD is off', () => {
    const pace = pacer(() => ok, { now: () => now, random: () => 0 }, { ...policy, aimd: false });
    const ckpt: { rate?: JobRate } = {};
    expect(pace(ckpt, 0)).toBeUndefined();
    expect(pace(ckpt, 1)).toBeUndefined();
    expect(ckpt.rate).toBeUndefined();
  });
});
