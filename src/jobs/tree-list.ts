/**
 * List: the tree (or space) a job exports, as the user, one request at a time. `export/tree/start`
 * makes the first requests itself, and a tree that fits in them is planned at once; a larger one is
 * listed by the job's own runs, paced like its batches (./pacing). Listed in the start resolver, 20
 * exports started within seconds spent the panels' reserve on their listings alone (bench
 * fair-share, 81 items each: 1,620 of a 2,000-point window; p95 panel wait 6.2 s), and a listing had
 * to end within the resolver's 25 s. Where the listing stands is kept between runs (plain JSON, and
 * the items listed so far in chunks), so a listing that waits for the budget goes on where it stopped.
 */
import type { Confluence } from '../confluence/client';
import { orElse } from '../confluence/errors';
import { listStep, treeListing, type TreeListing } from '../confluence/tree';
import type { Descendant, Page } from '../confluence/types';
import type { ReportEntry } from '../export/report';
import { planTree, type TreePlan } from '../export/tree/plan';
import { planSpace } from '../export/tree/space';
import type { KeyValue } from '../storage/kv';
import { paceStep, runShort } from './tree-wait';
import type { ListClient, RunDeps } from './tree-deps';
import { chunkByBytes, keys, saveNodes, type Checkpoint, type TreeJob } from './tree-store';
import { tuning } from './tree-tuning';

/** Largest tree a job accepts (items in the listing, pages or not). */
export const MAX_ITEMS = 20_000;

/** Requests `export/tree/start` makes itself (at most 500 items, 502 points) before the job lists the rest. */
export const START_REQUESTS = 2;

/** At most this many unlisted subtrees are named in the report; the rest are counted. */
const MAX_UNLISTED = 200;

export class TreeTooLarge extends Error {
  constructor(readonly items: number) {
    super(`The tree has more than ${MAX_ITEMS} items`);
  }
}

/** A space is listed flat, in two parts: its pages (all depths), then its blog posts. */
export interface SpaceListing {
  spaceId: string;
  part: 'pages' | 'blogposts';
  next?: string;
  done: boolean;
}

/** One listed item as kept between runs: a descendant, or a space's page or blog post (`part`). */
export type Listed = Descendant & Pick<Page, 'position' | 'createdAt'> & { part?: SpaceListing['part'] };

/** Where a listing stands (`tree-export:<job>:listing`); its items are in `chunks` chunks of `listed` keys. */
export interface Listing {
  tree?: TreeListing;
  space?: SpaceListing;
  /** Items listed so far. */
  count: number;
  chunks: number;
  /** Items at the depth limit whose subtrees could not be listed (reported, never silent). */
  unlisted: NonNullable<TreeJob['unlisted']>;
  unlistedMore: number;
}


/** A listing of page `id`'s tree, or of space `id`, before its first request. */
export function newListing(root: { type: 'page' | 'space'; id: string }): Listing {
  const where = root.type === 'space' ? { space: { spaceId: root.id, part: 'pages' as const, done: false } } : { tree: treeListing(root.id) };
  return { ...where, count: 0, chunks: 0, unlisted: [], unlistedMore: 0 };
}

export const listingDone = (l: Listing): boolean => (l.tree ? l.tree.done : l.space ? l.space.done : true);

/**
 * One request of the listing. Adds what it found to `known` (by id) and returns the items new to it;
 * throws TreeTooLarge past MAX_ITEMS.
 */
export async function listMore(client: ListClient, l: Listing, known: Map<string, Listed>, limit: number): Promise<Listed[]> {
  let added: Listed[];
  if (l.tree) {
    const onUnlisted = (d: Descendant): void => {
      // Capped so the job record stays far below the 240 KiB KVS value limit; the rest are counted.
      if (l.unlisted.length < MAX_UNLISTED) l.unlisted.push({ id: d.id, title: d.title ?? d.id, type: d.type ?? 'item' });
      else l.unlistedMore++;
    };
    added = await listStep(client, l.tree, known, { onUnlisted, limit });
  } else if (l.space && !l.space.done) {
    const s = l.space;
    const page = await client.spaceItemsPage(s.spaceId, s.part, { limit, ...(s.next !== undefined ? { next: s.next } : {}) });
    added = [];
    for (const p of page.items) {
      if (known.has(p.id)) continue;
      const item: Listed = { id: p.id, title: p.title, type: s.part === 'pages' ? 'page' : 'blogpost', part: s.part, ...(p.parentId ? { parentId: p.parentId } : {}), ...(typeof p.position === 'number' ? { position: p.position } : {}), ...(p.createdAt ? { createdAt: p.createdAt } : {}) };
      known.set(p.id, item);
      added.push(item);
    }
    // The next page of this part, else the blog posts from their first page, else done.
    delete s.next;
    if (page.next !== undefined) s.next = page.next;
    else if (s.part === 'pages') s.part = 'blogposts';
    else s.done = true;
  } else added = [];
  l.count += added.length;
  if (l.count > MAX_ITEMS) throw new TreeTooLarge(l.count);
  return added;
}

/** Stores a run's new items (as new chunks) and where the listing stands. */
export async function saveListing(kv: KeyValue, jobId: string, l: Listing, fresh: readonly Listed[]): Promise<void> {
  const chunks = chunkByBytes(fresh);
  for (let i = 0; i < chunks.length; i++) await kv.set(keys.listed(jobId, l.chunks + i), chunks[i]);
  l.chunks += chunks.length;
  await kv.set(keys.listing(jobId), l);
}

/** The listing kept for the job, and every item it listed so far (by id, in listing order). */
export async function loadListing(kv: KeyValue, jobId: string): Promise<{ listing: Listing; known: Map<string, Listed> } | undefined> {
  const listing = await kv.get<Listing>(keys.listing(jobId));
  if (!listing) return undefined;
  const known = new Map<string, Listed>();
  for (let i = 0; i < listing.chunks; i++) {
    const chunk = await kv.get<Listed[]>(keys.listed(jobId, i));
    if (!chunk) throw new Error(`tree export ${jobId}: listing chunk ${i} is missing`);
    for (const d of chunk) known.set(d.id, d);
  }
  return { listing, known };
}

/** Deletes a listing's keys (once planned, or when the job ends unplanned). */
export async function dropListing(kv: KeyValue, jobId: string): Promise<void> {
  const l = await kv.get<Listing>(keys.listing(jobId));
  for (let i = 0; i < (l?.chunks ?? 0); i++) await kv.delete(keys.listed(jobId, i));
  await kv.delete(keys.listing(jobId));
}

/**
 * The plan of a finished listing, and what it found besides pages: subtrees it could not list, and
 * for a space how many items the user could not read (counted as the app; a failed count says nothing).
 */
export async function planListing(app: Pick<Confluence, 'countContent'> | undefined, shape: Pick<TreeJob, 'root' | 'spaceKey'>, l: Listing, items: readonly Listed[]): Promise<{ plan: TreePlan; found: Pick<TreeJob, 'unlisted' | 'unlistedMore' | 'unreadable'> }> {
  const { root } = shape;
  if (root.type !== 'space') {
    const plan = planTree({ id: root.id, title: root.title, type: 'page' }, items);
    return { plan, found: { ...(l.unlisted.length > 0 ? { unlisted: l.unlisted } : {}), ...(l.unlistedMore > 0 ? { unlistedMore: l.unlistedMore } : {}) } };
  }
  const pages = items.filter((d) => d.part === 'pages');
  const posts = items.filter((d) => d.part === 'blogposts');
  const plan = planTree({ id: root.id, title: root.title, type: 'space' }, planSpace(root.id, pages, posts));
  // A space the user can only partly read: the export says how many items it left out, never which.
  // The app's count is the search's totalSize: an estimate, a few off on real sites (FINDINGS §2),
  // and it can lag behind; so the report words it as one. A failed count says nothing.
  const all = shape.spaceKey && app ? await app.countContent(`space = "${shape.spaceKey}" and type in (page, blogpost)`).catch(orElse(undefined)) : undefined;
  const gap = all === undefined ? 0 : all - pages.length - posts.length;
  // Within the estimate's own error nothing is claimed: Alice, who reads everything, is not told otherwise.
  const hidden = gap > ESTIMATE_SLACK ? gap : 0;
  return { plan, found: hidden > 0 ? { unreadable: hidden } : {} };
}

/**
 * How far a search's `totalSize` was seen off the real count: 294 against 289 rows (mozilla/markfluence
 * docs/confluence/search.md, FINDINGS §2). A smaller gap between it and a listing is noise, not hidden pages.
 */
const ESTIMATE_SLACK = 5;

/**
 * The job's part of a listing: one request after another, each paced like a batch (`pace`, before
 * it), until the listing is done; then the tree is planned and the job stored with it. Stops early,
 * keeping where it stands, when the pacer says wait, the run's time runs short, or the job is
 * cancelled. `requests`: listing requests this run made (they count towards its slice).
 */
export async function listRun(
  job: TreeJob,
  ckpt: Checkpoint,
  deps: Pick<RunDeps, 'client' | 'app' | 'kv' | 'pace' | 'probe' | 'remainingMs'>,
  on: { listed(count: number): Promise<void>; cancelled(): Promise<boolean> },
): Promise<{ planned: TreeJob; skipped: readonly ReportEntry[]; requests: number } | { wait: number; requests: number } | 'cancelled'> {
  const { kv } = deps;
  const kept = await loadListing(kv, job.jobId);
  if (!kept) throw new Error(`tree export ${job.jobId}: its listing is missing`);
  const { listing: l, known } = kept;
  const fresh: Listed[] = [];
  let requests = 0;
  let slowest = 0;
  let cancelled = false;
  try {
    while (!listingDone(l)) {
      const paced = await paceStep(deps, ckpt, requests);
      if (paced !== undefined) return { wait: paced, requests };
      const t0 = Date.now();
      fresh.push(...(await listMore(deps.client, l, known, tuning.listLimit)));
      requests++;
      slowest = Math.max(slowest, Date.now() - t0);
      await on.listed(l.count);
      if ((cancelled = await on.cancelled())) return 'cancelled';
      if (!listingDone(l) && runShort(deps, slowest)) return { wait: 0, requests };
    }
  } finally {
    // Whatever stopped it (a wait, a refusal, the run's end), what it listed is kept for the next run.
    // A cancelled job's keys are gone already.
    if (!listingDone(l) && !cancelled) await saveListing(kv, job.jobId, l, fresh);
  }
  const { plan, found } = await planListing(deps.app, job, l, [...known.values()]);
  const nodeChunks = await saveNodes(kv, job.jobId, plan.nodes);
  const { listing: _done, ...rest } = job;
  const planned: TreeJob = { ...rest, ...found, total: plan.pageIds.length, nodeChunks };
  await kv.set(keys.job(job.jobId), planned);
  await dropListing(kv, job.jobId);
  return { planned, skipped: plan.skipped, requests };
}
