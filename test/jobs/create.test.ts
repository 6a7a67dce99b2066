/** `createTreeJob` with plain fakes: the listing's time budget and the cap on unlisted subtrees. */
import { createTreeJob, LISTING_BUDGET_MS, TreeListingTooSlow } from '../../src/jobs/tree-run';
import type { Descendant } from '../../src/confluence/types';
import { memoryKv } from '../../src/storage/kv';

const options = { format: 'md' as const, frontMatter: true, comments: false, anchors: true, attachments: false };

function deps(items: Descendant[], msPerCall: number) {
  let t = 0;
  const pushed: string[] = [];
  const kv = memoryKv();
  return {
    pushed,
    kv,
    deps: {
      client: {
        getPage: async (id: string) => ({ id, title: 'Root', version: { number: 1 } }),
        // One listing page: every item at depth 1, so no continuation requests.
        descendants: async function* () {
          yield* items;
        },
      } as never,
      kv,
      push: async (id: string) => void pushed.push(id),
      newId: () => 'job-1',
      now: () => new Date((t += msPerCall)),
    },
  };
}

const pages = (n: number): Descendant[] => Array.from({ length: n }, (_, i) => ({ id: String(100 + i), title: `P${i}`, type: 'page', parentId: '1', depth: 1 }));

describe('createTreeJob', () => {
  it('stops listing with TreeListingTooSlow once the budget is spent, and queues nothing', async () => {
    const d = deps(pages(50), LISTING_BUDGET_MS / 10);
    const err = await createTreeJob(d.deps, { root: { id: '1', type: 'page' }, requester: 'u', siteUrl: '', options }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TreeListingTooSlow);
    expect((err as TreeListingTooSlow).listed).toBeLessThan(50);
    expect(d.pushed).toEqual([]);
    expect(d.kv.data.size).toBe(0);
  });

  it('lists and queues within the budget', async () => {
    const d = deps(pages(50), 1);
    const r = await createTreeJob(d.deps, { root: { id: '1', type: 'page' }, requester: 'u', siteUrl: '', options });
    expect(r.total).toBe(51);
    expect(d.pushed).toEqual(['job-1']);
  });
});
