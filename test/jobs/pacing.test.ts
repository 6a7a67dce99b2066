// The pacing policy of background jobs (src/jobs/pacing.ts), without Forge: plain states, a fixed
// clock and a fixed random source.
import type { RateLimitState } from '../../src/confluence/rate-limit';
import { adjust, crowded, decide, headroom, heldState, pacer, PACING, recordHold, scheduleLag, servedWait, take, type JobRate, type PacePolicy } from '../../src/jobs/pacing';
import { RateMeter } from '../../src/confluence/rate-limit';
import { simulate, TIER1, type SimJob } from '../../sandbox/pacing-sim';

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

  it('never parks a job beyond the window, whatever a reset says (a contradictory t or Reset)', () => {
    const far = now + 5 * HOUR;
    expect(go(at({ nearLimit: true, remaining: 1000, resetAt: far }))).toEqual({ go: false, reason: 'reserve', delaySeconds: 900, until: now + HOUR });
    expect(go(at({ nearLimit: true, remaining: 1000, resetAt: far, windowSeconds: 600 }))).toEqual({ go: false, reason: 'reserve', delaySeconds: 600 });
  });

  it('reads a spent quota without its policy header (r=0, no q) as spent, until the reset', () => {
    expect(go({ at: now, status: 200, nearLimit: false, remaining: 0, resetAt: reset })).toEqual({ go: false, reason: 'reserve', delaySeconds: 600 });
  });

  it('ignores a state whose reset is already past (stale), instead of waiting for it', () => {
    expect(go(at({ nearLimit: true, remaining: 10, resetAt: now - 1000 }))).toEqual({ go: true });
  });

  it('waits a second when this second\'s burst is used up, and not for a burst seen in an earlier second', () => {
    const burst = { remaining: 60_000, resetAt: reset, burstLimit: 350, burstRemaining: 3 };
    expect(go(at(burst))).toEqual({ go: false, reason: 'burst', delaySeconds: 1 });
    expect(go(at({ ...burst, at: now - 1000 }))).toEqual({ go: true });
    expect(go(at({ ...burst, burstRemaining: 200 }))).toEqual({ go: true });
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

  it('spreads half of the usable budget evenly over the window', () => {
    // Usable = 52,000 (65,000 less the 13,000 reserve); half of it, 26,000, should last the hour:
    // with 10 minutes to go, 26,000/6 ≈ 4,333 usable points should still be left.
    expect(go(at({ remaining: 13_000 + 5_000, resetAt: reset }))).toEqual({ go: true });
    const ahead = go(at({ remaining: 13_000 + 2_000, resetAt: reset }));
    // 2,000 points are the line's last 277 s: it comes down to them in 600 - 277 ≈ 324 s.
    expect(ahead).toEqual({ go: false, reason: 'schedule', delaySeconds: 324 });
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
  const idle = { congested: false, batch: true };
  const busy = { congested: true, batch: false };

  it('adds `increase` per batch (a round trip) on an idle budget, not per window of time', () => {
    const r = fresh(4);
    adjust(r, idle, now + 3000, W, policy);
    adjust(r, idle, now + 6000, W, policy);
    expect(r.rate).toBe(4 + 2 * policy.increase);
    adjust(r, { congested: false, batch: false }, now + 9000, W, policy); // a wait for the bucket: no round trip
    expect(r.rate).toBe(4 + 2 * policy.increase);
  });

  it('starts without a rate (slow start) and, at the first sign of contention, takes half the pace it measured', () => {
    const r: JobRate = { credit: 1, at: now, gap: 3 };
    adjust(r, idle, now + 3000, W, policy);
    expect(r.rate).toBeUndefined();
    adjust(r, busy, now + 6000, W, policy);
    expect(r.rate).toBe(3600 / 3 / 2);
    // After one batch, the time that batch took is its pace (3 s: 1,200 an hour).
    const once: JobRate = { credit: 1, at: now, lastBatchAt: now };
    adjust(once, busy, now + 3000, W, policy);
    expect(once.rate).toBe(3600 / 3 / 2);
    // Without a measured pace (contention at its first look): the start rate.
    const first: JobRate = { credit: 1, at: now };
    adjust(first, busy, now, W, policy);
    expect(first.rate).toBe(policy.startRate);
  });

  it('halves on the signal, at most once per batch interval, never below the floor', () => {
    const r = fresh(8);
    adjust(r, busy, now, W, policy);
    expect(r.rate).toBe(4);
    expect(r.credit).toBe(0);
    adjust(r, busy, now + 1000, W, policy); // the same budget state, seen again
    expect(r.rate).toBe(4);
    adjust(r, busy, now + 900_000, W, policy); // a whole interval (3600/4 s) later
    expect(r.rate).toBe(2);
    for (let i = 1; i < 10; i++) adjust(r, busy, now + 900_000 + i * HOUR, W, policy);
    expect(r.rate).toBe(policy.minRate);
  });

  it('spends from a bucket of at most `burstBatches`, and says when it holds the next batch', () => {
    const r = fresh(4);
    expect(take(r, W, policy)).toBeUndefined();
    expect(take(r, W, policy)).toBe(900); // empty: one batch is 3600/4 s away
    adjust(r, { congested: false, batch: false }, now + 10 * HOUR, W, policy); // a long wait fills the bucket up to its size only
    expect(r.credit).toBe(policy.burstBatches);
    expect(take(r, W, policy)).toBeUndefined();
    expect(take(r, W, policy)).toBeUndefined();
    expect(take(r, W, policy)).toBeGreaterThan(0);
    expect(take({ credit: 0, at: now }, W, policy)).toBeUndefined(); // slow start: no bucket
  });

  it('makes two jobs with unequal rates converge on equal ones under the same signals (Chiu & Jain)', () => {
    const a = fresh(40);
    const b = fresh(2);
    let t = now;
    // A shared budget of 20 batches per window: the signal is on whenever the two together exceed it.
    // Each job looks once per its own batch; here both look every 10 minutes.
    for (let i = 0; i < 400; i++) {
      t += 600_000;
      const over = (a.rate ?? 0) + (b.rate ?? 0) > 20;
      adjust(a, over ? busy : idle, t, W, policy);
      adjust(b, over ? busy : idle, t, W, policy);
    }
    expect(Math.abs((a.rate ?? 0) - (b.rate ?? 0))).toBeLessThan(1.5);
  });
});

describe('crowded: others spend the budget too', () => {
  const seenAt = (r: JobRate, remaining: number) => crowded(at({ remaining, resetAt: reset, burstLimit: 350, burstRemaining: 340, ownInSecond: 10 }), r, policy);
  const look = (r: JobRate, remaining: number, t: number, own: number, used: number) =>
    crowded(at({ at: t, remaining, resetAt: reset, burstLimit: 350, burstRemaining: 350 - used, ownInSecond: own }), r, policy);

  it('is crowded when the budget falls faster than it lasts and most of the traffic is others\'', () => {
    const r: JobRate = { credit: 1, at: now };
    expect(seenAt(r, 50_000)).toBe(false); // one look: nothing to compare
    // 100 points in 3 s, far above the usable 14.4 a second; the job made 1 of the second's 4 requests.
    expect(look(r, 49_900, now + 3000, 1, 4)).toBe(true);
  });

  it('never calls a lone job crowded, however fast it spends: the line alone holds it', () => {
    const r: JobRate = { credit: 1, at: now };
    seenAt(r, 50_000);
    expect(look(r, 49_000, now + 3000, 2, 2)).toBe(false);
  });

  it('cannot tell without burst headers, and then only the line counts', () => {
    const r: JobRate = { credit: 1, at: now };
    crowded(at({ remaining: 50_000, resetAt: reset }), r, policy);
    expect(crowded(at({ at: now + 3000, remaining: 40_000, resetAt: reset }), r, policy)).toBe(false);
  });

  it('counts the answers of one second in the meter that kept them', () => {
    const meter = new RateMeter();
    meter.record({ at: 1500, status: 200, nearLimit: false });
    meter.record({ at: 1900, status: 200, nearLimit: false });
    expect(meter.last?.ownInSecond).toBe(2);
    meter.record({ at: 2100, status: 200, nearLimit: false });
    expect(meter.last?.ownInSecond).toBe(1);
  });
});

describe('headroom', () => {
  it('is the share of the usable budget above the line', () => {
    // Usable 52,000; 10 minutes to go: the line is 26,000/6 ≈ 4,333; 13,000 + 30,000 left is 25,667 above it.
    expect(headroom(at({ remaining: 43_000, resetAt: reset }), now, policy)).toBeCloseTo((30_000 - 26_000 / 6) / 52_000);
    expect(headroom(at({ remaining: 14_000, resetAt: reset }), now, policy)).toBe(0);
    expect(headroom(undefined, now, policy)).toBeUndefined();
  });
});

describe('pacer with AIMD (the previous step 5)', () => {
  const aimd: PacePolicy = { ...policy, las: false };
  const ok = at({ remaining: 60_000, resetAt: reset });

  it('lets a new job on an idle budget run at its own speed: no rate, no wait', () => {
    let t = now;
    const pace = pacer(() => ok, { now: () => t, random: () => 0 }, aimd);
    const ckpt: { rate?: JobRate } = {};
    for (let b = 0; b < policy.sliceBatches; b++, t += 3000) expect(pace(ckpt, b)).toBeUndefined();
    expect(ckpt.rate?.rate).toBeUndefined();
    expect(ckpt.rate?.gap).toBe(3);
  });

  it('takes up half its measured pace behind the spending line, instead of stopping until the line comes down', () => {
    let t = now;
    // Just ahead of the line (4,333 above the reserve 10 minutes before the reset), then just behind
    // it: a budget that falls slowly, so the look ahead to the reserve does not stop the job first.
    let state = at({ remaining: 13_000 + 4_500, resetAt: reset });
    const pace = pacer(() => state, { now: () => t, random: () => 0 }, aimd);
    const ckpt: { rate?: JobRate; pausedUntil?: number } = {};
    expect(pace(ckpt, 0)).toBeUndefined();
    t += 3000;
    expect(pace(ckpt, 1)).toBeUndefined();
    state = at({ at: t + 3000, remaining: 13_000 + 2_000, resetAt: reset });
    t += 3000;
    // 3 s a batch is 1,200 an hour; half of it is 600: one batch every 6 s.
    expect(pace(ckpt, 2)).toBe(6);
    expect(ckpt.rate?.rate).toBe(600);
    expect(ckpt.pausedUntil).toBeUndefined();
  });

  it('halves at the reserve, waits for the reset as before, and lets one batch go after it', () => {
    let t = now;
    let state: RateLimitState | undefined = at({ nearLimit: true, remaining: 100, resetAt: reset });
    const pace = pacer(() => state, { now: () => t, random: () => 0 }, aimd);
    const ckpt: { rate?: JobRate; pausedUntil?: number } = { rate: { rate: 8, credit: 0.5, at: now } };
    expect(pace(ckpt, 1)).toBe(600);
    expect(ckpt.rate?.rate).toBe(4);
    state = at({ at: reset + 1, remaining: 30_000, resetAt: reset + HOUR });
    t = reset + 1;
    expect(pace(ckpt, 0)).toBeUndefined();
  });

  it('stops before the reserve when one more batch interval at the budget\'s fall would spend what is left above it', () => {
    const pace = (remaining: number) => {
      const ckpt: { rate?: JobRate } = { rate: { rate: 100, credit: 2, at: now, fall: 20, gap: 3 } };
      return pacer(() => at({ remaining, resetAt: reset }), { now: () => now, random: () => 0 }, aimd)(ckpt, 0);
    };
    // 20 points a second for 3 s is 60: 50 above the reserve is not enough, the job waits for the reset.
    expect(pace(13_000 + 50)).toBe(600);
    expect(pace(13_000 + 70)).not.toBe(600);
  });

  it('looks ahead with how fast the budget falls now, not with the fall it measured an interval ago', () => {
    // The job last looked 15 minutes ago, in the first seconds of 20 jobs at once (3,333 points a
    // second); since then the budget fell by 10,500 (about 12 a second). Kept, that old fall times
    // the 15-minute interval parked the job until the reset with 24,500 points above the reserve.
    const ckpt: { rate?: JobRate } = { rate: { rate: 4, credit: 1, at: now - 900_000, fall: 3333, gap: 900, seen: { at: now - 900_000, remaining: 48_000 } } };
    const pace = pacer(() => at({ remaining: 37_500, resetAt: reset }), { now: () => now, random: () => 0 }, aimd);
    expect(pace(ckpt, 0)).toBeUndefined();
    expect(ckpt.rate?.fall).toBeCloseTo(10_500 / 900);
  });

  it('does not spend a new invocation\'s first batch blind when the last one heard the budget at its reserve', () => {
    const low = at({ remaining: 12_000, resetAt: reset });
    const ckpt: { rate?: JobRate; pausedUntil?: number } = {};
    let heard: RateLimitState | undefined = at({ remaining: 60_000, resetAt: reset });
    const pace = pacer(() => heard, { now: () => now, random: () => 0 }, aimd);
    expect(pace(ckpt, 0)).toBeUndefined();
    heard = low;
    expect(pace(JSON.parse(JSON.stringify(ckpt)) as typeof ckpt, 1)).toBe(600);
    // The next invocation has heard nothing yet; what the checkpoint kept still holds until the reset.
    const stored = JSON.parse(JSON.stringify({ ...ckpt, rate: { ...ckpt.rate, heard: low } })) as typeof ckpt;
    heard = undefined;
    expect(pace(stored, 0)).toBe(600);
    // After the reset it says nothing any more.
    const after = pacer(() => undefined, { now: () => reset + 1, random: () => 0 }, aimd);
    expect(after(JSON.parse(JSON.stringify({ rate: { credit: 1, at: now, heard: low } })) as typeof ckpt, 0)).toBeUndefined();
  });

  it('goes back to slow start once the budget is idle again (a new window, nobody else spending)', () => {
    const state = at({ remaining: 64_000, resetAt: reset, burstLimit: 350, burstRemaining: 349, ownInSecond: 1 });
    const pace = pacer(() => state, { now: () => now, random: () => 0 }, aimd);
    const ckpt: { rate?: JobRate } = { rate: { rate: 4, credit: 0, at: now } };
    expect(pace(ckpt, 0)).toBeUndefined();
    expect(ckpt.rate?.rate).toBeUndefined();
  });

  it('trusts the queue: the invocation after a wait for the bucket does its batch even if its clock lags', () => {
    const behind = at({ remaining: 13_000 + 2_000, resetAt: reset });
    const pace = pacer(() => behind, { now: () => now, random: () => 0 }, aimd);
    const ckpt: { rate?: JobRate } = { rate: { rate: 8, credit: 1, at: now, cutAt: now } };
    expect(pace(ckpt, 0)).toBeUndefined();
    expect(pace(ckpt, 1)).toBe(450);
    expect(pace(ckpt, 0)).toBeUndefined(); // delivered again: the delay is over, whatever `now` says
    expect(pace(ckpt, 1)).toBe(450); // but not twice
  });

  it('leaves a job unthrottled while no answer has reported a budget', () => {
    const pace = pacer(() => ({ at: now, status: 200, nearLimit: false }), { now: () => now, random: () => 0 }, aimd);
    const ckpt: { rate?: JobRate } = {};
    for (let b = 0; b < policy.sliceBatches; b++) expect(pace(ckpt, b)).toBeUndefined();
    expect(ckpt.rate).toBeUndefined();
  });

  it('resumes at the same pace after being stopped while it waited (the rate survives the checkpoint)', () => {
    const behind = at({ remaining: 13_000 + 2_000, resetAt: reset });
    const run = (stopAt?: number) => {
      let t = now;
      const pace = pacer(() => ({ ...behind, at: t }), { now: () => t, random: () => 0 }, aimd);
      let ckpt: { rate?: JobRate } = { rate: { rate: 8, credit: 1, at: now } };
      const delays: Array<number | undefined> = [];
      for (let i = 0; i < 6; i++) {
        const d = pace(ckpt, i % 2);
        if (d === 'probe') throw new Error('AIMD never asks for a read');
        delays.push(d);
        // Stopped while waiting: only what was stored (JSON) comes back.
        if (i === stopAt) ckpt = JSON.parse(JSON.stringify(ckpt)) as typeof ckpt;
        t += (d ?? 3) * 1000;
      }
      return delays;
    };
    expect(run(1)).toEqual(run());
  });
});

describe('on a simulated clock with Tier 1\'s parameters (sandbox/pacing-sim.ts)', () => {
  const alone = (pages: number) => {
    const jobs: SimJob[] = [{ site: 0, pages, startAt: 0 }];
    return simulate(jobs, TIER1, PACING).makespan / simulate(jobs, TIER1, { ...PACING, enabled: false }).makespan;
  };

  it('a lone 1,000-page and a lone 10,000-page export finish within 1.25x of unpaced', () => {
    expect(alone(1_000)).toBeLessThanOrEqual(1.25);
    expect(alone(10_000)).toBeLessThanOrEqual(1.25);
  });

  it('still keeps the reserve: a lone export larger than the hour waits for the reset instead of meeting 429s', () => {
    const r = simulate([{ site: 0, pages: 40_000, startAt: 0 }], TIER1, PACING);
    expect(r.refused).toBe(0);
    expect(r.pagesDone).toEqual([40_000]);
    // 80,000 points: more than one hour's usable 52,000, so it takes into the second hour.
    expect(r.makespan).toBeGreaterThan(3600);
  });

  it('on Tier 2 (a quota per site) sites do not slow each other: 20 sites finish as fast as unpaced', () => {
    const jobs = Array.from({ length: 20 }, (_, i): SimJob => ({ site: i, pages: 10_000, startAt: i * 60 }));
    const tier2 = { ...TIER1, quota: 100_100, perSite: true };
    const paced = simulate(jobs, tier2, PACING);
    expect(paced.makespan / simulate(jobs, tier2, { ...PACING, enabled: false }).makespan).toBeLessThanOrEqual(1.1);
    expect(paced.pagesDone).toEqual(jobs.map((j) => j.pages));
  });

  it('with AIMD, lets 20 sites that start together share an hour that holds them all in seconds, not half an hour', () => {
    // 20 × 1,000 pages is 40,000 points, inside the hour's usable 52,000. Crowded at their second
    // batch, the jobs had measured no pace between batches yet and took the start rate (4 an hour):
    // 19 of them needed 1,814 s while the budget sat idle. Now they take half the pace of the batch
    // they did.
    const jobs = Array.from({ length: 20 }, (_, i): SimJob => ({ site: i, pages: 1_000, startAt: 0 }));
    const paced = simulate(jobs, TIER1, { ...PACING, las: false });
    expect(paced.makespan).toBeLessThan(120);
    expect(paced.pagesDone).toEqual(jobs.map((j) => j.pages));
    expect(paced.refused).toBe(0);
  });

  it('loses and repeats no page when jobs are stopped while they wait (the checkpoint is all that survives)', () => {
    const jobs = Array.from({ length: 6 }, (_, i): SimJob => ({ site: i, pages: 5_000, startAt: i * 30 }));
    let stops = 0;
    const r = simulate(jobs, TIER1, PACING, {
      // A redelivery after a crash: the rate and pause come back from storage, nothing else.
      onDelivery: (_i, ckpt) => {
        if (ckpt.next > 0) stops += 1;
      },
    });
    expect(r.pagesDone).toEqual(jobs.map((j) => j.pages));
    expect(r.refused).toBe(0);
    expect(stops).toBeGreaterThan(0);
  });
});

describe('least served first (step 5)', () => {
  // Others' requests this second (the job made 1 of 10); 1,000 points ahead of the line (4,333
  // above the reserve 10 minutes before the reset).
  const busy = at({ remaining: 13_000 + 4_333 + 1_000, resetAt: reset, burstLimit: 350, burstRemaining: 340, ownInSecond: 1 });
  const job = (spent: number, others = true): JobRate => ({ credit: 1, at: now, spent, win: { reset, own: 0, others } });

  it('lets a newcomer go where a job that already spent 10,000 points waits, while others spend too', () => {
    expect(servedWait(busy, job(0), now, () => 0, policy)).toBeUndefined();
    // The 10,000 points it spent, faded to 600/3600 of it this close to the reset: 1,667 needed,
    // 1,000 there; the line comes down 7.2 points a second and the need fades 2.8 a second.
    const whole = { ...policy, lineServed: 0 };
    expect(servedWait(busy, job(10_000), now, () => 0, whole)).toBe(Math.ceil((1_666.67 - 1_000) / (7.222 + 2.778)));
  });

  it('holds a job to the line by what it has had: one that has had little goes below it', () => {
    // 1,000 points behind the line: 1,000 ahead of the line less the 2,000 points others just spent.
    const behind = { ...busy, remaining: (busy.remaining ?? 0) - 2_000 };
    const whole = { ...policy, lineServed: 0 };
    // 520 points spent (5% of the 10,400 from which the whole line holds): held to the floor, half
    // of the line's 4,333, so 1,167 ahead of it, more than the 87 it needs this close to the reset.
    expect(servedWait(behind, job(520), now, () => 0, policy)).toBeUndefined();
    expect(servedWait(behind, job(520), now, () => 0, whole)).toBeGreaterThan(0);
    // 10,400 spent and more: the whole line holds it.
    expect(servedWait(behind, job(10_400), now, () => 0, policy)).toBe(servedWait(behind, job(10_400), now, () => 0, whole));
  });

  it('lets 20 exports that start together and fit in the hour run at once, finishing close together (8 seeds)', () => {
    // 20 × 1,000 pages is 40,000 points, inside the hour's usable 52,000. Under the whole line the
    // last batches went one by one, 70 s of the line's pace each: 2,802 s, slowest/fastest 2.77.
    const jobs = Array.from({ length: 20 }, (_, i): SimJob => ({ site: i, pages: 1_000, startAt: 0 }));
    for (const seed of [12345, 1, 2, 3, 4, 5, 6, 7]) {
      const r = simulate(jobs, { ...TIER1, seed, backgroundPerSecond: 1 }, PACING);
      expect(r.pagesDone).toEqual(jobs.map((j) => j.pages));
      expect(r.makespan).toBeLessThan(60);
      expect(Math.max(...r.seconds) / Math.min(...r.seconds)).toBeLessThanOrEqual(1.5);
      expect(r.backgroundRefused).toBe(0);
    }
    expect(simulate(jobs, TIER1, { ...PACING, lineServed: 0 }).makespan).toBeGreaterThan(1_000);
  });

  it('releases a new window over its first quarter while others spend: a newcomer goes at the reset, a served job later', () => {
    // The hour just reset (10:00): the whole quota is there, and others spent in this window too.
    const fresh = at({ remaining: 65_000, resetAt: reset + HOUR, at: reset });
    const served = job(10_400); // a fifth of the usable 52,000: held to the whole release
    served.win = { reset: reset + HOUR, own: 0, others: true };
    served.othersBefore = true; // and in the window before: jobs woke for this reset
    const newcomer = job(0);
    newcomer.win = { reset: reset + HOUR, own: 0, others: true };
    newcomer.othersBefore = true;
    expect(servedWait(fresh, newcomer, reset, () => 0, policy)).toBeUndefined();
    const wait = servedWait(fresh, served, reset, () => 0, policy) ?? 0;
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(policy.rampShare * 3600);
    // Without the release it would have gone at once: whoever woke first took the window's start.
    expect(servedWait(fresh, served, reset, () => 0, { ...policy, rampShare: 0 })).toBeUndefined();
    // Half-way through the release, a job that has had half as much goes.
    const later = reset + (policy.rampShare * HOUR) / 2;
    const half = job(5_200);
    half.win = { reset: reset + HOUR, own: 0, others: true };
    half.othersBefore = true;
    expect(servedWait({ ...fresh, at: later }, half, later, () => 0, policy)).toBeUndefined();
    // Jobs that all started in this window are not held to it: together, they may fit in it.
    expect(servedWait(fresh, { ...served, othersBefore: false }, reset, () => 0, policy)).toBeUndefined();
  });

  it('holds a job at a reset for others seen only in the last window no longer than they count', () => {
    const fresh = at({ remaining: 65_000, resetAt: reset + HOUR, at: reset });
    const r = job(10_400);
    r.win = { reset: reset + HOUR, own: 0 };
    r.othersBefore = true;
    expect(servedWait(fresh, r, reset, () => 0, policy)).toBe(Math.ceil(policy.othersShare * 3600));
  });

  it('asks nothing more of a job that sees no one else: alone, it runs at its own speed', () => {
    expect(servedWait(busy, job(10_000, false), now, () => 0, policy)).toBeUndefined();
  });

  it('holds back less as the reset nears, when what is left would be lost unspent', () => {
    const late = now + 9 * 60_000; // a minute before the reset: 167 needed (10,000 unfaded), 4,900 ahead of the line
    expect(servedWait({ ...busy, at: late }, job(10_000), late, () => 0, policy)).toBeUndefined();
  });

  it('counts others by the points the window lost beyond its own answers: a lone job and the panels\' calls are not others', () => {
    let t = now - 600_000;
    let own = 0;
    let resetAt = reset;
    let state = at({ at: t, remaining: 40_000, resetAt, ownPoints: own });
    const pace = pacer(() => state, { now: () => t, random: () => 0 }, policy);
    const ckpt: { rate?: JobRate } = {};
    /** A batch of 500 points of its own, and what else the budget lost meanwhile. */
    const batch = (othersPoints: number) => {
      t += 3000;
      own += 500;
      state = at({ at: t, remaining: (state.remaining ?? 0) - 500 - othersPoints, resetAt, ownPoints: own });
      return pace(ckpt, 1);
    };
    expect(pace(ckpt, 0)).toBeUndefined();
    // What the window lost before the job's first look (25,000) is others'; at 50 minutes into the
    // hour that is 8.3 points a second, over the 7.2 (half the usable rate) that counts as others.
    expect(ckpt.rate?.win?.others).toBe(true);
    // A new window: alone in it, with a panel's 4 points a batch, the job is alone (after the first
    // share of the window, in which the last window's others may still be waking).
    t = reset + 200_000;
    resetAt = reset + HOUR;
    state = at({ at: t, remaining: 65_000, resetAt, ownPoints: own });
    expect(pace(ckpt, 0)).toBeUndefined();
    expect(ckpt.rate?.win).toEqual({ reset: reset + HOUR, own: 0, others: false });
    expect(ckpt.rate?.othersBefore).toBe(true);
    for (let i = 0; i < 4; i++) expect(batch(4)).toBeUndefined();
    expect(ckpt.rate?.win?.others).toBe(false);
    expect(ckpt.rate?.spent).toBe(2_000);
    // Another job's 3,000 points: 14 points a second over the window's 215 s, others spend too.
    batch(3_000);
    expect(ckpt.rate?.win?.others).toBe(true);
    expect(ckpt.rate?.win?.own).toBe(2_500);
  });

  it('reads the budget with a cheap request before a new invocation spends a batch on what the last one heard', () => {
    const heard = at({ remaining: 30_000, resetAt: reset });
    let state: RateLimitState | undefined;
    const pace = pacer(() => state, { now: () => now, random: () => 0 }, policy);
    const ckpt = { rate: { credit: 1, at: now, heard, spent: 1_500 } as JobRate };
    expect(pace(ckpt, 0)).toBe('probe');
    // The read's answer: the budget is at the reserve now, so the job waits for the reset.
    state = at({ remaining: 12_000, resetAt: reset });
    expect(pace(ckpt, 0)).toBe(600);
    // What an earlier window heard says nothing about this one: no read, the batch goes.
    state = undefined;
    const old = { rate: { credit: 1, at: now, heard: { ...heard, at: now - HOUR, resetAt: now - 1 }, spent: 1_500 } as JobRate };
    expect(pace(old, 0)).toBeUndefined();
  });

  it('leaves a lone export at its own speed while panels call, and keeps their reserve when 20 jobs share the budget', () => {
    // A panel call a second somewhere in the app (2 points each): counted as requests, it made a
    // lone 10,000-page export yield to it (AIMD: 2,557 s; one every 5 s: 333 s).
    const panels = { ...TIER1, backgroundPerSecond: 1 };
    const lone: SimJob[] = [{ site: 0, pages: 10_000, startAt: 0 }];
    const flat = simulate(lone, panels, { ...PACING, enabled: false }).makespan;
    expect(simulate(lone, panels, PACING).makespan / flat).toBeLessThanOrEqual(1.25);
    expect(simulate(lone, panels, { ...PACING, las: false }).makespan / flat).toBeGreaterThan(10);
    // A panel call a second while 20 sites export: none refused (without the read before a blind
    // batch, 40 to 73 were).
    const jobs = Array.from({ length: 20 }, (_, i): SimJob => ({ site: i, pages: 10_000, startAt: i * 60 }));
    const busy = simulate(jobs, { ...TIER1, backgroundPerSecond: 1 }, PACING);
    expect(busy.backgroundRefused).toBe(0);
    expect(busy.pagesDone).toEqual(jobs.map((j) => j.pages));
    expect(busy.probes).toBeGreaterThan(0);
  });

  it('makes 20 equal exports started within seconds finish close together, whoever started first (8 seeds)', () => {
    const jobs = Array.from({ length: 20 }, (_, i): SimJob => ({ site: i, pages: 10_000, startAt: i * 5 }));
    const ideal = (20 * 10_000 * TIER1.pointsPerPage) / ((TIER1.quota * (1 - PACING.reserveFraction)) / TIER1.windowSeconds);
    const over = (policy: PacePolicy) => {
      const spreads: number[] = [];
      let makespan = 0;
      for (const seed of [12345, 1, 2, 3, 4, 5, 6, 7]) {
        const r = simulate(jobs, { ...TIER1, seed }, policy);
        expect(r.pagesDone).toEqual(jobs.map((j) => j.pages));
        spreads.push(Math.max(...r.seconds) / Math.min(...r.seconds));
        makespan = Math.max(makespan, r.makespan / ideal);
      }
      spreads.sort((a, b) => a - b);
      return { median: spreads[4] ?? 0, worst: spreads[7] ?? 0, makespan };
    };
    const las = over(PACING);
    expect(las.median).toBeLessThanOrEqual(1.5);
    expect(las.worst).toBeLessThan(1.6);
    expect(las.makespan).toBeLessThanOrEqual(1.3);
    // The rates of AIMD, on the same starts: whoever found the budget idle finished hours earlier.
    expect(over({ ...PACING, las: false }).median).toBeGreaterThan(3);
  });
});

describe('a hold as the state a new run starts from', () => {
  const store = () => {
    const m = new Map<string, unknown>();
    return { get: async <T>(k: string) => m.get(k) as T | undefined, set: async (k: string, v: unknown) => void m.set(k, v) };
  };

  it('stops a brand-new job\'s first batch at the reserve another run heard, until the reset only', async () => {
    const kv = store();
    await recordHold(kv, at({ nearLimit: true, remaining: 100, resetAt: reset }), now, policy);
    const held = await heldState(kv, now);
    expect(pacer(() => held, { now: () => now, random: () => 0 }, policy)({}, 0)).toBe(600);
    expect(await heldState(kv, reset + 1)).toBeUndefined();
    expect(await heldState(store(), now)).toBeUndefined();
  });
});
