/**
 * The rate-limit state of Confluence's answers (src/confluence/rate-limit.ts): header parsing, and
 * the client recording it from every answer, retried 429s included, through the real @forge/api
 * against the sandbox's points meter.
 */
import { createClient } from '../../src/confluence/client';
import { readRateLimit, RateMeter, type RateLimitState } from '../../src/confluence/rate-limit';
import type { RetryDeps } from '../../src/confluence/retry';
import { PointsBudget } from '../../sandbox/confluence/points';
import { SEED } from '../../sandbox/confluence/seed';
import { startConfluence, type ConfluenceSandbox } from '../../sandbox/confluence/server';
import { installForgePlatform, type ForgePlatform } from '../../sandbox/forge/platform';

const now = Date.UTC(2026, 10, 25, 16, 24, 52);
const h = (o: Record<string, string>) => new Headers(o);

describe('readRateLimit', () => {
  it('reads the documented X-RateLimit-* headers of a successful answer', () => {
    expect(readRateLimit(h({ 'X-RateLimit-Limit': '65000', 'X-RateLimit-Remaining': '9000', 'X-RateLimit-NearLimit': 'true' }), 200, now)).toEqual({
      at: now, status: 200, limit: 65_000, remaining: 9000, nearLimit: true,
    });
  });

  it('takes the quota from Beta-RateLimit(-Policy) over X-RateLimit-*, which may be a per-second limit', () => {
    // The headers of a real answer, as posted on the developer community (March 2026).
    const s = readRateLimit(h({
      'Beta-Ratelimit-Policy': '"tenant-app-quota";q=100100;w=3600',
      'Beta-Ratelimit': '"tenant-app-quota";r=17842;t=2107',
      'X-Beta-Ratelimit-Nearlimit': 'true',
      'X-Ratelimit-Limit': '350',
      'X-Ratelimit-Remaining': '349',
    }), 200, now);
    expect(s).toEqual({ at: now, status: 200, limit: 100_100, remaining: 17_842, nearLimit: true, resetAt: now + 2_107_000, windowSeconds: 3600 });
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
    expect(seen[0]).toMatchObject({ status: 200, limit: 50, remaining: 48, nearLimit: false, windowSeconds: 3600, resetAt: Date.UTC(2026, 10, 25, 17, 0) });
    budget.charge(48); // other sites spend the rest
    seen.length = 0;
    await platform.run({ moduleKey: 'test' }, () => client.getPage(SEED.pages.home));
    expect(seen.map((s) => s.status)).toEqual([429, 200]);
    expect(seen[0]).toMatchObject({ remaining: 0, nearLimit: true, resetAt: Date.UTC(2026, 10, 25, 17, 0) });
    // The second answer is in the next window: a fresh budget, and the meter keeps the latest.
    expect(meter.last).toMatchObject({ status: 200, remaining: 48 });
  });
});
