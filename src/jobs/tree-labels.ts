/**
 * Labels of the pages a tree or space job exports, for their front matter. The bulk body route
 * (`GET /pages?id=`) takes no `include-labels` (v2 spec: only `GET /pages/{id}` has it), so the
 * obvious way is one `/pages/{id}/labels` request per page: N requests and at least N points.
 *
 * Cheaper on every site we know of: a space's labels are few and sit on few of its pages. One
 * `GET /spaces/{id}/content/labels` lists them (read:space, as the app: only names, used no further
 * than the requester's own answers below), then `GET /labels/{id}/pages?space-id=` per label lists
 * the pages carrying it, as the requester (points: one per labelled page, not one per page). The
 * answers also hold pages outside the tree: when what was spent passes what the per-page route
 * would cost, it gives up and that route is used; the worst case costs about twice the per-page one.
 */
import type { ContentRef } from '../confluence/client';
import type { Label, Page } from '../confluence/types';
import type { KeyValue } from '../storage/kv';
import { collect } from '../confluence/paginate';
import { keys, loadIds, saveIds, type Checkpoint } from './tree-store';
import pLimit from 'p-limit';

/** Requests that read labels (the requester's client; `spaceLabels` acts as the app). */
export interface LabelReads {
  spaceLabels(spaceId: string): AsyncIterable<Label>;
  labelled(labelId: string, type: ContentRef['type'], spaceId: string): AsyncIterable<Page>;
  labels(ref: ContentRef): AsyncIterable<Label>;
}

/** What the job keeps between invocations: the spaces indexed, and the chunks of `id:label` pairs (none: per page). */
export type LabelCheckpoint = NonNullable<Checkpoint['labels']>;

/** Items listed per request (the v2 maximum): what the cost estimate counts requests by. */
const PER_REQUEST = 250;

/**
 * Labels by page id for `wanted` (the ids to export), or undefined when that costs more than
 * `budget` (requests + objects), in which case nothing more is asked.
 */
export async function labelIndex(
  reads: Pick<LabelReads, 'spaceLabels' | 'labelled'>,
  spaceIds: readonly string[],
  wanted: ReadonlySet<string>,
  types: readonly ContentRef['type'][],
  budget: number,
): Promise<Map<string, string[]> | undefined> {
  const out = new Map<string, string[]>();
  let spent = 0;
  // Each listing costs a request per 250 items plus a point per item (src/confluence points model).
  const cost = (seen: number): number => (seen % PER_REQUEST === 0 ? 1 : 0) + 1;
  for (const spaceId of spaceIds) {
    const names: Label[] = [];
    for await (const l of reads.spaceLabels(spaceId)) {
      spent += cost(names.length);
      if (spent > budget) return undefined;
      names.push(l);
    }
    for (const label of names) {
      if (!label.id || !label.name) continue;
      for (const type of types) {
        let seen = 0;
        for await (const p of reads.labelled(label.id, type, spaceId)) {
          spent += cost(seen++);
          if (spent > budget) return undefined;
          if (!wanted.has(p.id)) continue;
          const list = out.get(p.id);
          if (list) list.push(label.name);
          else out.set(p.id, [label.name]);
        }
      }
    }
  }
  // Sorted, as the per-page route's are: the output does not depend on which route was taken.
  for (const list of out.values()) list.sort();
  return out;
}

/** Concurrent per-page label requests (the fallback). */
const PER_PAGE_CONCURRENCY = 8;

/**
 * A job run's label source: the index is built once per job (its first batch names the spaces) and
 * kept in KVS; pages of a space it does not cover, or every page when it was given up, are asked
 * one by one.
 */
export function labelSource(o: {
  reads: LabelReads;
  kv: KeyValue;
  jobId: string;
  ckpt: Checkpoint;
  wanted: ReadonlySet<string>;
  types: readonly ContentRef['type'][];
}): (pages: ReadonlyArray<{ page: Page; ref: ContentRef }>) => Promise<Map<string, string[]>> {
  let loaded: Map<string, string[]> | undefined;
  return async (pages) => {
    const { ckpt, kv, jobId } = o;
    if (ckpt.labels === undefined) {
      const spaces = [...new Set(pages.map((p) => p.page.spaceId).filter((s): s is string => !!s))];
      const index = await labelIndex(o.reads, spaces, o.wanted, o.types, o.wanted.size);
      ckpt.labels = index
        ? { spaces, chunks: await saveIds(kv, (n) => keys.labels(jobId, n), [...index].flatMap(([id, names]) => names.map((l) => `${id}:${l}`))) }
        : { spaces: [] };
      loaded = index;
    }
    const chunks = ckpt.labels.chunks;
    if (!loaded && chunks !== undefined) loaded = parsePairs(await loadIds(kv, (n) => keys.labels(jobId, n), chunks));
    const covered = new Set(chunks !== undefined ? ckpt.labels.spaces : []);
    const out = new Map<string, string[]>();
    const limit = pLimit(PER_PAGE_CONCURRENCY);
    await Promise.all(
      pages.map(({ page, ref }) => {
        if (loaded && page.spaceId && covered.has(page.spaceId)) {
          out.set(page.id, loaded.get(page.id) ?? []);
          return undefined;
        }
        return limit(async () => out.set(page.id, (await collect(o.reads.labels(ref))).map((l) => l.name ?? '').filter(Boolean).sort()));
      }),
    );
    return out;
  };
}

/** `id:label` pairs (ids are digits, so the first colon splits) back to labels by page id. */
function parsePairs(pairs: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const pair of pairs) {
    const at = pair.indexOf(':');
    if (at < 0) continue;
    const id = pair.slice(0, at);
    const list = out.get(id);
    if (list) list.push(pair.slice(at + 1));
    else out.set(id, [pair.slice(at + 1)]);
  }
  return out;
}
