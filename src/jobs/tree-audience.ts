/**
 * Attaching: which items every viewer of the root page can read. Only those go into an attached zip.
 */
import pLimit from 'p-limit';
import type { ReadRestriction } from '../confluence/types';
import type { TreeNode } from '../export/tree/plan';
import type { KeyValue } from '../storage/kv';
import type { AppReads } from './tree-deps';
import { keys, loadIds, saveIds, type Checkpoint, type TreeJob } from './tree-store';
import { retryable, tuning } from './tree-tuning';

/**
 * "Every viewer of the root page can read X", decided conservatively from the REST API: an item
 * below the root (same space) inherits the root's restrictions, so all of the root's viewers can
 * read X when X and every ancestor of X below the root carry no read restriction of their own (v1
 * reports only an item's own). Any restriction, even one naming every viewer, leaves X out: the API
 * cannot tell who "every viewer" is. A failed check leaves X out too.
 *
 * Read in bulk: one v1 content search (`ancestor=<root>`) lists the own read restriction of 100
 * tree items per request; an item missing from it (not indexed yet, another type) is asked alone.
 * Once per job, in its first run (the export's point in time); the items found restricted are
 * stored with the job, so later runs decide without requests.
 */
export async function restrictedItems(
  job: Pick<TreeJob, 'root'>,
  nodes: ReadonlyArray<Pick<TreeNode, 'id'>>,
  app: Pick<AppReads, 'readRestriction' | 'readRestrictionsUnder'>,
): Promise<string[]> {
  const own = (r: ReadRestriction): boolean => r.accountIds.length > 0 || r.groupIds.length > 0 || !r.complete;
  /** Runs a read; a failure a retry cannot mend yields the fallback (unsure: leave the item out). */
  const unsure = async <T>(read: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await read();
    } catch (e) {
      if (retryable(e)) throw e; // the run is retried from the checkpoint
      return fallback;
    }
  };
  const listed = await unsure(async () => {
    const out = new Map<string, ReadRestriction>();
    for await (const c of app.readRestrictionsUnder(job.root.id, 'ancestor')) out.set(c.id, c.restriction);
    return out;
  }, new Map<string, ReadRestriction>());
  const limit = pLimit(tuning.checkConcurrency);
  const hits = await Promise.all(
    nodes
      .filter((n) => n.id !== job.root.id)
      .map((n) =>
        limit(async () => {
          const r = listed.get(n.id) ?? (await unsure(() => app.readRestriction(n.id), undefined));
          return !r || own(r) ? n.id : undefined;
        }),
      ),
  );
  return hits.filter((id): id is string => id !== undefined);
}

/** Ids of the items every viewer of the root can read, given the items restricted themselves. */
function sharedIds(job: TreeJob, nodes: readonly TreeNode[], restricted: readonly string[]): Set<string> {
  const parent = new Map(nodes.map((n) => [n.id, n.parentId]));
  const hidden = new Set(restricted);
  const out = new Set<string>();
  for (const n of nodes) {
    let open = true;
    for (let cur: string | undefined = n.id; cur && cur !== job.root.id; cur = parent.get(cur)) {
      if (hidden.has(cur)) {
        open = false;
        break;
      }
    }
    if (open) out.add(n.id);
  }
  return out;
}

/**
 * The ids every viewer of the root can read. The restricted items are found once, in the job's
 * first run, and stored with its checkpoint, so later runs decide without requests.
 */
export async function sharedItems(kv: KeyValue, job: TreeJob, nodes: readonly TreeNode[], ckpt: Checkpoint, app: AppReads): Promise<Set<string>> {
  const { jobId } = job;
  if (ckpt.restrictedChunks === undefined) {
    ckpt.restrictedChunks = await saveIds(kv, (n) => keys.restricted(jobId, n), await restrictedItems(job, nodes, app));
    await kv.set(keys.ckpt(jobId), ckpt);
  }
  return sharedIds(job, nodes, await loadIds(kv, (n) => keys.restricted(jobId, n), ckpt.restrictedChunks));
}
