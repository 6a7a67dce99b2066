/**
 * The platform limits the sandbox enforces, each at its documented edge (sandbox/forge/limits.ts
 * cites the docs): invoke payload 500 KB and response 5 MB, resolver time 25 s, consumer time the
 * manifest's timeoutSeconds (55 s default, 900 s at most), KVS key pattern. Time limits are tested
 * with small budgets so the suite stays fast; the defaults are checked as values.
 */
import { kvs, ForgeKvsAPIError } from '@forge/kvs';
import { Queue } from '@forge/events';
import { SEED } from '../../sandbox/confluence/seed';
import { invokeResolver } from '../../sandbox/forge/invoke';
import { KEY_PATTERN } from '../../sandbox/forge/kvs';
import {
  CONSUMER_DEFAULT_TIMEOUT_S,
  consumerTimeoutMs,
  INVOKE_PAYLOAD_MAX_BYTES,
  INVOKE_RESPONSE_MAX_BYTES,
  jsonBytes,
  PlatformLimitError,
  RESOLVER_TIMEOUT_MS,
} from '../../sandbox/forge/limits';
import { readManifest, startSandbox, type Sandbox } from '../../sandbox/harness';
import { deadlineWithin } from '../../src/resolvers/limits';

const { alice } = SEED.users;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(async () => {
  await sb.close();
});

async function rejection(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

/** A resolver handler that answers `answer` after `delayMs`, called the way @forge/resolver is. */
const handler = (answer: unknown, delayMs = 0) => async () => {
  if (delayMs) await sleep(delayMs);
  return answer;
};

/** A string whose JSON form is exactly `bytes` bytes. */
const jsonOf = (bytes: number) => 'x'.repeat(bytes - 2);

describe('invoke sizes (limits-invocation: 500KB request, 5MB response)', () => {
  it('takes a payload of exactly 500,000 bytes and refuses one byte more, before the function runs', async () => {
    let ran = 0;
    const count = async () => (ran += 1, 'ok');
    expect(jsonBytes(jsonOf(INVOKE_PAYLOAD_MAX_BYTES))).toBe(500_000);
    await expect(invokeResolver(sb.platform, count, { key: 'k', accountId: alice, payload: jsonOf(500_000) })).resolves.toBe('ok');
    const e = await rejection(() => invokeResolver(sb.platform, count, { key: 'k', accountId: alice, payload: jsonOf(500_001) }));
    expect(e).toBeInstanceOf(PlatformLimitError);
    expect((e as PlatformLimitError).limit).toBe('INVOKE_PAYLOAD_TOO_LARGE');
    expect(ran).toBe(1);
  });

  it('returns a response of exactly 5,000,000 bytes and refuses one byte more', async () => {
    // {"text":"…"} adds 9 bytes around the string.
    expect(INVOKE_RESPONSE_MAX_BYTES).toBe(5_000_000);
    const fits = await invokeResolver(sb.platform, handler({ text: jsonOf(5_000_000 - 9) }), { key: 'k', accountId: alice });
    expect(jsonBytes(fits)).toBe(5_000_000);
    const e = await rejection(() => invokeResolver(sb.platform, handler({ text: jsonOf(5_000_001 - 9) }), { key: 'k', accountId: alice }));
    expect((e as PlatformLimitError).limit).toBe('INVOKE_RESPONSE_TOO_LARGE');
  });

  it('counts UTF-8 bytes and JSON escaping, not characters', async () => {
    // 1.7 M "é" is 1.7 M characters but 3.4 MB; 1.7 M quotes become 3.4 MB escaped: 6.8 MB in all.
    const e = await rejection(() => invokeResolver(sb.platform, handler({ a: 'é'.repeat(1_700_000), b: '"'.repeat(1_700_000) }), { key: 'k', accountId: alice }));
    expect((e as PlatformLimitError).limit).toBe('INVOKE_RESPONSE_TOO_LARGE');
  });
});

describe('time (limits-invocation: 25 s for resolvers and triggers, timeoutSeconds for consumers)', () => {
  it('gives resolvers 25 s by default', () => {
    expect(RESOLVER_TIMEOUT_MS).toBe(25_000);
    expect(sb.platform.resolverBudgetMs).toBe(25_000);
  });

  it('stops a resolver that outlives its budget, and lets one inside it answer', async () => {
    const before = sb.platform.resolverBudgetMs;
    sb.platform.resolverBudgetMs = 150;
    try {
      await expect(invokeResolver(sb.platform, handler('in time', 20), { key: 'k', accountId: alice })).resolves.toBe('in time');
      const e = await rejection(() => invokeResolver(sb.platform, handler('late', 400), { key: 'slow', accountId: alice }));
      expect((e as PlatformLimitError).limit).toBe('TIMEOUT');
      expect((e as Error).message).toContain('resolver slow');
    } finally {
      sb.platform.resolverBudgetMs = before;
    }
  });

  it('gives each consumer its manifest timeoutSeconds, 55 s when absent, and refuses more than 900', () => {
    const manifest = readManifest();
    for (const c of manifest.modules?.consumer ?? []) {
      const fn = manifest.modules?.function?.find((f) => f.key === c.function) as { timeoutSeconds?: number } | undefined;
      expect(sb.platform.consumerBudget(c.queue)).toBe((fn?.timeoutSeconds ?? CONSUMER_DEFAULT_TIMEOUT_S) * 1000);
    }
    expect(sb.platform.consumerBudget('tree-export')).toBe(900_000);
    expect(sb.platform.consumerBudget('autoexport')).toBe(120_000);
    expect(consumerTimeoutMs(undefined, 'f')).toBe(55_000);
    expect(consumerTimeoutMs(900, 'f')).toBe(900_000);
    expect(() => consumerTimeoutMs(901, 'f')).toThrow(/Forge allows 1 to 900/);
  });

  it('stops a consumer that outlives its budget; the run is recorded as failed', async () => {
    const seen: number[] = [];
    sb.platform.registerConsumer('edge-queue', async (event) => {
      seen.push(Number(event.body.ms));
      await sleep(Number(event.body.ms));
      return undefined;
    }, 150);
    const queue = new Queue({ key: 'edge-queue' });
    const inTime = await queue.push({ body: { ms: 20 } });
    await sb.platform.drain();
    const late = await queue.push({ body: { ms: 400 } });
    await sb.platform.drain();
    const runs = sb.platform.consumerRuns.filter((r) => r.queueName === 'edge-queue');
    expect(runs.find((r) => r.jobId === inTime.jobId)?.error).toBeUndefined();
    expect(runs.find((r) => r.jobId === late.jobId)?.error).toMatch(/consumer of edge-queue ran longer than its 150 ms limit/);
    expect(seen).toEqual([20, 400]);
    await sleep(300); // let the abandoned run finish before the sandbox closes
  });
});

describe('KVS keys (limits-kvs-ce: regex and 500 characters)', () => {
  it('accepts the documented characters and refuses others, such as "/"', async () => {
    for (const key of ['tree-export:1b2c:nodes#0', 'a.b_c d', 'x'.repeat(500)]) {
      expect(KEY_PATTERN.test(key)).toBe(true);
      await kvs.set(key, 1);
    }
    for (const key of ['a/b', 'café', '   ']) {
      const e = await rejection(() => kvs.set(key, 1));
      expect(e).toBeInstanceOf(ForgeKvsAPIError);
      expect((e as ForgeKvsAPIError).code).toBe('INVALID_KEY');
    }
  });
});

describe('the app plans its work inside the time the platform gives it', () => {
  it('caps a work budget by the invocation\'s remaining time, keeping a share to answer', async () => {
    const plan = (budgetMs?: number) =>
      sb.platform.run({ moduleKey: 'm', ...(budgetMs ? { budgetMs } : {}) }, async () => {
        const now = Date.now();
        return deadlineWithin(18_000, 0.3, now) - now;
      });
    // 25 s: 70 % of it is 17.5 s, below the 18 s the walk would like.
    expect(await plan()).toBeGreaterThan(17_400);
    expect(await plan()).toBeLessThanOrEqual(17_500);
    // A 1 s invocation: at most 700 ms of work, never the fixed 18 s that would be stopped.
    expect(await plan(1000)).toBeGreaterThan(600);
    expect(await plan(1000)).toBeLessThanOrEqual(700);
    // Outside Forge (no remaining time): the budget as given.
    const now = Date.now();
    expect(deadlineWithin(18_000, 0.3, now) - now).toBe(18_000);
  });
});
