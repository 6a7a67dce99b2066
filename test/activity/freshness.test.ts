import { lastExport, readFreshness, recordExport } from '../../src/activity/freshness';
import { memoryKv } from '../../src/storage/kv';

describe('export freshness', () => {
  it('says nothing before the first export', async () => {
    expect(await readFreshness(memoryKv(), '1', 5)).toBeNull();
  });

  it('reports "exported at v12, page now at v14"', async () => {
    const kv = memoryKv();
    await recordExport(kv, '1', { version: 12, format: 'md', at: '2024-05-01T10:00:00.000Z', kind: 'download', accountId: 'a' });
    expect(await readFreshness(kv, '1', 14)).toEqual({ exportedVersion: 12, currentVersion: 14, stale: true, format: 'md', kind: 'download', at: '2024-05-01T10:00:00.000Z' });
    expect((await readFreshness(kv, '1', 12))?.stale).toBe(false);
  });

  it('shows the newest export of any kind; an older version never replaces a newer one', async () => {
    const kv = memoryKv();
    await recordExport(kv, '1', { version: 3, format: 'md', at: '2024-05-01T10:00:00.000Z', kind: 'download' });
    await recordExport(kv, '1', { version: 4, format: 'html', at: '2024-05-02T10:00:00.000Z', kind: 'attachment' });
    expect((await lastExport(kv, '1'))?.kind).toBe('attachment');
    // A late retry of an older attachment export.
    await recordExport(kv, '1', { version: 2, format: 'md', at: '2024-05-03T10:00:00.000Z', kind: 'attachment' });
    expect((await lastExport(kv, '1'))?.version).toBe(4);
    // Other content is untouched.
    expect(await lastExport(kv, '2')).toBeUndefined();
  });
});
