import type { Descendant } from '../../src/confluence/types';
import { findDatabases } from '../../src/databases/discover';
import { ALICE, BOB, database, gen, httpError } from './fakes';
import type { Confluence } from '../../src/confluence/client';

type Client = Pick<Confluence, 'getDatabase' | 'users'>;
const names: Client['users'] = async (ids) => new Map([...ids].filter((i) => i === ALICE || i === BOB).map((i) => [i, { displayName: i === ALICE ? 'Alice' : 'Bob' }]));

const tree: Descendant[] = [
  { id: '10', type: 'page', title: 'Child', depth: 1, parentId: '1' },
  { id: '20', type: 'database', title: 'DB one', depth: 2, parentId: '10' },
  { id: '30', type: 'folder', title: 'Folder', depth: 1, parentId: '1' },
  { id: '40', type: 'database', title: 'DB two', depth: 2, parentId: '30' },
  { id: '50', type: 'whiteboard', title: 'Board', depth: 3, parentId: '40' },
];

describe('findDatabases', () => {
  it('picks the databases out of the tree and details them with owner names in one lookup', async () => {
    const lookups: string[][] = [];
    const client: Client = {
      getDatabase: async (id) => database({ id, title: `Title ${id}`, ownerId: id === '20' ? ALICE : BOB, createdAt: `2024-0${id.charAt(0)}-01T00:00:00.000Z` }),
      users: async (ids) => { lookups.push([...ids]); return names(ids); },
    };
    const list = await findDatabases({ tree: () => gen(tree), client }, { id: '1', type: 'page' }, { siteUrl: 'https://acme.atlassian.net' });
    expect(list.databases.map((d) => [d.id, d.title, d.depth, d.owner?.displayName, d.createdAt])).toEqual([
      ['20', 'Title 20', 2, 'Alice', '2024-02-01T00:00:00.000Z'],
      ['40', 'Title 40', 2, 'Bob', '2024-04-01T00:00:00.000Z'],
    ]);
    expect(list.databases[0]?.url).toBe('https://acme.atlassian.net/wiki/spaces/ENG/database/500');
    expect(lookups).toHaveLength(1);
    expect(list).toMatchObject({ rootId: '1', scanned: 5, more: 0, partial: false });
  });

  it('details at most the cap and counts the others', async () => {
    const many: Descendant[] = Array.from({ length: 7 }, (_, n) => ({ id: String(n + 1), type: 'database', title: `D${n}`, depth: 1 }));
    const asked: string[] = [];
    const client: Client = { getDatabase: async (id) => { asked.push(id); return database({ id }); }, users: names };
    const list = await findDatabases({ tree: () => gen(many), client }, { id: '1', type: 'page' }, { limits: { detail: 3 } });
    expect(list.databases).toHaveLength(3);
    expect(list.more).toBe(4);
    expect(asked.sort()).toEqual(['1', '2', '3']);
  });

  it('stops scanning huge trees at the cap and says so', async () => {
    const client: Client = { getDatabase: async (id) => database({ id }), users: names };
    const list = await findDatabases({ tree: () => gen(tree), client }, { id: '1', type: 'page' }, { limits: { scan: 2 } });
    expect(list).toMatchObject({ scanned: 2, partial: true });
    expect(list.databases.map((d) => d.id)).toEqual(['20']);
    expect(list.note).toMatch(/Stopped after 2 items/);
  });

  it('keeps a database whose details fail, with the reason', async () => {
    const client: Client = {
      getDatabase: async (id) => { if (id === '40') throw httpError(403, 'FORBIDDEN'); return database({ id }); },
      users: names,
    };
    const list = await findDatabases({ tree: () => gen(tree), client }, { id: '1', type: 'page' });
    const failed = list.databases.find((d) => d.id === '40');
    expect(failed).toMatchObject({ title: 'DB two', error: { code: 'FORBIDDEN', status: 403 } });
  });

  it('turns a rate-limited listing into RATE_LIMITED', async () => {
    async function* limited(): AsyncGenerator<Descendant> {
      yield tree[0]!;
      throw httpError(429, 'RATE_LIMITED', 5);
    }
    const client: Client = { getDatabase: async (id) => database({ id }), users: names };
    await expect(findDatabases({ tree: limited, client }, { id: '1', type: 'page' })).rejects.toMatchObject({ code: 'RATE_LIMITED', hint: expect.stringMatching(/Wait 5 seconds/) });
  });

  it('answers for a blog post without any request', async () => {
    const client: Client = { getDatabase: async () => { throw new Error('no'); }, users: async () => { throw new Error('no'); } };
    const list = await findDatabases({ tree: () => { throw new Error('no'); }, client }, { id: '9', type: 'blogpost' });
    expect(list.databases).toEqual([]);
    expect(list.note).toMatch(/Blog posts have no child content/);
  });
});
