/**
 * allDescendants through the REAL client and @forge/api against the sandbox Confluence: deep trees
 * come back complete and once each, capped databases/folders/whiteboards do not break the walk, and
 * the number of listing requests is what the strategy promises.
 */
import { createClient, MAX_LIMIT, type Confluence } from '../../src/confluence/client';
import { collect } from '../../src/confluence/paginate';
import { allDescendants, type TreeClient } from '../../src/confluence/tree';
import type { Descendant } from '../../src/confluence/types';
import { generateSite } from '../../sandbox/confluence/generate';
import { SEED } from '../../sandbox/confluence/seed';
import { startConfluence, type ConfluenceSandbox } from '../../sandbox/confluence/server';
import { Site, type ContentType } from '../../sandbox/confluence/site';
import { installForgePlatform, type ForgePlatform } from '../../sandbox/forge/platform';

const ALICE = SEED.users.alice;

let platform: ForgePlatform;
const open: ConfluenceSandbox[] = [];

beforeAll(() => {
  platform = installForgePlatform({ confluenceUrl: 'http://127.0.0.1:9' });
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** Serves `site` and points the platform at it. */
async function serve(site: Site): Promise<ConfluenceSandbox> {
  const sb = await startConfluence({ site });
  open.push(sb);
  platform.confluenceUrl = sb.url;
  return sb;
}

const asAlice = <T>(fn: () => Promise<T>) => platform.run({ accountId: ALICE, moduleKey: 'test' }, fn);

/** Depth and parent of every item below `rootId`, from the site's own parent links. */
function truth(site: Site, rootId: string): Map<string, { depth: number; parentId: string }> {
  const out = new Map<string, { depth: number; parentId: string }>();
  const walk = (id: string, depth: number): void => {
    for (const child of site.childIds(id)) {
      out.set(child, { depth: depth + 1, parentId: id });
      walk(child, depth + 1);
    }
  };
  walk(rootId, 0);
  return out;
}

const listings = (sb: ConfluenceSandbox) => sb.requests.filter((r) => r.path.includes('/descendants'));

describe('allDescendants', () => {
  it('lists a tree deeper than 20 levels completely, once each, with depths and parents from the root', async () => {
    const { site, rootId } = generateSite({ pages: 300, paragraphsPerPage: 0, fanout: 2, seed: 1 });
    const expected = truth(site, rootId);
    expect(Math.max(...[...expected.values()].map((e) => e.depth))).toBeGreaterThan(20);
    const sb = await serve(site);

    const got = await asAlice(() => collect(allDescendants(createClient('user'), rootId)));

    expect(got).toHaveLength(expected.size);
    expect(new Set(got.map((d) => d.id)).size).toBe(expected.size);
    expect(new Map(got.map((d) => [d.id, { depth: d.depth, parentId: d.parentId }]))).toEqual(expected);
    // Parents come before their children, as tree builders expect.
    const at = new Map(got.map((d, i) => [d.id, i]));
    for (const d of got) if (d.parentId !== rootId) expect(at.get(d.parentId!)!).toBeLessThan(at.get(d.id)!);

    // Cheaper than re-listing from every item at depth 10, 20, … (one request each at least).
    const capped = [...expected.values()].filter((e) => e.depth % 10 === 0).length;
    const requests = listings(sb);
    expect(requests.every((r) => r.status === 200)).toBe(true);
    expect(requests.length).toBeLessThan(1 + capped);
    // Every listing after the first starts from an item found earlier, never twice from the same one.
    const starts = requests.map((r) => /pages\/(\d+)\/descendants/.exec(r.path)?.[1]).filter((id): id is string => id !== undefined);
    expect(starts[0]).toBe(rootId);
    for (const id of starts.slice(1)) expect(expected.has(id)).toBe(true);
    expect(new Set(starts).size).toBe(starts.length);
  });

  it('takes ceil(N/250) requests for a tree of N items no deeper than 10 levels', async () => {
    const { site, rootId } = generateSite({ pages: 601, paragraphsPerPage: 0, maxDepth: 6, seed: 5 });
    const expected = truth(site, rootId);
    expect(expected.size).toBe(600);
    expect(Math.max(...[...expected.values()].map((e) => e.depth))).toBe(6);
    const sb = await serve(site);

    const got = await asAlice(() => collect(allDescendants(createClient('user'), rootId)));

    expect(new Set(got.map((d) => d.id))).toEqual(new Set(expected.keys()));
    expect(sb.requests).toHaveLength(Math.ceil(expected.size / MAX_LIMIT));
    expect(sb.requests.every((r) => r.path.startsWith(`/wiki/api/v2/pages/${rootId}/descendants`))).toBe(true);
  });

  describe('items other than pages at depth 10', () => {
    /** root page → a chain of 9 `chain` items → `capped` items at depth 10, each with a page below. */
    function chainSite(chain: ContentType, capped: ContentType[]): { site: Site; rootId: string; ids: Record<string, string> } {
      const site = new Site({ firstId: 5000 });
      site.addUser({ accountId: ALICE, displayName: 'Alice', email: 'alice@example.com', accountType: 'atlassian' });
      site.addSpace({ id: '1', key: 'T', name: 'Test', authorId: ALICE });
      const add = (type: ContentType, parentId: string | null, title: string) => site.addContent({ type, parentId, title, spaceId: '1', authorId: ALICE }).id;
      const rootId = add('page', null, 'Root');
      let parent = rootId;
      for (let d = 1; d <= 9; d++) parent = add(chain, parent, `Level ${d}`);
      const ids: Record<string, string> = {};
      for (const type of capped) {
        ids[type] = add(type, parent, `Capped ${type}`);
        ids[`under ${type}`] = add('page', ids[type], `Under ${type}`);
        ids[`deeper ${type}`] = add('page', ids[`under ${type}`]!, `Deeper ${type}`);
      }
      return { site, rootId, ids };
    }

    it('continues below a capped database with the database route', async () => {
      // Folders above it, so no ancestor can be listed by the page route instead.
      const { site, rootId, ids } = chainSite('folder', ['database']);
      const sb = await serve(site);
      const unlisted: Descendant[] = [];

      const got = await asAlice(() => collect(allDescendants(createClient('user'), rootId, { onUnlisted: (d) => unlisted.push(d) })));

      expect(got.map((d) => d.id).sort()).toEqual([...truth(site, rootId).keys()].sort());
      expect(got.find((d) => d.id === ids['deeper database'])?.depth).toBe(12);
      expect(unlisted).toEqual([]);
      expect(listings(sb).map((r) => r.path.replace(/\?.*/, ''))).toEqual([
        `/wiki/api/v2/pages/${rootId}/descendants`,
        `/wiki/api/v2/databases/${ids['database']}/descendants`,
      ]);
    });

    it('reports capped items it has no route for and still lists everything else', async () => {
      const { site, rootId, ids } = chainSite('folder', ['whiteboard', 'database', 'page']);
      const sb = await serve(site);
      const unlisted: Descendant[] = [];
      // A caller whose client has no database route: databases are then unlisted too.
      const full = (): Confluence => createClient('user');
      const pagesOnly = (): TreeClient => ({ descendantsPage: (id, o) => full().descendantsPage(id, o) });

      const got = await asAlice(() => collect(allDescendants(pagesOnly(), rootId, { onUnlisted: (d) => unlisted.push(d) })));

      expect(unlisted.map((d) => [d.id, d.type, d.depth])).toEqual([[ids['whiteboard'], 'whiteboard', 10], [ids['database'], 'database', 10]]);
      const missing = ['under whiteboard', 'deeper whiteboard', 'under database', 'deeper database'].map((k) => ids[k]);
      expect(got.map((d) => d.id).sort()).toEqual([...truth(site, rootId).keys()].filter((id) => !missing.includes(id)).sort());
      expect(listings(sb).every((r) => r.status === 200)).toBe(true);
    });

    it('lists below a capped folder or whiteboard from the page above it', async () => {
      const { site, rootId, ids } = chainSite('page', ['folder', 'whiteboard', 'database']);
      const sb = await serve(site);
      const unlisted: Descendant[] = [];

      const got = await asAlice(() => collect(allDescendants(createClient('user'), rootId, { onUnlisted: (d) => unlisted.push(d) })));

      expect(unlisted).toEqual([]);
      expect(new Map(got.map((d) => [d.id, d.depth]))).toEqual(new Map([...truth(site, rootId)].map(([id, e]) => [id, e.depth])));
      expect(got.find((d) => d.id === ids['deeper folder'])?.depth).toBe(12);
      // One more listing, from the level-9 page, covers all three capped items at once.
      const level9 = site.content(ids['folder']!)!.parentId;
      expect(listings(sb).map((r) => r.path.replace(/\?.*/, ''))).toEqual([
        `/wiki/api/v2/pages/${rootId}/descendants`,
        `/wiki/api/v2/pages/${level9}/descendants`,
      ]);
    });
  });
});
