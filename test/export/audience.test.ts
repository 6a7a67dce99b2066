import { pageAudience, type AudienceDeps } from '../../src/export/audience';
import type { ReadRestriction } from '../../src/confluence/types';

/** A small tree: parent links and own read restrictions, with every lookup counted. */
function tree(parents: Record<string, string | null>, restrictions: Record<string, Partial<ReadRestriction>> = {}) {
  const calls: string[] = [];
  const deps: AudienceDeps = {
    async readRestriction(id) {
      calls.push(`restriction ${id}`);
      if (id === 'gone') throw new Error('404');
      const r = restrictions[id];
      return { accountIds: r?.accountIds ?? [], groupIds: r?.groupIds ?? [], complete: r?.complete ?? true };
    },
    async ancestorIds(id) {
      calls.push(`ancestors ${id}`);
      const out: string[] = [];
      for (let p = parents[id]; p; p = parents[p]) out.push(p);
      return out;
    },
  };
  return { deps, calls };
}

const parents = { root: null, page: 'root', open: 'page', secret: 'page', secretChild: 'secret', gone: 'page' };

describe('pageAudience', () => {
  it('shares unrestricted children and withholds restricted ones and what sits under them', async () => {
    const { deps } = tree(parents, { secret: { accountIds: ['alice'] } });
    const audience = pageAudience(deps, { id: 'page' });
    expect(await audience.sharesWith({ id: 'open', parentId: 'page' })).toBe(true);
    expect(await audience.sharesWith({ id: 'secret', parentId: 'page' })).toBe(false);
    expect(await audience.sharesWith({ id: 'secretChild' })).toBe(false);
  });

  it('lets items sit under the same restriction the page sits under', async () => {
    const { deps } = tree(parents, { secret: { accountIds: ['alice'] } });
    const audience = pageAudience(deps, { id: 'secret' });
    expect(await audience.sharesWith({ id: 'secretChild', parentId: 'secret' })).toBe(true);
    // An unrestricted page elsewhere is readable by the few who may read a restricted page.
    expect(await pageAudience(deps, { id: 'secretChild' }).sharesWith({ id: 'open' })).toBe(true);
  });

  it('compares account lists only when the page restriction bounds every reader', async () => {
    const restrictions = { page: { accountIds: ['alice', 'bob'] }, open: { accountIds: ['bob', 'alice', 'carol'] }, secret: { accountIds: ['alice'] } };
    const { deps } = tree(parents, restrictions);
    const audience = pageAudience(deps, { id: 'page' });
    expect(await audience.sharesWith({ id: 'open', parentId: 'page' })).toBe(true);
    expect(await audience.sharesWith({ id: 'secret', parentId: 'page' })).toBe(false);
    // A group on the page, or a list Confluence cut short, leaves the readers unknown: withhold.
    for (const page of [{ accountIds: ['alice', 'bob'], groupIds: ['g1'] }, { accountIds: ['alice', 'bob'], complete: false }]) {
      const other = pageAudience(tree(parents, { ...restrictions, page }).deps, { id: 'page' });
      expect(await other.sharesWith({ id: 'open', parentId: 'page' })).toBe(false);
    }
  });

  it('withholds items of another space and items whose lookup fails', async () => {
    const { deps } = tree(parents);
    const audience = pageAudience(deps, { id: 'page', spaceId: '1' });
    expect(await audience.sharesWith({ id: 'open', parentId: 'page', spaceId: '2' })).toBe(false);
    expect(await audience.sharesWith({ id: 'open', parentId: 'page', spaceId: '1' })).toBe(true);
    expect(await audience.sharesWith({ id: 'gone', parentId: 'page' })).toBe(false);
  });

  it('asks nothing until an item is checked, then each thing once', async () => {
    const { deps, calls } = tree(parents);
    const audience = pageAudience(deps, { id: 'page' });
    expect(calls).toEqual([]);
    await Promise.all(['open', 'secret', 'open'].map((id) => audience.sharesWith({ id, parentId: 'page' })));
    expect([...calls].sort()).toEqual(['ancestors page', 'restriction open', 'restriction page', 'restriction root', 'restriction secret']);
  });
});

describe('pageAudience with the bulk child listing', () => {
  it('reads the restrictions of siblings in one call, and asks alone for a child missing from it', async () => {
    const { deps, calls } = tree(parents, { secret: { accountIds: ['alice'] } });
    const bulk = jest.fn(async (parentId: string) => new Map(['open', 'secret'].filter(() => parentId === 'page').map((id) => [id, { accountIds: id === 'secret' ? ['alice'] : [], groupIds: [], complete: true }])));
    const audience = pageAudience({ ...deps, childRestrictions: bulk }, { id: 'page' });
    const shared = await Promise.all(['open', 'secret', 'gone', 'open'].map((id) => audience.sharesWith({ id, parentId: 'page' })));
    expect(shared).toEqual([true, false, false, true]);
    expect(bulk).toHaveBeenCalledTimes(1);
    expect(calls.filter((c) => c.startsWith('restriction')).sort()).toEqual(['restriction gone', 'restriction page', 'restriction root']);
  });
});
