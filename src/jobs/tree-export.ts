/**
 * The Forge side of tree exports: the queue, the identities, the KVS listing and the invocation's
 * time budget. The job itself lives in ./tree-run (with its phases, ./tree-plan to ./tree-deliver)
 * and ./tree-limits (pure, tested with plain fakes).
 */
import { getAppContext } from '@forge/api';
import { Queue } from '@forge/events';
import { kvs, WhereConditions } from '@forge/kvs';
import { randomUUID } from 'node:crypto';
import { recordExport } from '../activity/freshness';
import { createClient, type ContentRef } from '../confluence/client';
import { RateMeter } from '../confluence/rate-limit';
import type { Space } from '../confluence/types';
import type { ExportOptions, TreeChanges, TreeStartResult } from '../shared/export';
import { forgeKv } from '../storage/kv';
import { admit, release, type CreateOnly, type ListByPrefix } from './tree-limits';
import { createSpaceJob, createTreeJob, LISTING_BUDGET_MS, MAX_ITEMS, TreeListingTooSlow, TreeTooLarge } from './tree-plan';
import { runTreeJob, type RunOutcome } from './tree-run';
import type { CreateDeps } from './tree-deps';
import { tuning } from './tree-tuning';
import { heldState, pacer, recordHold } from './pacing';
import { keys, type TreeJob } from './tree-store';
import { findBase } from './tree-base';
import { countChanges, createIncrementalJob } from './tree-incremental';

/** The queue key in manifest.yml (consumer `tree-export-consumer`). */
export const TREE_QUEUE = 'tree-export';

const queue = (): Queue => new Queue({ key: TREE_QUEUE });

/** Every key/value under a prefix, following the KVS query cursor (pages of 100). */
export const listByPrefix: ListByPrefix = async (prefix) => {
  const out: Array<{ key: string; value: unknown }> = [];
  let cursor: string | undefined;
  do {
    let q = kvs.query().where('key', WhereConditions.beginsWith(prefix)).limit(100);
    if (cursor) q = q.cursor(cursor);
    const page = await q.getMany<unknown>();
    for (const r of page.results) out.push({ key: r.key, value: r.value });
    cursor = page.nextCursor;
  } while (cursor);
  return out;
};

/**
 * Create-only write (`keyPolicy: 'FAIL_IF_EXISTS'`). The docs do not name the refusal's error, so
 * any failure is settled by reading the key back (`get` is strictly consistent).
 */
const createOnly: CreateOnly = async (key, value) => {
  try {
    await kvs.set(key, value, { keyPolicy: 'FAIL_IF_EXISTS' });
    return true;
  } catch {
    return (await kvs.get<{ jobId?: string }>(key))?.jobId === value.jobId;
  }
};

/** The job's Forge side when it is created: limits, queue, ids and clock. */
function creating(requester: string): Omit<CreateDeps, 'client'> {
  return {
    kv: forgeKv,
    admit: (jobId) => admit(forgeKv, listByPrefix, createOnly, { jobId, requester, createdAt: new Date().toISOString() }, new Date()),
    release: (jobId) => release(forgeKv, jobId),
    push: async (jobId) => void (await queue().push({ body: { jobId } })),
    newId: () => randomUUID(),
    now: () => new Date(),
  };
}

/** Lists the tree as the user, stores the job and queues it. Called by `export/tree/start`. */
export function startTreeExport(input: { root: ContentRef; requester: string; siteUrl?: string; options: ExportOptions; attach: boolean; listUntil?: number; fullBecause?: string }): Promise<TreeStartResult> {
  return createTreeJob({ ...creating(input.requester), client: createClient('user') }, input);
}

/** Lists a whole space as the user, stores the job and queues it. Called by `export/space/start`. */
export function startSpaceExport(input: { space: Space; startedOn?: string; requester: string; siteUrl?: string; options: ExportOptions; listUntil?: number; fullBecause?: string }): Promise<TreeStartResult> {
  return createSpaceJob({ ...creating(input.requester), client: createClient('user'), app: createClient('app') }, input);
}

/**
 * Builds on the requester's earlier export of the same root and options (./tree-base), as the user;
 * the reason when it cannot (the caller then exports in full and says why).
 */
export async function startIncrementalExport(input: { root: Pick<TreeJob['root'], 'type' | 'id'>; startedOn?: string; requester: string; siteUrl?: string; options: ExportOptions; listUntil?: number }): Promise<TreeStartResult | { reason: string }> {
  const found = await findBase(forgeKv, input.requester, input.root, input.options);
  if (!found.base) return { reason: found.reason };
  const until = input.listUntil ?? Date.now() + LISTING_BUDGET_MS;
  // The same bounds as a full listing, when the tree must be listed again.
  const tick = (listed: number): void => {
    if (listed > MAX_ITEMS) throw new TreeTooLarge(listed);
    if (Date.now() > until) throw new TreeListingTooSlow(listed);
  };
  return createIncrementalJob({ ...creating(input.requester), client: createClient('user') }, { ...input, base: found.base, tick });
}

/** Counts what changed since the earlier export (for the panel, before it starts anything). */
export async function treeChanges(input: { root: Pick<TreeJob['root'], 'type' | 'id'>; requester: string; options: ExportOptions }): Promise<TreeChanges> {
  const found = await findBase(forgeKv, input.requester, input.root, input.options);
  if (!found.base) return { reason: found.reason };
  const base = await forgeKv.get<TreeJob>(keys.job(found.base.jobId));
  if (!base) return { reason: 'the earlier export is no longer stored' };
  return countChanges(createClient('user'), forgeKv, base, found.base);
}

/** Time left in this invocation; the platform's own clock when the app context lacks it. */
function remainingMs(): number {
  try {
    return getAppContext().invocationRemainingTimeInMillis();
  } catch {
    const runtime = (globalThis as { __forge_runtime__?: { lambdaContext?: { getRemainingTimeInMillis?: () => number } } }).__forge_runtime__;
    return runtime?.lambdaContext?.getRemainingTimeInMillis?.() ?? 900_000;
  }
}

/**
 * Queue consumer (`tree-export-consumer`, timeoutSeconds 900): runs a job until done or
 * checkpointed. It reads and writes as the requester (asUser(accountId): offline impersonation,
 * for the scopes manifest.yml marks allowImpersonation), and as the app only for display names,
 * space keys and read restrictions.
 */
export async function treeExportConsumer(event: { body?: { jobId?: unknown; after?: unknown } }): Promise<{ outcome: RunOutcome } | undefined> {
  const jobId = event.body?.jobId;
  if (typeof jobId !== 'string' || !jobId) return undefined;
  // Only the app pushes to this queue; still, a malformed field is ignored rather than trusted.
  const after = event.body?.after;
  const delivery = typeof after === 'string' && after.length > 0 && after.length <= 100 ? { after } : {};
  const job = await forgeKv.get<TreeJob>(keys.job(jobId));
  if (!job) return { outcome: 'missing' };
  // Both identities draw on the one app-wide points budget; the job paces itself on what they see.
  const rate = new RateMeter();
  const held = await heldState(forgeKv, Date.now()).catch(() => undefined);
  const client = createClient('user', { retry: tuning.retry, accountId: job.requester, onRateLimit: rate.record, onCost: rate.cost });
  const app = createClient('app', { retry: tuning.retry, onRateLimit: rate.record, onCost: rate.cost });
  const root = job.root;
  const outcome = await runTreeJob(jobId, {
    client,
    app,
    pace: pacer(() => rate.last ?? held, { now: Date.now, random: Math.random }),
    ownCost: rate.cost,
    // The root (one object, 2 points), read only for its answer's rate-limit headers.
    probe: async () => {
      const read = root.type === 'space' ? app.getSpace(root.id) : root.type === 'blogpost' ? client.getBlogPost(root.id) : client.getPage(root.id);
      await read.catch(() => undefined);
    },
    kv: forgeKv,
    remainingMs,
    continueLater: async (id, delaySeconds, waitedFor) => void (await queue().push({ body: { jobId: id, ...(waitedFor ? { after: waitedFor } : {}) }, ...(delaySeconds > 0 ? { delayInSeconds: Math.min(900, delaySeconds) } : {}) })),
    now: () => new Date(),
    onDone: async (done, result) => {
      // Freshness is kept per page; a space export has no root page to record it on. A zip attached
      // to the page is there for every viewer; a private one is the requester's alone.
      if (done.root.type === 'space') return;
      const entry = { version: done.root.version, format: done.options.format, at: new Date().toISOString(), accountId: done.requester, title: done.root.title, pages: result.pages };
      await recordExport(forgeKv, done.root.id, { ...entry, kind: 'tree', ...(result.attachmentId ? { attached: true } : {}) });
    },
  }, delivery);
  // What this run heard holds for the installation's next runs (and its auto-exports) until the reset.
  await recordHold(forgeKv, rate.last, Date.now()).catch(() => undefined);
  return { outcome };
}
