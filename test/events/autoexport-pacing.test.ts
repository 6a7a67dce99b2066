/**
 * The auto-export consumer spares the app-wide points budget (src/jobs/pacing.ts): a run whose
 * answers say the budget is nearly spent records a hold until the reset, and later jobs are handed
 * back to the platform (InvocationError) until then, running anyway on their last retry.
 */
import { PointsBudget } from '../../sandbox/confluence/points';
import { SEED } from '../../sandbox/confluence/seed';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { HOLD_KEY } from '../../src/jobs/pacing';
import type { AutoExportView } from '../../src/shared/activity';
import type { Envelope } from '../../src/shared/envelope';
import { forgeKv } from '../../src/storage/kv';

const { alice } = SEED.users;
const guide = { id: SEED.pages.guide, type: 'page' as const };
const enable = { enabled: true, format: 'md', frontMatter: true, comments: false };
/** 10:45 on the meter's clock: the hourly window resets in 15 minutes. */
const clock = Date.UTC(2026, 10, 25, 10, 45);

let sb: Sandbox;
let budget: PointsBudget;
let warn: jest.SpyInstance;
beforeEach(async () => {
  warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  budget = new PointsBudget({ limit: 1000, now: () => clock });
  sb = await startSandbox({ points: budget });
});
afterEach(async () => {
  warn.mockRestore();
  await sb.close();
});

const hold = () => sb.platform.run({ moduleKey: 'test' }, () => forgeKv.get<{ until: number }>(HOLD_KEY));
const copy = () => sb.confluence.site.attachmentsOf(guide.id).find((a) => a.title === 'User Guide.md');

describe('auto-export and the points budget', () => {
  it('records a hold until the reset when its answers say the budget is nearly spent', async () => {
    budget.charge(850); // other sites: 15% left
    const t0 = Date.now();
    expect((await sb.invoke<Envelope<AutoExportView>>('autoexport/set', { accountId: alice, content: guide, payload: enable })).ok).toBe(true);
    await sb.platform.drain();
    expect(copy()).toBeDefined();
    // The reset is 15 minutes away on the meter's clock, told by Beta-RateLimit's `t`.
    const until = (await hold())?.until ?? 0;
    expect(until - t0).toBeGreaterThanOrEqual(15 * 60_000 - 1000);
    expect(until - Date.now()).toBeLessThanOrEqual(15 * 60_000 + 1000);
  });

  it('records nothing with the budget mostly left', async () => {
    await sb.invoke('autoexport/set', { accountId: alice, content: guide, payload: enable });
    await sb.platform.drain();
    expect(copy()).toBeDefined();
    expect(await hold()).toBeUndefined();
  });

  it('defers jobs while the hold lasts and runs them on the last platform retry', async () => {
    await sb.platform.run({ moduleKey: 'test' }, () => forgeKv.set(HOLD_KEY, { until: Date.now() + 30 * 60_000 }));
    sb.platform.manualDelivery = true;
    await sb.invoke('autoexport/set', { accountId: alice, content: guide, payload: enable });
    sb.confluence.resetRequests();
    await sb.platform.drain();
    const runs = sb.platform.consumerRuns.filter((r) => r.queueName === 'autoexport');
    // Four deferrals, each asking for the queue's longest wait (the hold lasts 30 minutes)…
    expect(runs.slice(0, 4).map((r) => (r.result as { retryOptions?: unknown } | undefined)?.retryOptions)).toEqual(
      Array.from({ length: 4 }, () => ({ retryAfter: 900, retryReason: 'FUNCTION_UPSTREAM_RATE_LIMITED' })),
    );
    // …then the last retry runs it rather than drop the copy.
    expect(runs).toHaveLength(5);
    expect(copy()).toBeDefined();
    expect(sb.confluence.requests.length).toBeGreaterThan(0);
  });
});
