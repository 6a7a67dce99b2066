// Points metering of the local Confluence (sandbox/confluence/points.ts): per-object costs by kind,
// writes at the base cost, the shared hourly budget and its 429 answers, over real HTTP.
import { startConfluence, type ConfluenceSandbox } from '../../sandbox/confluence/server';
import { seedSite, SEED } from '../../sandbox/confluence/seed';
import { appBudget, costOf, OBJECT_COST, PointsBudget, TIER1_POINTS_PER_HOUR } from '../../sandbox/confluence/points';
import { call, type ListBody } from './helpers';

const P = SEED.pages;

describe('costOf', () => {
  it('charges the base plus one content object for a single GET, and the base for an error', () => {
    expect(costOf({ method: 'GET', pathname: '/wiki/api/v2/pages/1', status: 200, json: { id: '1' } })).toBe(1 + OBJECT_COST.content);
    expect(costOf({ method: 'GET', pathname: '/wiki/api/v2/pages/1', status: 404, json: { errors: [] } })).toBe(1);
  });

  it('charges each object of a list, by kind', () => {
    const results = (n: number): unknown => ({ results: Array.from({ length: n }, (_, i) => ({ id: String(i) })) });
    expect(costOf({ method: 'GET', pathname: '/wiki/api/v2/pages', status: 200, json: results(250) })).toBe(1 + 250 * OBJECT_COST.content);
    expect(costOf({ method: 'GET', pathname: '/wiki/api/v2/pages', status: 200, json: results(0) })).toBe(1);
    expect(costOf({ method: 'POST', pathname: '/wiki/api/v2/users-bulk', status: 200, json: results(3) })).toBe(1 + 3 * OBJECT_COST.identity);
  });

  it('charges writes the base only, whatever they return', () => {
    expect(costOf({ method: 'PUT', pathname: '/wiki/api/v2/pages/1', status: 200, json: { id: '1' } })).toBe(1);
    expect(costOf({ method: 'POST', pathname: '/wiki/rest/api/content/1/child/attachment', status: 200, json: { results: [{}, {}] } })).toBe(1);
  });
});

describe('PointsBudget', () => {
  it('defaults to Tier 1: 65,000 points an hour', () => {
    const b = new PointsBudget();
    expect([b.limit, b.windowMs]).toEqual([TIER1_POINTS_PER_HOUR, 3_600_000]);
  });

  it('refuses once spent, with Retry-After to the end of the window, and starts afresh in the next one', () => {
    let now = Date.UTC(2026, 10, 25, 14, 59, 30); // 30 s before the hour
    const b = new PointsBudget({ limit: 10, now: () => now });
    expect(b.check().refuse).toBe(false);
    expect(b.charge(7)).toEqual({
      // The quota as real answers were observed to carry it, only in the structured fields (the
      // X-RateLimit-* pair is the per-second burst, server.ts): 30 s to the hour.
      'beta-ratelimit-policy': '"global-app-quota";q=10;w=3600', 'beta-ratelimit': '"global-app-quota";r=3;t=30',
    });
    expect(b.charge(2)).toEqual({ 'x-ratelimit-nearlimit': 'true', 'beta-ratelimit-policy': '"global-app-quota";q=10;w=3600', 'beta-ratelimit': '"global-app-quota";r=1;t=30' });
    expect(b.check().refuse).toBe(false);
    // The request that crosses the line is served and charged in full; its answer, like every one
    // after it, has no policy header (recorded once the quota was spent).
    expect(b.charge(5)).toEqual({ 'x-ratelimit-nearlimit': 'true', 'beta-ratelimit': '"global-app-quota";r=0;t=30' });
    expect(b.spent()).toBe(14);
    const v = b.check();
    expect(v.refuse).toBe(true);
    expect(v.headers).toEqual({
      'retry-after': '30', 'x-ratelimit-reset': '2026-11-25T15:00Z', 'beta-ratelimit': '"global-app-quota";r=0;t=30',
      'x-ratelimit-nearlimit': 'true', 'ratelimit-reason': 'confluence-quota-global-based',
    });
    now += 29_000;
    expect(b.check().headers['retry-after']).toBe('1');
    now += 1_000; // 15:00:00, a new window
    expect(b.check().refuse).toBe(false);
    expect(b.spent()).toBe(0);
    expect(b.total).toBe(14);
  });

  it('gives Reset to the second when a benchmark runs an "hour" in seconds', () => {
    const now = Date.UTC(2026, 10, 25, 14, 0, 3, 500);
    const b = new PointsBudget({ limit: 5, windowMs: 10_000, now: () => now });
    b.charge(5);
    expect(b.check().headers).toMatchObject({ 'retry-after': '7', 'x-ratelimit-reset': '2026-11-25T14:00:10Z' });
    expect(b.charge(0)).toEqual({ 'x-ratelimit-nearlimit': 'true', 'beta-ratelimit': '"global-app-quota";r=0;t=7' });
  });

  it('meters without refusing when the limit is null', () => {
    const b = new PointsBudget({ limit: null });
    b.charge(1e9);
    expect(b.check()).toEqual({ refuse: false, headers: {} });
    expect(b.total).toBe(1e9);
  });
});

describe('the sandbox charges points', () => {
  let sb: ConfluenceSandbox;
  let budget: PointsBudget;
  beforeEach(async () => {
    budget = new PointsBudget({ limit: 40 });
    sb = await startConfluence({ points: budget });
  });
  afterEach(async () => { await sb.close(); });

  it('records each request\'s points: a listing pays per page returned, a write the base', async () => {
    const list = await call<ListBody>(sb, `/wiki/api/v2/pages/${P.home}/direct-children?limit=5`);
    expect(list.status).toBe(200);
    const n = list.json.results.length;
    expect(n).toBeGreaterThan(1);
    const one = await call(sb, `/wiki/api/v2/pages/${P.home}?body-format=storage`);
    const body = one.json as { title: string; version: { number: number } };
    const put = await call(sb, `/wiki/api/v2/pages/${P.home}`, 'app', {
      method: 'PUT', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: P.home, status: 'current', title: body.title, body: { representation: 'storage', value: '<p>x</p>' }, version: { number: body.version.number + 1 } }),
    });
    expect(put.status).toBe(200);
    expect(sb.requests.map((r) => r.points)).toEqual([1 + n, 2, 1]);
    expect(budget.spent()).toBe(n + 4);
    expect(put.headers.get('beta-ratelimit')).toBe(`"global-app-quota";r=${40 - (n + 4)};t=${put.headers.get('beta-ratelimit')?.split('t=')[1]}`);
    // The X-RateLimit-* pair is the per-second burst, on every answer (recorded: 350).
    expect(put.headers.get('x-ratelimit-limit')).toBe('350');
    expect(Number(put.headers.get('x-ratelimit-remaining'))).toBeLessThan(350);
  });

  it('answers 429 with the documented headers once the budget is spent, charging nothing for it', async () => {
    const path = `/wiki/api/v2/pages/${P.home}`;
    let r = await call(sb, path);
    while (r.status === 200) r = await call(sb, path);
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(r.headers.get('x-ratelimit-reset')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\dZ$/);
    expect(r.headers.get('beta-ratelimit')).toMatch(/^"global-app-quota";r=0;t=\d+$/);
    expect(r.headers.get('beta-ratelimit-policy')).toBeNull();
    expect(r.headers.get('x-ratelimit-limit')).toBe('350');
    expect(r.headers.get('ratelimit-reason')).toBe('confluence-quota-global-based');
    expect(sb.requests).toHaveLength(21); // 20 GETs at 2 points, then the refusal
    expect(sb.requests.at(-1)?.points).toBe(0);
    expect(budget.spent()).toBe(40);
  });

  it('shares the process-wide budget between sites by default', async () => {
    const a = await startConfluence({ site: seedSite() });
    const b = await startConfluence({ site: seedSite() });
    try {
      expect(a.points).toBe(appBudget);
      expect(b.points).toBe(appBudget);
      const before = appBudget.spent();
      await call(a, `/wiki/api/v2/pages/${P.home}`);
      await call(b, `/wiki/api/v2/pages/${P.home}`);
      expect(appBudget.spent() - before).toBe(4);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
