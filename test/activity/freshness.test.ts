import { lastExport, readFreshness, recordExport } from '../../src/activity/freshness';
import { memoryKv } from '../../src/storage/kv';

describe('export freshness', () => {
  it('says nothing before the first export', async () => {
    expect(await readFreshness(memoryKv(), '1', 5)).toBeNull();
  });

  it('reports "exported at v12, page now at v14"', async () => {
    const kv = memoryKv();
    await recordExport(kv, '1', { version: 12, format: 'md', at: '2024-05-01T10:00:00.000Z', kind: 'download', accountId: 'a' });
    expect(await readFreshness(kv, '1', 14, 'a')).toEqual({ exportedVersion: 12, currentVersion: 14, stale: true, format: 'md', kind: 'download', at: '2024-05-01T10:00:00.000Z', mine: true });
    expect((await readFreshness(kv, '1', 12, 'a'))?.stale).toBe(false);
  });

  it('shows the newest export of any kind; an older version never replaces a newer one', async () => {
    const kv = memoryKv();
    await recordExport(kv, '1', { version: 3, format: 'md', at: '2024-05-01T10:00:00.000Z', kind: 'download', accountId: 'a' });
    await recordExport(kv, '1', { version: 4, format: 'html', at: '2024-05-02T10:00:00.000Z', kind: 'attachment' });
    expect((await lastExport(kv, '1', 'a'))?.kind).toBe('attachment');
    // A late retry of an older attachment export.
    await recordExport(kv, '1', { version: 2, format: 'md', at: '2024-05-03T10:00:00.000Z', kind: 'attachment' });
    expect((await lastExport(kv, '1', 'a'))?.version).toBe(4);
    // Other content is untouched.
    expect(await lastExport(kv, '2', 'a')).toBeUndefined();
  });

  // Issue 23.3: Bob, who never exported, was shown Alice's "Page tree last exported at v1".
  it("is per person: nobody is told of someone else's preview or private tree zip", async () => {
    const kv = memoryKv();
    await recordExport(kv, '1', { version: 1, format: 'md', at: '2024-05-01T10:00:00.000Z', kind: 'tree', accountId: 'alice', title: 'Home', pages: 12 });
    await recordExport(kv, '1', { version: 2, format: 'md', at: '2024-05-01T11:00:00.000Z', kind: 'download', accountId: 'alice' });
    expect(await readFreshness(kv, '1', 2, 'bob')).toBeNull();
    expect(await readFreshness(kv, '1', 2)).toBeNull();
    expect(await readFreshness(kv, '1', 2, 'alice')).toMatchObject({ kind: 'download', mine: true });
    await recordExport(kv, '1', { version: 2, format: 'md', at: '2024-05-01T12:00:00.000Z', kind: 'tree', accountId: 'bob', title: 'Home', pages: 11 });
    expect(await readFreshness(kv, '1', 2, 'bob')).toMatchObject({ kind: 'tree', mine: true, title: 'Home', pages: 11, exportedVersion: 2 });
    // Alice's own tree export is still hers (Bob's did not replace it).
    expect((await lastExport(kv, '1', 'alice'))?.kind).toBe('download');
  });

  it('a copy attached to the page is for every viewer, with who attached it', async () => {
    const kv = memoryKv();
    await recordExport(kv, '1', { version: 3, format: 'html', at: '2024-05-01T10:00:00.000Z', kind: 'attachment', accountId: 'alice' });
    expect(await readFreshness(kv, '1', 3, 'bob')).toMatchObject({ kind: 'attachment', mine: false, accountId: 'alice', attached: true });
    expect(await readFreshness(kv, '1', 3, 'alice')).toMatchObject({ mine: true, attached: true });
    await recordExport(kv, '1', { version: 4, format: 'md', at: '2024-05-02T10:00:00.000Z', kind: 'tree', accountId: 'alice', attached: true, pages: 5 });
    expect(await readFreshness(kv, '1', 4, 'bob')).toMatchObject({ kind: 'tree', attached: true, accountId: 'alice', pages: 5 });
  });

  it('reads the earlier shape: attached copies stay shared, the rest goes to its owner', async () => {
    const kv = memoryKv();
    await kv.set('export-freshness:1', {
      tree: { version: 1, format: 'md', at: '2024-05-01T10:00:00.000Z', kind: 'tree', accountId: 'alice' },
      attachment: { version: 1, format: 'md', at: '2024-04-01T10:00:00.000Z', kind: 'attachment' },
    });
    expect(await readFreshness(kv, '1', 1, 'bob')).toMatchObject({ kind: 'attachment', mine: false });
    expect(await readFreshness(kv, '1', 1, 'alice')).toMatchObject({ kind: 'tree', mine: true });
  });
});
