/** The bounded activity log: one KVS key per entry, dedupe by delivery key, oldest trimmed. */
import { appendEntry, entryKey, LOG_MAX, logPrefix, readLog, type ActivityEntry } from '../../src/activity/log';
import { KEY_MAX } from '../../sandbox/forge/kvs';
import { memoryKv } from '../../src/storage/kv';

const entry = (i: number): ActivityEntry => ({
  type: 'avi:confluence:updated:page',
  key: `avi:confluence:updated:page:65537:${i}`,
  at: new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString(),
  accountId: '712020:a11ce000-0000-4a11-9e00-000000000001',
  version: i,
});

describe('activity log', () => {
  it('appends, and refuses a second entry with the same key', async () => {
    const kv = memoryKv();
    expect(await appendEntry(kv, '1', entry(1))).toBe(true);
    expect(await appendEntry(kv, '1', { ...entry(1), at: '2030-01-01T00:00:00.000Z' })).toBe(false);
    expect(await appendEntry(kv, '1', entry(2))).toBe(true);
    expect((await readLog(kv, '1')).map((e) => e.version)).toEqual([1, 2]);
    // One key per entry, under the content's own prefix (not another id that starts the same).
    await appendEntry(kv, '12', entry(3));
    expect([...kv.data.keys()].filter((k) => k.startsWith(logPrefix('1')))).toHaveLength(2);
  });

  it('loses nothing when many appends for one page run at once', async () => {
    const kv = memoryKv();
    await Promise.all(Array.from({ length: 30 }, (_, i) => appendEntry(kv, 'p', entry(i + 1))));
    const versions = (await readLog(kv, 'p')).map((e) => e.version ?? 0);
    expect(versions.sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });

  it('keeps the newest LOG_MAX entries, oldest first', async () => {
    const kv = memoryKv();
    // Written out of order: trimming goes by time, not by arrival.
    const order = Array.from({ length: LOG_MAX + 5 }, (_, i) => i + 1).reverse();
    for (const i of order) await kv.set(entryKey('p', entry(i).key), entry(i));
    await appendEntry(kv, 'p', entry(LOG_MAX + 6));
    const log = await readLog(kv, 'p');
    expect(log).toHaveLength(LOG_MAX);
    expect(log[0]?.version).toBe(7);
    expect(log.at(-1)?.version).toBe(LOG_MAX + 6);
  });

  it('keeps keys within the KVS key limit', () => {
    expect(entryKey('1'.repeat(64), 'x'.repeat(1000)).length).toBeLessThanOrEqual(KEY_MAX);
  });
});
