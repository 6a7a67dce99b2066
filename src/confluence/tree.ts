/**
 * Whole-tree listing over `/descendants`, which stops at depth 10 ("use the endpoint corresponding to
 * the content type of the deepest descendant to fetch more"). Items found at the depth limit may
 * hide subtrees, so the walk lists again below them — but not necessarily from each of them:
 *
 * One request costs the same whether it returns 1 item or 250, and most capped items in a deep tree
 * have few descendants (many have none, and the listing cannot tell which). So capped items that
 * share an ancestor are continued together from that ancestor, when its part of the listing fits in
 * one page (≤ 250 items): one call covers the capped siblings and cousins, and the few items it
 * returns again are skipped. Climbing gives up reach (from an ancestor k levels above the cap, a
 * call reaches 10 − k levels further), so the walk only climbs where that merges more capped items;
 * otherwise it lists from the capped item itself, which always covers its subtree. On a generated
 * 1,000-page tree 23 levels deep this takes 14 listing requests instead of 63, fewer than even
 * re-listing only the capped items that do have children (31); see bench/tree-export.ts.
 *
 * Only pages (and databases, given `databaseDescendants`) can be listed from; a capped folder or
 * whiteboard is continued from a listable ancestor, and when there is none (a chain of ten
 * non-pages) the caller hears of it through `onUnlisted` instead of the walk failing on a 404.
 */
import { MAX_DEPTH, MAX_LIMIT, type Confluence } from './client';
import type { Page } from './paginate';
import type { Descendant } from './types';

export type TreeClient = Pick<Confluence, 'descendantsPage'> & Partial<Pick<Confluence, 'databaseDescendantsPage'>>;

export interface TreeOptions {
  /** Called for an item at the depth limit whose subtree could not be listed (it is still listed). */
  onUnlisted?(item: Descendant): void;
  /** Items per request (≤ 250; benchmarks scale it down with the budget). */
  limit?: number;
}

interface Seen {
  parentId?: string;
  /** Depth within the listing it came from. */
  depth: number;
  type: string;
}

interface Start {
  id: string;
  type: string;
  /** Depth of `id` below the root: a listing from it reports depths relative to it. */
  offset: number;
}

/**
 * Where a whole-tree listing stands between two requests, as plain JSON: a paced job keeps it in its
 * checkpoint and goes on in a later invocation (src/jobs/tree-list.ts). The items listed so far are
 * kept by the caller (`known`); the listing under way needs only its next link and its capped items.
 */
export interface TreeListing {
  /** Listings still to make (the last is next). */
  stack: Start[];
  /** Items already listed from. */
  listedFrom: string[];
  /** The listing under way: where it started, the server's link to its next page, its capped items. */
  current?: { start: Start; next?: string; capped: string[] };
  done: boolean;
}

/** A listing of the tree below page `rootId`, before its first request. */
export function treeListing(rootId: string): TreeListing {
  return { stack: [{ id: rootId, type: 'page', offset: 0 }], listedFrom: [], done: false };
}

/**
 * One request of the listing: the next page of the listing under way, or the first of the next one.
 * Adds what it found to `known` (id → item, `depth` relative to the root) and returns the items new
 * to it; sets `done` once nothing is left to list.
 */
export async function listStep(client: TreeClient, s: TreeListing, known: Map<string, Descendant>, o: TreeOptions = {}): Promise<Descendant[]> {
  if (!s.current) {
    let start = s.stack.pop();
    while (start && s.listedFrom.includes(start.id)) start = s.stack.pop();
    if (!start) {
      s.done = true;
      return [];
    }
    s.listedFrom.push(start.id);
    s.current = { start, capped: [] };
  }
  const cur = s.current;
  const page = await list(client, cur.start, o.limit ?? MAX_LIMIT, cur.next);
  const added: Descendant[] = [];
  for (const d of page.items) {
    const depth = d.depth ?? 1;
    // Returned again by a later listing (its start's subtree overlaps an earlier one): listed once.
    if (known.has(d.id)) continue;
    const item = { ...d, depth: depth + cur.start.offset };
    known.set(d.id, item);
    added.push(item);
    if (depth >= MAX_DEPTH) cur.capped.push(d.id);
  }
  if (page.next !== undefined) {
    cur.next = page.next;
    return added;
  }
  delete s.current;
  if (cur.capped.length > 0) continueBelow(client, s, cur, known, o);
  s.done = s.stack.every((x) => s.listedFrom.includes(x.id));
  return added;
}

/** Yields every descendant of page `rootId` once, with `depth` relative to the root (1 = direct child). */
export async function* allDescendants(client: TreeClient, rootId: string, o: TreeOptions = {}): AsyncGenerator<Descendant, void, undefined> {
  const s = treeListing(rootId);
  const known = new Map<string, Descendant>();
  while (!s.done) yield* await listStep(client, s, known, o);
}

function list(client: TreeClient, from: Start, limit: number, next: string | undefined): Promise<Page<Descendant>> {
  const o = { depth: MAX_DEPTH, limit, ...(next !== undefined ? { next } : {}) };
  if (from.type === 'database' && client.databaseDescendantsPage) return client.databaseDescendantsPage(from.id, o);
  return client.descendantsPage(from.id, o);
}

/**
 * After a listing that met the depth limit: where to list again so the capped items' subtrees are
 * covered. What this listing returned is read back from `known`: every listed item within ten
 * levels below its start (the items an earlier listing found, which it returned again, included).
 */
function continueBelow(client: TreeClient, s: TreeListing, cur: NonNullable<TreeListing['current']>, known: Map<string, Descendant>, o: TreeOptions): void {
  const { start } = cur;
  const items = new Map<string, Seen>();
  for (const [id, d] of known) {
    const depth = (d.depth ?? 1) - start.offset;
    if (depth < 1 || depth > MAX_DEPTH || !below(known, id, start.id)) continue;
    items.set(id, { parentId: d.parentId ?? undefined, depth, type: d.type ?? 'page' });
  }
  const capped = cur.capped.map((id) => known.get(id)).filter((d): d is Descendant => d !== undefined);
  const limit = o.limit ?? MAX_LIMIT;
  const counts = { below: countBelow(items.keys(), items, start.id), capped: countBelow(cur.capped, items, start.id) };
  const next = new Map<string, Start>();
  for (const c of capped) {
    const from = continueFrom(client, c, items, counts, start.id, limit);
    if (!from) {
      o.onUnlisted?.(c);
      continue;
    }
    const seen = items.get(from)!;
    next.set(from, { id: from, type: seen.type, offset: start.offset + seen.depth });
  }
  // Reversed so the first continuation is listed first (the stack pops from the end).
  s.stack.push(...[...next.values()].reverse());
}

/** Whether `id` sits below `ancestor` within the depth limit (by the listed parents). */
function below(known: Map<string, Descendant>, id: string, ancestor: string): boolean {
  let p = known.get(id)?.parentId ?? undefined;
  for (let hops = 0; p !== undefined && hops < MAX_DEPTH; hops++) {
    if (p === ancestor) return true;
    p = known.get(p)?.parentId ?? undefined;
  }
  return false;
}

function listable(client: TreeClient, type: string): boolean {
  return type === 'page' || (type === 'database' && !!client.databaseDescendantsPage);
}

/** For each item of a listing, how many items of it sit below (each counted on ≤ 10 ancestors). */
function countBelow(ids: Iterable<string>, items: Map<string, Seen>, startId: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of ids) {
    for (let p = items.get(id)?.parentId; p !== undefined && p !== startId; p = items.get(p)?.parentId) {
      counts.set(p, (counts.get(p) ?? 0) + 1);
    }
  }
  return counts;
}

/**
 * The item to list again from to cover what lies below capped item `c`: itself, or an ancestor in
 * this listing that also covers more capped items (each level up gives up one level of reach, so
 * only climb where that buys a merge), as long as its part of this listing fits in one page. Only
 * listable items qualify; when `c` is not listable, its nearest listable ancestor, whatever the
 * cost. Never the listing's own start, which would return the same listing.
 */
function continueFrom(
  client: TreeClient,
  c: Descendant,
  items: Map<string, Seen>,
  counts: { below: Map<string, number>; capped: Map<string, number> },
  startId: string,
  limit: number,
): string | undefined {
  let best: string | undefined;
  let merged = 0;
  for (let id: string | undefined = c.id; id !== undefined && id !== startId; id = items.get(id)?.parentId) {
    const it = items.get(id);
    if (!it) break;
    const cheap = (counts.below.get(id) ?? 0) <= limit;
    if (best !== undefined && !cheap) break;
    const covers = id === c.id ? 1 : counts.capped.get(id) ?? 0;
    if (listable(client, it.type) && (best === undefined || covers > merged)) {
      best = id;
      merged = covers;
    }
  }
  return best;
}
