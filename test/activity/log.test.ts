/** The bounded activity log: dedupe by delivery key and roll-off at the size budget. */
import { appendEntry, fit, LOG_BUDGET_BYTES, logBytes, logKey, readLog, type ActivityEntry } from '../../src/activity/log';
import { VALUE_MAX_BYTES } from '../../sandbox/forge/kvs';
import { memoryKv } from '../../src/storage/kv';

const entry = (i: number): ActivityEntry => ({
  type: 'avi:confluence:updated:page',
  key: `avi:confluence:updated:page:65537:${i}`,
  at: new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString(),
  accountId: '712020:a11ce000-0000-4a11-9e00-000000000001',
  version: i,
});

describe('activity log', () => {
  it('keeps the budget well under the KVS value limit', () => {
    expect(LOG_BUDGET_BYTES).toBeLessThan(VALUE_MAX_BYTES * 0.9);
  });

  it('appends, and refuses a second entry with the same key', async () => {
    const kv = memoryKv();
    expect(await appendEntry(kv, '1', entry(1))).toBe(true);
    expect(await appendEntry(kv, '1', { ...entry(1), at: '2030-01-01T00:00:00.000Z' })).toBe(false);
    expect(await appendEntry(kv, '1', entry(2))).toBe(true);
    expect((await readLog(kv, '1')).map((e) => e.version)).toEqual([1, 2]);
  });

  it('rolls the oldest entries off once the log reaches the budget', async () => {
    const kv = memoryKv();
    // Fill to the largest log that still fits (appending a thousand entries one by one is slow).
    const full: ActivityEntry[] = [];
    let size = logBytes([]);
    for (;;) {
      const next = entry(full.length + 1);
      const grow = Buffer.byteLength(JSON.stringify(next)) + (full.length > 0 ? 1 : 0);
      if (size + grow > LOG_BUDGET_BYTES) break;
      full.push(next);
      size += grow;
    }
    const n = full.length;
    expect(logBytes(full)).toBe(size); // the running count is the real size
    expect(fit(full, LOG_BUDGET_BYTES)).toHaveLength(n); // exactly at the limit: nothing dropped
    expect(fit([...full, entry(n + 1)], LOG_BUDGET_BYTES).length).toBeLessThan(n + 1);
    await kv.set(logKey('p'), { entries: full });

    await appendEntry(kv, 'p', entry(n + 1));
    await appendEntry(kv, 'p', entry(n + 2));
    const after = await readLog(kv, 'p');
    const bytes = Buffer.byteLength(JSON.stringify(kv.data.get(logKey('p'))));
    expect(bytes).toBeLessThanOrEqual(LOG_BUDGET_BYTES);
    expect(after.at(-1)?.version).toBe(n + 2);
    // Exactly as many of the oldest went as were needed to make room; order is kept.
    expect(after[0]?.version).toBeGreaterThan(1);
    expect(after.map((e) => e.version)).toEqual(Array.from({ length: after.length }, (_, i) => (after[0]?.version ?? 0) + i));
    const oldest = after[0];
    if (!oldest) throw new Error('log is empty');
    // Keeping one more (older) entry would have passed the budget.
    expect(logBytes([entry(oldest.version! - 1), ...after])).toBeGreaterThan(LOG_BUDGET_BYTES);
  });

  it('fit counts bytes, not characters', () => {
    const wide = { ...entry(1), detail: 'é'.repeat(100) };
    const budget = logBytes([wide, wide]) - 1;
    expect(fit([wide, wide], budget)).toHaveLength(1);
    expect(fit([wide, wide], budget + 1)).toHaveLength(2);
  });
});
