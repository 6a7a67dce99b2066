/**
 * The sandbox queue honours what the async events API documents for a push
 * (runtime-reference/async-events-api): `concurrency: {key, limit}` bounds the events of one key
 * running at once, across queues; a push holds at most 50 events and 200 KB; delays go up to 900 s.
 * Checked through the real @forge/events client and, for the limits, bypassing its own checks.
 */
import { InternalServerError, InvalidPushSettingsError, PayloadTooBigError, Queue, TooManyEventsError } from '@forge/events';
import { startConfluence, type ConfluenceSandbox } from '../../sandbox/confluence/server';
import { installForgePlatform, type ForgePlatform } from '../../sandbox/forge/platform';

let sb: ConfluenceSandbox;
let platform: ForgePlatform;

beforeAll(async () => {
  sb = await startConfluence();
  platform = installForgePlatform({ confluenceUrl: sb.url });
});
afterAll(async () => {
  await platform.drain();
  await sb.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A consumer that records how many of its events run at once, per concurrency key in the body. */
function gauge(queue: string) {
  const now = new Map<string, number>();
  const peak = new Map<string, number>();
  const order: number[] = [];
  platform.registerConsumer(queue, async (event) => {
    const k = String(event.body.k);
    now.set(k, (now.get(k) ?? 0) + 1);
    peak.set(k, Math.max(peak.get(k) ?? 0, now.get(k)!));
    await sleep(5);
    order.push(Number(event.body.n));
    now.set(k, (now.get(k) ?? 1) - 1);
  });
  return { peak, order };
}

/** Posts a push request straight to the platform, as a client without @forge/events' checks would. */
async function rawPush(queueName: string, payload: unknown[]): Promise<Response> {
  return platform.fetch({ type: 'fpp', remote: 'stargate' }, '/webhook/queue/publish/ctx/env/app/1', {
    method: 'POST',
    body: JSON.stringify({ queueName, jobId: 'raw-job', type: 'avi:forge:app:event', schema: 'x', payload, time: new Date().toISOString() }),
  });
}

describe('queue concurrency', () => {
  it('runs at most `limit` events of one key at once, and every event eventually', async () => {
    const { peak, order } = gauge('limited');
    const q = new Queue({ key: 'limited' });
    await Promise.all([
      ...Array.from({ length: 6 }, (_, n) => q.push({ body: { k: 'one', n }, concurrency: { key: 'page-1', limit: 1 } })),
      q.push(Array.from({ length: 6 }, (_, n) => ({ body: { k: 'two', n: 10 + n }, concurrency: { key: 'page-2', limit: 2 } }))),
      q.push(Array.from({ length: 4 }, (_, n) => ({ body: { k: 'free', n: 20 + n } }))),
    ]);
    await platform.drain();
    expect(order).toHaveLength(16);
    expect(peak.get('one')).toBe(1);
    expect(peak.get('two')).toBe(2);
    expect(peak.get('free')).toBe(4); // no concurrency field: no control
    expect(platform.peakConcurrency.get('page-1')).toBe(1);
  });

  it('shares one key across queues (counters are per installation)', async () => {
    let running = 0;
    let peak = 0;
    let done = 0;
    for (const queue of ['queue-a', 'queue-b']) {
      platform.registerConsumer(queue, async () => {
        peak = Math.max(peak, ++running);
        await sleep(5);
        running--;
        done++;
      });
    }
    const concurrency = { key: 'shared', limit: 1 };
    await Promise.all([
      new Queue({ key: 'queue-a' }).push([{ body: { n: 1 }, concurrency }, { body: { n: 2 }, concurrency }]),
      new Queue({ key: 'queue-b' }).push([{ body: { n: 3 }, concurrency }, { body: { n: 4 }, concurrency }]),
    ]);
    await platform.drain();
    expect(done).toBe(4);
    expect(peak).toBe(1);
  });

  it('hands the concurrency setting to the consumer with the event', async () => {
    const seen: unknown[] = [];
    platform.registerConsumer('shown', async (e) => void seen.push(e.concurrency));
    await new Queue({ key: 'shown' }).push({ body: {}, concurrency: { key: 'x', limit: 3 } });
    await platform.drain();
    expect(seen).toEqual([{ key: 'x', limit: 3 }]);
  });
});

describe('push limits', () => {
  beforeAll(() => platform.registerConsumer('limits', async () => undefined));

  it('@forge/events refuses them before sending, with its own error classes', async () => {
    const q = new Queue({ key: 'limits' });
    await expect(q.push(Array.from({ length: 51 }, () => ({ body: {} })))).rejects.toBeInstanceOf(TooManyEventsError);
    await expect(q.push({ body: { blob: 'x'.repeat(201 * 1024) } })).rejects.toBeInstanceOf(PayloadTooBigError);
    await expect(q.push({ body: {}, delayInSeconds: 901 })).rejects.toBeInstanceOf(InvalidPushSettingsError);
    // At the limits exactly: accepted.
    await expect(q.push(Array.from({ length: 50 }, () => ({ body: {}, delayInSeconds: 900 })))).resolves.toHaveProperty('jobId');
    await platform.drain();
  });

  it('the sandbox refuses them too when a client skips the checks', async () => {
    const before = platform.pushed.length;
    const tooMany = await rawPush('limits', Array.from({ length: 51 }, () => ({ body: {} })));
    expect(tooMany.status).toBe(400);
    const tooBig = await rawPush('limits', [{ body: { blob: 'x'.repeat(201 * 1024) } }]);
    expect(tooBig.status).toBe(413);
    expect(await tooBig.json()).toEqual({ errorMessage: 'The maximum payload size is 200KB.' });
    for (const delayInSeconds of [901, -1]) expect((await rawPush('limits', [{ body: {}, delayInSeconds }])).status).toBe(400);
    expect((await rawPush('limits', [{ body: {}, concurrency: { key: '', limit: 0 } }])).status).toBe(400);
    expect(platform.pushed.length).toBe(before); // nothing of a refused push is queued
  });

  it('a refused push surfaces in @forge/events as the error it maps the status to', async () => {
    // @forge/events maps a 400 to InternalServerError carrying the service's message.
    const q = new Queue({ key: 'limits' }, async (path, init) => {
      const body = JSON.parse(String(init?.body)) as { payload: unknown[] };
      body.payload = Array.from({ length: 51 }, () => ({ body: {} }));
      return platform.fetch({ type: 'fpp', remote: 'stargate' }, path, { ...init, body: JSON.stringify(body) }) as never;
    });
    const err = await q.push({ body: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InternalServerError);
    expect((err as Error).message).toContain('more than the 50 events allowed');
  });
});
