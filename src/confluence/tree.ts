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
import type { Descendant } from './types';

export type TreeClient = Pick<Confluence, 'descendants'> & Partial<Pick<Confluence, 'databaseDescendants'>>;

export interface TreeOptions {
  /** Called for an item at the depth limit whose subtree could not be listed (it is still yielded). */
  onUnlisted?(item: Descendant): void;
}

interface Seen {
  parentId?: string;
  /** Depth within the listing it came from. */
  depth: number;
  type: string;
}

/** Yields every descendant of page `rootId` once, with `depth` relative to the root (1 = direct child). */
export async function* allDescendants(client: TreeClient, rootId: string, o: TreeOptions = {}): AsyncGenerator<Descendant, void, undefined> {
  const yielded = new Set<string>();
  const listedFrom = new Set<string>();
  const stack: Array<{ id: string; type: string; offset: number }> = [{ id: rootId, type: 'page', offset: 0 }];
  while (stack.length > 0) {
    const start = stack.pop()!;
    if (listedFrom.has(start.id)) continue;
    listedFrom.add(start.id);
    // This listing as returned (including items already yielded from an earlier one).
    const items = new Map<string, Seen>();
    const capped: Descendant[] = [];
    for await (const d of list(client, start)) {
      const depth = d.depth ?? 1;
      items.set(d.id, { parentId: d.parentId ?? undefined, depth, type: d.type ?? 'page' });
      if (yielded.has(d.id)) continue;
      yielded.add(d.id);
      const item = { ...d, depth: depth + start.offset };
      yield item;
      if (depth >= MAX_DEPTH) capped.push(item);
    }
    if (capped.length === 0) continue;

    const counts = { below: countBelow(items.keys(), items, start.id), capped: countBelow(capped.map((c) => c.id), items, start.id) };
    const next = new Map<string, { id: string; type: string; offset: number }>();
    for (const c of capped) {
      const from = continueFrom(client, c, items, counts, start.id);
      if (!from) {
        o.onUnlisted?.(c);
        continue;
      }
      const seen = items.get(from)!;
      next.set(from, { id: from, type: seen.type, offset: start.offset + seen.depth });
    }
    // Reversed so the first continuation is listed first (the stack pops from the end).
    stack.push(...[...next.values()].reverse());
  }
}

function list(client: TreeClient, from: { id: string; type: string }): AsyncIterable<Descendant> {
  if (from.type === 'database' && client.databaseDescendants) return client.databaseDescendants(from.id, MAX_DEPTH);
  return client.descendants(from.id, MAX_DEPTH);
}

function listable(client: TreeClient, type: string): boolean {
  return type === 'page' || (type === 'database' && !!client.databaseDescendants);
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
): string | undefined {
  let best: string | undefined;
  let merged = 0;
  for (let id: string | undefined = c.id; id !== undefined && id !== startId; id = items.get(id)?.parentId) {
    const it = items.get(id);
    if (!it) break;
    const cheap = (counts.below.get(id) ?? 0) <= MAX_LIMIT;
    if (best !== undefined && !cheap) break;
    const covers = id === c.id ? 1 : counts.capped.get(id) ?? 0;
    if (listable(client, it.type) && (best === undefined || covers > merged)) {
      best = id;
      merged = covers;
    }
  }
  return best;
}
