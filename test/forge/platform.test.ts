/**
 * The offline Forge platform, through the REAL @forge/kvs, @forge/events and @forge/api: what the
 * app's code sees must match production closely enough that tests passing here mean something.
 */
import { asApp, asUser, getAppContext, NeedsAuthenticationError, route } from '@forge/api';
import { InternalServerError, InvocationError, InvocationErrorCode, Queue } from '@forge/events';
import { ForgeKvsAPIError, kvs, WhereConditions } from '@forge/kvs';
import { SEED } from '../../sandbox/confluence/seed';
import { startConfluence, type ConfluenceSandbox } from '../../sandbox/confluence/server';
import { installForgePlatform, type ForgePlatform, type QueueEvent } from '../../sandbox/forge/platform';

let sb: ConfluenceSandbox;
let platform: ForgePlatform;

beforeAll(async () => {
  sb = await startConfluence();
  platform = installForgePlatform({ confluenceUrl: sb.url, consumerBudgetMs: 60_000 });
});

afterAll(async () => {
  await platform.drain();
  await sb.close();
});

beforeEach(() => {
  platform.kvs.clear();
  sb.resetRequests();
});

/** Runs `fn` and returns what it threw (fails the test if it did not throw). */
async function thrown(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('@forge/kvs against the sandbox KVS', () => {
  it('sets, gets and deletes', async () => {
    await kvs.set('job:1', { state: 'running', done: 3 });
    expect(await kvs.get('job:1')).toEqual({ state: 'running', done: 3 });
    expect(platform.kvs.peek('job:1')).toEqual({ state: 'running', done: 3 });

    await kvs.set('job:1', { state: 'done', done: 9 });
    expect(await kvs.get('job:1')).toEqual({ state: 'done', done: 9 });

    await kvs.delete('job:1');
    expect(await kvs.get('job:1')).toBeUndefined();
    expect(platform.kvs.keys()).toEqual([]);
  });

  it('stores a copy: changing the object after set does not change the stored value', async () => {
    const value = { list: [1, 2] };
    await kvs.set('copy', value);
    value.list.push(3);
    expect(await kvs.get('copy')).toEqual({ list: [1, 2] });
  });

  it('queries by key prefix, page by page with the cursor', async () => {
    for (const k of ['log:b', 'log:a', 'log:c', 'other:a', 'log', 'logx']) await kvs.set(k, k.toUpperCase());

    const all = await kvs.query().where('key', WhereConditions.beginsWith('log:')).getMany<string>();
    expect(all.results.map((r) => [r.key, r.value])).toEqual([
      ['log:a', 'LOG:A'],
      ['log:b', 'LOG:B'],
      ['log:c', 'LOG:C'],
    ]);
    expect(all.nextCursor).toBeUndefined();

    const first = await kvs.query().where('key', WhereConditions.beginsWith('log:')).limit(2).getMany<string>();
    expect(first.results.map((r) => r.key)).toEqual(['log:a', 'log:b']);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await kvs.query().where('key', WhereConditions.beginsWith('log:')).limit(2).cursor(first.nextCursor!).getMany<string>();
    expect(second.results.map((r) => r.key)).toEqual(['log:c']);
    expect(second.nextCursor).toBeUndefined();
  });

  it('refuses a key longer than 500 characters with a clear error', async () => {
    await kvs.set('k'.repeat(500), 1); // the limit itself is fine
    expect(await kvs.get('k'.repeat(500))).toBe(1);

    const err = await thrown(() => kvs.set('k'.repeat(501), 1));
    expect(err).toBeInstanceOf(ForgeKvsAPIError);
    expect((err as ForgeKvsAPIError).code).toBe('KEY_TOO_LONG');
    expect((err as ForgeKvsAPIError).message).toMatch(/501 characters; the limit is 500/);
    expect(platform.kvs.keys()).toEqual(['k'.repeat(500)]);
  });

  it('refuses a value over 240 KiB with a clear error', async () => {
    // JSON adds two quotes: a string of 240 KiB - 2 characters is exactly at the limit.
    await kvs.set('fits', 'x'.repeat(240 * 1024 - 2));
    const err = await thrown(() => kvs.set('big', 'x'.repeat(240 * 1024 - 1)));
    expect(err).toBeInstanceOf(ForgeKvsAPIError);
    expect((err as ForgeKvsAPIError).code).toBe('VALUE_TOO_LARGE');
    expect((err as ForgeKvsAPIError).responseDetails.status).toBe(413);
    expect((err as ForgeKvsAPIError).message).toContain('the limit is 245760');
    expect(platform.kvs.keys()).toEqual(['fits']);
  });

  it('runs a transaction of 25 operations and refuses 26, writing nothing', async () => {
    await kvs.set('old', 1);
    const ok = kvs.transact();
    for (let i = 0; i < 24; i++) ok.set(`t:${i}`, i);
    ok.delete('old');
    await ok.execute();
    expect(platform.kvs.keys()).toHaveLength(24);
    expect(await kvs.get('old')).toBeUndefined();

    const tooMany = kvs.transact();
    for (let i = 0; i < 26; i++) tooMany.set(`u:${i}`, i);
    const err = await thrown(() => tooMany.execute());
    expect(err).toBeInstanceOf(ForgeKvsAPIError);
    expect((err as ForgeKvsAPIError).code).toBe('TOO_MANY_OPERATIONS');
    expect(platform.kvs.keys().filter((k) => k.startsWith('u:'))).toEqual([]);
  });
});

describe('@forge/events against the sandbox queue', () => {
  afterEach(async () => {
    await platform.drain();
  });

  it('delivers a pushed event to the registered consumer, with no user', async () => {
    const seen: Array<{ event: QueueEvent; accountId: string | undefined; moduleKey: string }> = [];
    platform.registerConsumer('export-queue', async (event) => {
      seen.push({ event, accountId: platform.current()?.accountId, moduleKey: getAppContext().moduleKey });
    });
    const { jobId } = await platform.run({ accountId: SEED.users.alice, moduleKey: 'test' }, () =>
      new Queue({ key: 'export-queue' }).push({ body: { pageId: SEED.pages.rich, format: 'md' } }),
    );
    await platform.drain();

    expect(seen).toHaveLength(1);
    const { event } = seen[0]!;
    expect(event).toEqual({ body: { pageId: SEED.pages.rich, format: 'md' }, jobId, queueName: 'export-queue', eventId: expect.any(String) });
    expect(event.eventId).not.toBe(jobId);
    // A consumer runs as the app, not as the user who pushed.
    expect(seen[0]!.accountId).toBeUndefined();
    expect(seen[0]!.moduleKey).toBe('export-queue');
  });

  it('delivers each event of a batch push under one jobId', async () => {
    const bodies: unknown[] = [];
    const jobs = new Set<string>();
    platform.registerConsumer('batch-queue', async (event) => {
      bodies.push(event.body);
      jobs.add(event.jobId);
    });
    const { jobId } = await new Queue({ key: 'batch-queue' }).push([{ body: { n: 1 } }, { body: { n: 2 } }, { body: { n: 3 } }]);
    await platform.drain();
    expect(bodies).toHaveLength(3);
    expect(bodies).toEqual(expect.arrayContaining([{ n: 1 }, { n: 2 }, { n: 3 }]));
    expect([...jobs]).toEqual([jobId]);
  });

  it('retries an event whose consumer returns an InvocationError, with retryContext', async () => {
    const contexts: Array<QueueEvent['retryContext']> = [];
    const ids = new Set<string>();
    platform.registerConsumer('flaky-queue', async (event) => {
      contexts.push(event.retryContext);
      ids.add(event.eventId);
      if ((event.retryContext?.retryCount ?? 0) < 2) {
        return new InvocationError({ retryAfter: 1, retryReason: InvocationErrorCode.FUNCTION_UPSTREAM_RATE_LIMITED, retryData: { cursor: `c${contexts.length}` } });
      }
      return undefined;
    });
    await new Queue({ key: 'flaky-queue' }).push({ body: { step: 'x' } });
    await platform.drain();

    expect(contexts).toEqual([
      undefined,
      { retryCount: 1, retryReason: 'FUNCTION_UPSTREAM_RATE_LIMITED', retryData: { cursor: 'c1' } },
      { retryCount: 2, retryReason: 'FUNCTION_UPSTREAM_RATE_LIMITED', retryData: { cursor: 'c2' } },
    ]);
    // A retry is the same event delivered again.
    expect(ids.size).toBe(1);
    expect(platform.consumerRuns.filter((r) => r.queueName === 'flaky-queue')).toHaveLength(3);
  });

  it('does not retry a consumer that returns normally or throws', async () => {
    let calls = 0;
    platform.registerConsumer('broken-queue', async () => {
      calls++;
      throw new Error('boom');
    });
    await new Queue({ key: 'broken-queue' }).push({ body: {} });
    await platform.drain();
    expect(calls).toBe(1);
    expect(platform.consumerRuns.filter((r) => r.queueName === 'broken-queue')).toEqual([expect.objectContaining({ error: 'boom' })]);
  });

  it('refuses a push to a queue with no consumer', async () => {
    const err = await thrown(() => new Queue({ key: 'nobody-listens' }).push({ body: {} }));
    // A typo in a queue key fails loudly here instead of losing the event.
    expect(err).toBeInstanceOf(InternalServerError);
    expect((err as Error).message).toContain('No consumer for queue nobody-listens');
  });
});

describe('@forge/api runtime', () => {
  it('counts invocationRemainingTimeInMillis down inside an invocation', async () => {
    const readings = await platform.run({ moduleKey: 'test', budgetMs: 5000 }, async () => {
      const first = getAppContext().invocationRemainingTimeInMillis();
      await new Promise((r) => setTimeout(r, 30));
      const second = getAppContext().invocationRemainingTimeInMillis();
      return { first, second, invocationId: getAppContext().invocationId };
    });
    expect(readings.first).toBeLessThanOrEqual(5000);
    expect(readings.first).toBeGreaterThan(4000);
    expect(readings.first - readings.second).toBeGreaterThanOrEqual(25);
    expect(readings.invocationId).not.toBe('outside-invocation');
  });

  it('gives a consumer the consumer budget, not the resolver one', async () => {
    let remaining = 0;
    platform.registerConsumer('budget-queue', async () => {
      remaining = getAppContext().invocationRemainingTimeInMillis();
    });
    await new Queue({ key: 'budget-queue' }).push({ body: {} });
    await platform.drain();
    expect(remaining).toBeGreaterThan(25_000);
    expect(remaining).toBeLessThanOrEqual(60_000);
  });

  it('resolves asUser() to the invoking user', async () => {
    const res = await platform.run({ accountId: SEED.users.bob, moduleKey: 'test' }, () => asUser().requestConfluence(route`/wiki/api/v2/pages/${SEED.pages.restricted}`));
    expect(res.status).toBe(404); // Bob cannot see it
    expect(sb.requests.map((r) => r.principal)).toEqual([`user:${SEED.users.bob}`]);
  });

  it('throws NeedsAuthenticationError for asUser() outside a user invocation', async () => {
    const outside = await thrown(() => asUser().requestConfluence(route`/wiki/api/v2/pages/${SEED.pages.home}`));
    expect(outside).toBeInstanceOf(NeedsAuthenticationError);
    // A trigger or consumer invocation has no user either.
    const inTrigger = await thrown(() => platform.run({ moduleKey: 'content-events' }, () => asUser().requestConfluence(route`/wiki/api/v2/pages/${SEED.pages.home}`)));
    expect(inTrigger).toBeInstanceOf(NeedsAuthenticationError);
    expect((inTrigger as NeedsAuthenticationError).status).toBe(401);
    // Nothing reached Confluence.
    expect(sb.requests).toHaveLength(0);

    // asApp() works in the same place.
    const res = await platform.run({ moduleKey: 'content-events' }, () => asApp().requestConfluence(route`/wiki/api/v2/pages/${SEED.pages.home}`));
    expect(res.status).toBe(200);
    expect(sb.requests.map((r) => r.principal)).toEqual(['app']);
  });
});
