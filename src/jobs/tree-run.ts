/**
 * The tree-export job, without Forge: create it from the user's listing, then run it in as many
 * invocations as it takes. Each batch of up to 250 pages is fetched in one bulk request, converted,
 * and stored (compressed) before the checkpoint moves on, so an invocation can stop after any batch
 * and the next one resumes there. The last invocation builds the zip.
 *
 * This module is the run loop; each phase is its own module, in the order they run: ./tree-plan
 * (create the job), ./tree-list (list a tree larger than the start listed, paced, resumable),
 * ./tree-fetch (a batch from Confluence), ./tree-convert (a batch to files),
 * ./tree-pack (the zip), ./tree-deliver (store or attach it). ./tree-audience decides what an
 * attached zip may hold, ./tree-wait how long a stopped run waits.
 *
 * Who sees what: the run reads as the person who asked (offline impersonation), so a page restricted
 * after the listing is not exported. The zip is theirs alone (stored for `export/tree/download`)
 * unless they chose to attach it to the root page; then every viewer of that page can open it, so
 * only pages with no read restriction of their own, and none on any ancestor below the root, go in.
 */
import { isConfluenceError, passConsent } from '../confluence/errors';
import { addDetail, summarize, type ReportEntry } from '../export/report';
import { FORMAT_INFO } from '../export/service';
import type { TreeNode } from '../export/tree/plan';
import { pageFiles, presetRun } from '../export/presets/tree';
import type { TreeStatus, TreeWaitReason } from '../shared/export';
import { markFinished } from './tree-limits';
import type { RunDeps } from './tree-deps';
import { carryOver, loadChanges } from './tree-incremental';
import { cleanup, keys, loadNodes, saveOutput, setProgress, type Checkpoint, type Lease, type TreeJob } from './tree-store';
import { sharedItems } from './tree-audience';
import { fetchBatch, labelsOf } from './tree-fetch';
import { listRun, TreeTooLarge, MAX_ITEMS } from './tree-list';
import { convertBatch } from './tree-convert';
import { buildZip } from './tree-pack';
import { deliver, delivered } from './tree-deliver';
import { finishEstimate, MAX_DELAY_S, paceStep, runShort, waitFor } from './tree-wait';
import { retryable, tuning } from './tree-tuning';

// The phases' public names, importable from here as before the split.
export { createSpaceJob, createTreeJob, LISTING_BUDGET_MS, MAX_ITEMS, TreeListingTooSlow, TreeTooLarge, TreeWriteForbidden, zipKind, type SpaceCreateDeps } from './tree-plan';
export type { AppReads, CreateDeps, RunClient, RunDeps } from './tree-deps';
export { restrictedItems } from './tree-audience';
export { isOwnExport } from './tree-convert';
export { finishEstimate } from './tree-wait';
export { retryable, tuning } from './tree-tuning';

/** `deferred`: another run held the job; this delivery comes back when that run's lease ends. */
export type RunOutcome = 'done' | 'continued' | 'deferred' | 'cancelled' | 'failed' | 'missing' | 'finished-before' | 'busy';

/** What a delivery carries besides the job id. */
export interface Delivery {
  /** Set on a delivery re-queued to wait out another run's lease: that run's id. */
  after?: string;
}

const FINISHED: ReadonlySet<TreeStatus['phase']> = new Set(['done', 'failed', 'cancelled']);

export async function runTreeJob(jobId: string, deps: RunDeps, delivery: Delivery = {}): Promise<RunOutcome> {
  const { kv } = deps;
  const found = await kv.get<TreeJob>(keys.job(jobId));
  if (!found) return 'missing';
  // An incremental job's first run carries the unchanged pages over; then it runs like any other.
  let job: TreeJob = found;
  const progress = await kv.get<TreeStatus>(keys.progress(jobId));
  // Events can be delivered twice: a finished job stays finished.
  if (progress && FINISHED.has(progress.phase)) return 'finished-before';
  // A delivery while another run owns the job does not run it: two runs would convert the same
  // batches and one could clean up while the other still reads (the lease is released before the
  // owner re-queues, so its own continuation is never refused). Nor may it simply drop the job: the
  // owner may be dead (stopped at its time limit, its host lost) with the lease running on, and this
  // redelivery is then the job's only event. So it comes back when the lease ends, naming the run it
  // waited for; if that run was alive, it has released the lease by then (and re-queued or finished
  // the job itself), or a later run holds it: either way another event carries the job, and this one
  // is dropped. Only a lease left to expire (its run died) is taken over.
  const runId = deps.runId ?? `${deps.now().getTime()}-${Math.random().toString(36).slice(2)}`;
  const held = await kv.get<Lease>(keys.lease(jobId));
  const leaseLeft = held ? Date.parse(held.until) - deps.now().getTime() : 0;
  if (delivery.after !== undefined && (!held || (leaseLeft > 0 && held.runId !== delivery.after))) return 'busy';
  if (held && held.runId !== runId && leaseLeft > 0) {
    await deps.continueLater(jobId, Math.min(MAX_DELAY_S, Math.ceil(leaseLeft / 1000) + 1), held.runId);
    return 'deferred';
  }
  await kv.set(keys.lease(jobId), { runId, until: new Date(deps.now().getTime() + deps.remainingMs()).toISOString() } satisfies Lease);
  // Two runs that both found the job free: the last writer keeps it.
  if ((await kv.get<Lease>(keys.lease(jobId)))?.runId !== runId) return 'busy';
  /** Re-queues the job; with a reason, the panel is told it waits (and until when, at the earliest). */
  const later = async (delaySeconds: number, reason?: TreeWaitReason): Promise<'continued'> => {
    if (reason && delaySeconds > 0) {
      // A pause longer than one delay is in the checkpoint: the panel is told its end, not the next look.
      const until = Math.max(deps.now().getTime() + delaySeconds * 1000, ckpt.pausedUntil ?? 0);
      // Still listing, the pages left are not known: no finish time is claimed.
      const finishAt = job.listing ? undefined : finishEstimate(until, job.total - ckpt.done - ckpt.skipped, ckpt.rate);
      await setProgress(kv, jobId, status('waiting', { wait: { reason, until: new Date(until).toISOString(), ...(finishAt ? { finishAt: new Date(finishAt).toISOString() } : {}) } }));
    }
    await kv.delete(keys.lease(jobId));
    await deps.continueLater(jobId, delaySeconds);
    return 'continued';
  };
  /** Writes a final phase unless another run already finished the job (then its answer stands). */
  const finish = async (final: TreeStatus): Promise<boolean> => {
    const now = await kv.get<TreeStatus>(keys.progress(jobId));
    if (now && FINISHED.has(now.phase)) return false;
    await setProgress(kv, jobId, final);
    // A zip left for download counts against its requester's storage until downloaded (./tree-limits).
    await markFinished(kv, jobId, deps.now(), final.download ? { bytes: final.download.bytes, title: job.root.title } : undefined);
    return true;
  };

  const ckpt: Checkpoint = (await kv.get<Checkpoint>(keys.ckpt(jobId))) ?? {
    next: 0,
    outChunks: 0,
    done: 0,
    skipped: progress?.skipped ?? 0,
    invocations: 0,
    failures: 0,
    spaceKeys: {},
  };
  ckpt.invocations += 1;
  // The start listed as the user, unpaced: its points are this job's own, not others' spending.
  if (ckpt.invocations === 1 && job.startPoints) deps.ownCost?.(job.startPoints);
  let summary = progress?.report ?? [];
  let listed = progress?.listed ?? 0;
  const status = (phase: TreeStatus['phase'], more: Partial<TreeStatus> = {}): TreeStatus => ({
    jobId,
    phase,
    done: ckpt.done,
    total: job.total,
    skipped: ckpt.skipped,
    ...(ckpt.withheld ? { withheld: ckpt.withheld } : {}),
    ...(ckpt.missing ? { missing: ckpt.missing } : {}),
    ...(job.listing ? { listed } : {}),
    report: summary,
    invocations: ckpt.invocations,
    updatedAt: deps.now().toISOString(),
    ...more,
  });
  const cancelled = async (): Promise<boolean> => {
    if (!(await kv.get<boolean>(keys.cancel(jobId)))) return false;
    await finish(status('cancelled'));
    await cleanup(kv, job, ckpt.outChunks, ckpt.restrictedChunks, ckpt.labels?.chunks);
    return true;
  };
  if (await cancelled()) return 'cancelled';

  try {
    // A tree larger than the start listed itself: this run lists on, paced, and plans it when done.
    let requests = 0;
    if (job.listing) {
      const onListed = async (count: number): Promise<void> => {
        listed = count;
        await setProgress(kv, jobId, status('listing'));
      };
      const r = await listRun(job, ckpt, deps, { listed: onListed, cancelled });
      if (r === 'cancelled') return 'cancelled';
      if ('wait' in r) {
        await kv.set(keys.ckpt(jobId), ckpt);
        return await later(r.wait, r.wait > 0 ? 'pacing' : undefined);
      }
      job = r.planned;
      requests = r.requests;
      ckpt.skipped = r.skipped.length;
      summary = summarize(r.skipped);
    }
    if (job.incremental && !ckpt.planned) job = await carryOver(job, ckpt, kv);
    const inc = job.incremental ? await loadChanges(kv, job) : undefined;
    const look = presetRun(job.options, await loadNodes(kv, job));
    const nodes = look.nodes;
    const ext = FORMAT_INFO[job.options.format].ext;
    const fileOf = pageFiles(look, ext);
    const pages = nodes.filter((n) => fileOf.has(n.id));
    const users = new Map<string, string>();
    let slowest = 0;
    // Incremental: only new, changed and dependent pages are fetched; the rest were carried over.
    const todo = inc ? pages.filter((n) => inc.fetch.has(n.id)) : pages;

    // Attaching: only what every viewer of the root can read. Left-out pages get no file, so no
    // link, child list or manifest entry names them.
    let shared: Set<string> | undefined;
    if (job.delivery === 'attach') {
      shared = await sharedItems(kv, job, nodes, ckpt, deps.app);
      for (const id of [...fileOf.keys()]) if (!shared.has(id)) fileOf.delete(id);
    }
    // Exported child pages per page, for the `children` macro.
    const kids = new Map<string, TreeNode[]>();
    for (const n of pages) {
      if (!n.parentId || !fileOf.has(n.id)) continue;
      const list = kids.get(n.parentId);
      if (list) list.push(n);
      else kids.set(n.parentId, [n]);
    }
    const labelsFor = labelsOf(job, deps, ckpt, todo, fileOf);
    // This run's listing requests count towards its slice, as batches do.
    for (let batches = requests; ckpt.next < todo.length; batches++) {
      const paced = await paceStep(deps, ckpt, batches);
      if (paced !== undefined) {
        await kv.set(keys.ckpt(jobId), ckpt);
        return await later(paced, 'pacing');
      }
      await setProgress(kv, jobId, status('converting'));
      const batch = todo.slice(ckpt.next, ckpt.next + tuning.batchSize);
      const t0 = Date.now();
      const wanted = batch.filter((n) => fileOf.has(n.id));
      const fetched = await fetchBatch(job, wanted, users, ckpt, deps, labelsFor);
      const chunk = await convertBatch(job, fetched, fileOf, kids, users, ckpt, deps, look);
      ckpt.outChunks += await saveOutput(kv, jobId, ckpt.outChunks, chunk);
      ckpt.next += batch.length;
      ckpt.done += chunk.pages.length;
      // Counted apart, so done + withheld + missing adds up to the pages planned (issue 23 part 8).
      ckpt.withheld = (ckpt.withheld ?? 0) + batch.length - wanted.length;
      ckpt.missing = (ckpt.missing ?? 0) + wanted.length - chunk.pages.length;
      ckpt.failures = 0;
      summary = mergeSummary(summary, chunk.report);
      await kv.set(keys.ckpt(jobId), ckpt);
      await setProgress(kv, jobId, status('converting'));
      slowest = Math.max(slowest, Date.now() - t0);
      if (await cancelled()) return 'cancelled';
      if (ckpt.next < todo.length && runShort(deps, slowest)) return await later(0);
    }
    // The zip phase is not split; give it a fresh invocation when this one has run long.
    if (deps.remainingMs() < tuning.zipReserveMs && !ckpt.zipDeferred) {
      ckpt.zipDeferred = true;
      await kv.set(keys.ckpt(jobId), ckpt);
      return await later(0);
    }
    await setProgress(kv, jobId, status('zipping'));
    const { bytes, report, siteTime } = await buildZip(job, nodes, fileOf, ckpt, deps, look, shared, inc?.changeOf);
    summary = summarize(report);
    if (job.delivery === 'attach') await setProgress(kv, jobId, status('uploading'));
    const { more, attachmentId } = await deliver(job, bytes, ckpt, deps);
    if (!(await finish(status('done', more)))) return 'finished-before';
    await delivered(job, ckpt, deps, { bytes: bytes.byteLength, siteTime, attachmentId });
    return 'done';
  } catch (e) {
    // Another run finished the job meanwhile (a duplicate delivery): its answer stands.
    const now = await kv.get<TreeStatus>(keys.progress(jobId));
    if (now && FINISHED.has(now.phase)) return 'finished-before';
    passConsent(e);
    const age = deps.now().getTime() - Date.parse(job.createdAt);
    if (retryable(e) && age < tuning.giveUpAfterMs) {
      // The checkpoint holds every finished batch; the next attempt picks up at the failed one.
      const wait = waitFor(e, ckpt, deps.now().getTime());
      await kv.set(keys.ckpt(jobId), ckpt);
      return await later(wait.seconds, wait.reason);
    }
    const error = retryable(e)
      ? { code: 'GAVE_UP', message: `Confluence kept refusing or failing to answer for ${Math.round(tuning.giveUpAfterMs / 3600_000)} hours (last: ${isConfluenceError(e) ? e.message : 'no answer'}), so the export stopped. Start it again later.` }
      : e instanceof TreeTooLarge
        ? { code: 'TOO_LARGE', message: `This tree has more than ${MAX_ITEMS} items. Export a smaller branch: a page further down the tree.` }
        : isConfluenceError(e)
        ? { code: e.code, message: `${e.message}. ${e.hint}` }
        : { code: 'INTERNAL', message: 'The export failed unexpectedly. Try again; if it keeps failing, tell the app developers.' };
    await finish(status('failed', { error }));
    // What it converted cannot be resumed once failed: only the status stays, for the panel.
    await cleanup(kv, job, ckpt.outChunks, ckpt.restrictedChunks, ckpt.labels?.chunks);
    return 'failed';
  }
}

function mergeSummary(summary: TreeStatus['report'], entries: readonly ReportEntry[]): TreeStatus['report'] {
  const add = summarize(entries);
  const out = summary.map((s) => ({ ...s }));
  for (const a of add) {
    const found = out.find((s) => s.kind === a.kind && s.what === a.what);
    if (found) {
      found.count += a.count;
      const details = (found.details ??= [found.detail]);
      for (const d of a.details ?? [a.detail]) addDetail(details, d);
    } else out.push(a);
  }
  return out.sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind) || a.what.localeCompare(b.what));
}
