/**
 * The rate-limit state of Confluence's answers (src/confluence/rate-limit.ts): header parsing, and
 * the client recording it from every answer, retried 429s included, through the real @forge/api
 * against the sandbox's points meter.
 */
import { createClient } from '../../src/confluence/client';
import { readRateLimit, RateMeter, type RateLimitState } from '../../src/confluence/rate-limit';
import type { RetryDeps } from '../../src/confluence/retry';
import { decide, pacer } from '../../src/jobs/pacing';
import { PointsBudget } from '../../sandbox/confluence/points';
import { SEED } from '../../sandbox/confluence/seed';
import { startConfluence, type ConfluenceSandbox } from '../../sandbox/confluence/server';
import { installForgePlatform, type ForgePlatform } from '../../sandbox/forge/platform';

const now = Date.UTC(2026, 10, 25, 16, 24, 52);
const h = (o: Record<string, string>) => new Headers(o);

describe('readRateLimit', () => {
  it('reads X-RateLimit-Limit/Remaining as the per-second burst, never as the hourly quota', () => {
    expect(readRateLimit(h({ 'X-RateLimit-Limit': '350', 'X-RateLimit-Remaining': '60', 'X-RateLimit-NearLimit': 'true' }), 200, now)).toEqual({
      at: now, status: 200, burstLimit: 350, burstRemaining: 60, nearLimit: true,
    });
  });

  it('takes the quota from Beta-RateLimit(-Policy), the burst from X-RateLimit-*', () => {
    // The headers of a real answer, as posted on the developer community (March 2026).
    const s = readRateLimit(h({
      'Beta-Ratelimit-Policy': '"tenant-app-quota";q=100100;w=3600',
      'Beta-Ratelimit': '"tenant-app-quota";r=17842;t=2107',
      'X-Beta-Ratelimit-Nearlimit': 'true',
      'X-Ratelimit-Limit': '350',
      'X-Ratelimit-Remaining': '349',
    }), 200, now);
    expect(s).toEqual({ at: now, status: 200, limit: 100_100, remaining: 17_842, burstLimit: 350, burstRemaining: 349, nearLimit: true, resetAt: now + 2_107_000, windowSeconds: 3600 });
    // The names once enforced, without the Beta- prefix.
    expect(readRateLimit(h({ 'RateLimit-Policy': '"q";q=65000;w=3600', RateLimit: '"q";r=1000;t=60' }), 200, now)).toMatchObject({ limit: 65_000, remaining: 1000, resetAt: now + 60_000 });
  });

  it('an answer with only burst headers does not park background work; a spent quota does', () => {
    const burstOnly = readRateLimit(h({ 'X-Ratelimit-Limit': '350', 'X-Ratelimit-Remaining': '60' }), 200, now);
    expect(decide(burstOnly, { batches: 0, now, random: () => 0 })).toEqual({ go: true });
    // Recorded once the quota was spent: no policy header, r=0, a burst of 400, a reset already past.
    const spent = readRateLimit(h({
      'Beta-Ratelimit': '"tenant-app-quota";r=0;t=2788',
      'X-Beta-Ratelimit-Reset': '2026-11-25T16:00Z',
      'X-Ratelimit-Limit': '400',
      'X-Ratelimit-Remaining': '399',
    }), 200, now);
    expect(spent).toEqual({ at: now, status: 200, remaining: 0, burstLimit: 400, burstRemaining: 399, nearLimit: false, resetAt: now + 2_788_000 });
    expect(decide(spent, { batches: 0, now, random: () => 0 })).toMatchObject({ go: false, reason: 'reserve', until: now + 2_788_000 });
  });

  it('on a 429, waits for the latest of Retry-After (seconds or a date) and X-RateLimit-Reset', () => {
    expect(readRateLimit(h({ 'Retry-After': '30', 'X-RateLimit-Reset': '2026-11-25T17:00Z' }), 429, now)?.resetAt).toBe(Date.UTC(2026, 10, 25, 17, 0));
    expect(readRateLimit(h({ 'Retry-After': new Date(now + 90_000).toUTCString() }), 429, now)?.resetAt).toBe(now + 90_000);
    // A reset already past (seen on real answers) is ignored.
    expect(readRateLimit(h({ 'X-RateLimit-Reset': '2026-11-25T16:00Z' }), 429, now)).toEqual({ at: now, status: 429, nearLimit: false });
  });

  it('returns nothing for an answer without rate-limit headers, and ignores garbage', () => {
    expect(readRateLimit(h({ 'content-type': 'application/json' }), 200, now)).toBeUndefined();
    expect(readRateLimit(h({ 'X-RateLimit-Remaining': 'lots', 'Beta-RateLimit': 'nonsense;r=;t=x' }), 200, now)).toBeUndefined();
  });
});

describe('the client records the state of every answer', () => {
  let sb: ConfluenceSandbox;
  let platform: ForgePlatform;
  let budget: PointsBudget;
  let clock = now;
  beforeAll(async () => {
    budget = new PointsBudget({ limit: 50, now: () => clock });
    sb = await startConfluence({ points: budget });
    platform = installForgePlatform({ confluenceUrl: sb.url });
  });
  afterAll(async () => {
    await sb.close();
  });

  it('from each answer, and from a 429 it then waits out', async () => {
    const seen: RateLimitState[] = [];
    const meter = new RateMeter();
    // The retry's sleep moves the meter's clock: the 429's wait ends the window.
    const deps: RetryDeps = { now: () => clock, random: () => 0.5, sleep: async (ms) => void (clock += ms) };
    const client = createClient('app', { retryDeps: deps, retry: { maxAttempts: 3, budgetMs: 3_600_000, baseMs: 1, capMs: 1 }, onRateLimit: (s) => (seen.push(s), meter.record(s)) });
    await platform.run({ moduleKey: 'test' }, () => client.getPage(SEED.pages.home));
    expect(seen).toHaveLength(1);
    // The quota from Beta-RateLimit(-Policy), the per-second burst from X-RateLimit-*, on every answer.
    expect(seen[0]).toMatchObject({ status: 200, limit: 50, remaining: 48, burstLimit: 350, nearLimit: false, windowSeconds: 3600, resetAt: Date.UTC(2026, 10, 25, 17, 0) });
    expect(seen[0]?.burstRemaining).toBeLessThan(350);
    budget.charge(48); // other sites spend the rest
    seen.length = 0;
    await platform.run({ moduleKey: 'test' }, () => client.getPage(SEED.pages.home));
    expect(seen.map((s) => s.status)).toEqual([429, 200]);
    expect(seen[0]).toMatchObject({ remaining: 0, nearLimit: true, resetAt: Date.UTC(2026, 10, 25, 17, 0) });
    // Spent: the policy header is gone, so the refusal reports no quota size.
    expect(seen[0]?.limit).toBeUndefined();
    // The second answer is in the next window: a fresh budget, and the meter keeps the latest.
    expect(meter.last).toMatchObject({ status: 200, remaining: 48 });
  });
});

describe("pacing on the sandbox's default headers", () => {
  let sb: ConfluenceSandbox;
  let platform: ForgePlatform;
  let clock = now;
  beforeAll(async () => {
    // The default Tier 1 quota: a few requests leave it far from spent, while the burst headers
    // (per second) are on every answer.
    sb = await startConfluence({ points: new PointsBudget({ now: () => clock }) });
    platform = installForgePlatform({ confluenceUrl: sb.url });
  });
  afterAll(async () => {
    await sb.close();
  });

  it('goes on when the quota is far from spent, and waits for the reset once the answer that spends it comes', async () => {
    const meter = new RateMeter();
    const client = createClient('app', { onRateLimit: meter.record, retryDeps: { now: () => clock, random: () => 0, sleep: async () => {} } });
    const go = pacer(() => meter.last, { now: () => clock, random: () => 0 });
    await platform.run({ moduleKey: 'test' }, () => client.getPage(SEED.pages.home));
    expect(meter.last?.burstLimit).toBe(350);
    expect(go({}, 0)).toBeUndefined();
    sb.points.charge(65_000); // other sites spend the rest of the hour
    clock += 1000;
    await platform.run({ moduleKey: 'test' }, () => client.getPage(SEED.pages.home).catch(() => undefined));
    expect(meter.last).toMatchObject({ status: 429, remaining: 0 });
    expect(meter.last?.limit).toBeUndefined();
    const ckpt = {};
    expect(go(ckpt, 0)).toBeGreaterThan(0);
  });
});


describe("the client's count of what its answers cost", () => {
  it("matches the points Confluence's meter charged, so a job tells its own spending from others'", async () => {
    const budget = new PointsBudget({ now: () => now });
    const sb = await startConfluence({ points: budget });
    const platform = installForgePlatform({ confluenceUrl: sb.url });
    try {
      const meter = new RateMeter();
      const client = createClient('app', { onRateLimit: meter.record, onCost: meter.cost });
      await platform.run({ moduleKey: 'test' }, async () => {
        await client.getPage(SEED.pages.home, { bodyFormat: 'atlas_doc_format' });
        // A listing of several objects, then a bulk fetch: 1 per request plus 1 per object.
        const ids: string[] = [];
        for await (const d of client.descendants(SEED.pages.home)) ids.push(d.id);
        expect(ids.length).toBeGreaterThan(2);
        for await (const p of client.pagesByIds(ids)) expect(p.id).toBeDefined();
        // A miss costs the base point only.
        await client.getPage('999999999').catch(() => undefined);
      });
      expect(meter.last?.ownPoints).toBe(budget.total);
      expect(budget.total).toBeGreaterThan(2 * 3);
    } finally {
      await sb.close();
    }
  });
});
