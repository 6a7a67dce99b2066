/**
 * `createTreeJob` with plain fakes: what the start lists itself, and what it leaves to the job
 * (./tree-list); the cap on a tree's items.
 */
import { createTreeJob } from '../../src/jobs/tree-run';
import { listMore, MAX_ITEMS, newListing, START_REQUESTS, TreeTooLarge, type Listed, type Listing } from '../../src/jobs/tree-list';
import { keys, type TreeJob } from '../../src/jobs/tree-store';
import type { Descendant } from '../../src/confluence/types';
import type { TreeStatus } from '../../src/shared/export';
import { memoryKv } from '../../src/storage/kv';

const options = { format: 'md' as const, frontMatter: true, comments: false, anchors: true, attachments: false };

/** A listing served `per` items a request, with next links, as `/descendants` pages them. */
function deps(items: Descendant[], per = 250) {
  const pushed: string[] = [];
  const asked: Array<string | undefined> = [];
  const kv = memoryKv();
  const page = async (_id: string, o: { next?: string } = {}) => {
    asked.push(o.next);
    const at = o.next === undefined ? 0 : Number(o.next.split('=')[1]);
    const rest = at + per < items.length ? { next: `/wiki/api/v2/pages/1/descendants?cursor=${at + per}` } : {};
    return { items: items.slice(at, at + per), ...rest };
  };
  return {
    pushed,
    asked,
    kv,
    deps: {
      client: {
        getPage: async (id: string) => ({ id, title: 'Root', version: { number: 1 } }),
        descendantsPage: page,
      } as never,
      kv,
      push: async (id: string) => void pushed.push(id),
      newId: () => 'job-1',
      now: () => new Date(),
    },
  };
}

// Every item at depth 1: no continuation requests.
const pages = (n: number): Descendant[] => Array.from({ length: n }, (_, i) => ({ id: String(100 + i), title: `P${i}`, type: 'page', parentId: '1', depth: 1 }));

describe('createTreeJob', () => {
  it('plans and queues a tree its own requests list whole', async () => {
    const d = deps(pages(50));
    const r = await createTreeJob(d.deps, { root: { id: '1', type: 'page' }, requester: 'u', siteUrl: '', options });
    expect(r).toEqual({ jobId: 'job-1', total: 51, skipped: 0 });
    expect(d.pushed).toEqual(['job-1']);
    // What the start's one request cost (1, plus 1 per item): the job counts it as its own.
    expect(d.kv.data.get(keys.job('job-1'))).toMatchObject({ total: 51, nodeChunks: 1, startPoints: 51 });
    expect((d.kv.data.get(keys.job('job-1')) as TreeJob).listing).toBeUndefined();
    expect(d.kv.data.get(keys.listing('job-1'))).toBeUndefined();
  });

  it(`leaves a larger tree to the job after ${START_REQUESTS} requests: queued with where the listing stands`, async () => {
    const d = deps(pages(120), 20);
    const r = await createTreeJob(d.deps, { root: { id: '1', type: 'page' }, requester: 'u', siteUrl: '', options });
    expect(r).toEqual({ jobId: 'job-1', total: 0, skipped: 0, listed: 20 * START_REQUESTS });
    expect(d.asked).toHaveLength(START_REQUESTS);
    expect(d.pushed).toEqual(['job-1']);
    const job = d.kv.data.get(keys.job('job-1')) as TreeJob;
    expect([job.listing, job.total, job.nodeChunks, job.startPoints]).toEqual([true, 0, 0, START_REQUESTS + 20 * START_REQUESTS]);
    const listing = d.kv.data.get(keys.listing('job-1')) as Listing;
    expect(listing.count).toBe(20 * START_REQUESTS);
    expect(listing.tree?.current?.next).toBe(`/wiki/api/v2/pages/1/descendants?cursor=${20 * START_REQUESTS}`);
    const kept = Array.from({ length: listing.chunks }, (_, i) => d.kv.data.get(keys.listed('job-1', i)) as Listed[]).flat();
    expect(kept.map((x) => x.id)).toEqual(pages(20 * START_REQUESTS).map((p) => p.id));
    expect(d.kv.data.get(keys.progress('job-1'))).toMatchObject({ phase: 'listing', listed: 20 * START_REQUESTS, total: 0 } satisfies Partial<TreeStatus>);
  });

  it('stops a listing past the cap with TreeTooLarge', async () => {
    const d = deps(pages(300));
    const l = newListing({ type: 'page', id: '1' });
    l.count = MAX_ITEMS - 100;
    const err = await listMore(d.deps.client, l, new Map(), 250).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TreeTooLarge);
    expect((err as TreeTooLarge).items).toBe(MAX_ITEMS + 150);
  });
});
