/**
 * The tree-export job, without Forge: create it from the user's listing, then run it in as many
 * invocations as it takes. Each batch of up to 250 pages is fetched in one bulk request, converted,
 * and stored (compressed) before the checkpoint moves on, so an invocation can stop after any batch
 * and the next one resumes there. The last invocation builds the zip.
 *
 * Who sees what: the run reads as the person who asked (offline impersonation), so a page restricted
 * after the listing is not exported. The zip is theirs alone (stored for `export/tree/download`)
 * unless they chose to attach it to the root page; then every viewer of that page can open it, so
 * only pages with no read restriction of their own, and none on any ancestor below the root, go in.
 */
import pLimit from 'p-limit';
import { BULK_IDS, type Confluence, type ContentRef } from '../confluence/client';
import { isConfluenceError, orElse, passConsent } from '../confluence/errors';
import { JOB_RETRY, type RetryPolicy } from '../confluence/retry';
import { collect } from '../confluence/paginate';
import { attachmentBrowserUrl, siteUrlFrom } from '../confluence/site';
import { allDescendants } from '../confluence/tree';
import type { Attachment, Page, ReadRestriction, Space } from '../confluence/types';
import { type MediaAttrs, type MediaResolver } from '../export/adf';
import { ZipBuilder } from '../export/bundle';
import { createLinkRewriter, relativeHref } from '../export/links';
import { brokenRefs, resolveRefs } from '../export/refs';
import { addDetail, summarize, type ReportEntry } from '../export/report';
import { attachmentMedia, authorIds, displayNames, FORMAT_INFO, loadComments, mentionIds, parseAdf, renderPage, type PageData } from '../export/service';
import { attachmentPath, fileName } from '../export/names';
import { isExported, isSkipped, planTree, type TreeNode, type TreePlan } from '../export/tree/plan';
import { planSpace } from '../export/tree/space';
import { pageFiles, presetRun, presetZip, type PresetRun } from '../export/presets/tree';
import type { ExportOptions, TreeStartResult, TreeStatus, TreeWaitReason } from '../shared/export';
import type { KeyValue } from '../storage/kv';
import { LIMITS, markFinished } from './tree-limits';
import { keepAsBase } from './tree-base';
import { PACING, type JobRate } from './pacing';
import type { CreateDeps } from './tree-deps';
import { labelSource } from './tree-labels';
import { carryOver, incrementalReport, loadChanges, manifestFields, siteFloor } from './tree-incremental';
import {
  cleanup,
  keys,
  loadNodes,
  readOutput,
  saveNodes,
  saveOutput,
  loadIds,
  saveIds,
  saveZip,
  setProgress,
  type Checkpoint,
  type Lease,
  type OutputChunk,
  type PageOutput,
  type TreeJob,
} from './tree-store';

/** Knobs of the consumer; tests shrink them to force checkpoints on small trees. */
export const tuning = {
  /** Pages per bulk request (the API's maximum). */
  batchSize: BULK_IDS,
  /** Stop and continue in a new invocation when less time than this remains after a batch. */
  reserveMs: 120_000,
  /** Time the zip + upload phase needs; with less left, it starts in a fresh invocation. */
  zipReserveMs: 180_000,
  /**
   * Wall-clock cap of a job (since it was created): past it, a run that meets a rate limit or an
   * outage fails the job instead of waiting again. Rate limits and outages never fail a job before
   * that, whatever their number: they pass, and the checkpoint keeps the work done. One day is the
   * retention of a finished zip (LIMITS.retentionMs) and half the time after which an unfinished job
   * is swept as lost (LIMITS.staleMs), so a job that gives up is still there to say why.
   */
  giveUpAfterMs: LIMITS.retentionMs,
  /** First wait after an outage (5xx, dropped connection), doubled per consecutive failed run up to the queue's 900 s. */
  outageWaitSeconds: 15,
  /** Parallel per-page requests (comments, attachment lists, downloads). */
  concurrency: 4,
  /** Parallel read-restriction checks (attaching): tiny answers, one per tree item. */
  checkConcurrency: 8,
  /** Retries of each request before the batch counts as failed (and the job re-queues itself). */
  retry: JOB_RETRY as RetryPolicy,
};

/** Largest tree a job accepts (items in the listing, pages or not). */
export const MAX_ITEMS = 20_000;

// ---------------------------------------------------------------------------------------------
// Creating a job (as the user)

export type { CreateDeps };

/** The same, listing a whole space instead of a page's tree. */
export type SpaceCreateDeps = Omit<CreateDeps, 'client'> & {
  client: Pick<Confluence, 'spacePages' | 'spaceBlogPosts'>;
  /** As the app: only counts the space's pages and blog posts, to say how many the user could not read. */
  app?: Pick<Confluence, 'countContent'>;
};

/** At most this many unlisted subtrees are named in the report; the rest are counted. */
const MAX_UNLISTED = 200;
/** Time the user-scoped listing may take inside `export/tree/start` (resolvers get 25 s). */
export const LISTING_BUDGET_MS = 18_000;

export class TreeListingTooSlow extends Error {
  constructor(readonly listed: number) {
    super(`Listing the tree took too long (${listed} items listed)`);
  }
}

/** The user may not edit the page the zip would be attached to. */
export class TreeWriteForbidden extends Error {
  constructor() {
    super('You cannot add attachments to this page');
  }
}

export class TreeTooLarge extends Error {
  constructor(readonly items: number) {
    super(`The tree has more than ${MAX_ITEMS} items`);
  }
}

type JobInput = { requester: string; siteUrl?: string; options: ExportOptions; attach?: boolean; listUntil?: number; fullBecause?: string };

export async function createTreeJob(deps: CreateDeps, input: JobInput & { root: ContentRef }): Promise<TreeStartResult> {
  const started = deps.now().getTime();
  const root = await deps.client.getPage(input.root.id);
  // Writes only where the user may write, decided before any work: the same answer Confluence
  // gives the user for this page (`update` among their permitted operations).
  if (input.attach && !(await deps.client.pageOperations(root.id)).some((o) => o.operation === 'update')) throw new TreeWriteForbidden();
  return admitted(deps, async (jobId) => {
    const { plan, unlisted, unlistedMore } = await listTree(deps, input, root, started);
    const title = root.title ?? 'Export';
    return storeJob(deps, input, jobId, plan, {
      root: { id: root.id, type: 'page', title, version: root.version?.number ?? 0 },
      fileName: fileName(`${title} (tree, ${zipKind(input.options)})`, 'zip'),
      baseUrl: root._links?.base,
      listedAt: new Date(started).toISOString(),
      ...(unlisted.length > 0 ? { unlisted } : {}),
      ...(unlistedMore > 0 ? { unlistedMore } : {}),
    });
  });
}

/**
 * A whole space: every page wherever it sits in the space's page tree (pages outside the homepage's
 * tree too) and the blog posts, listed as the user. Delivered privately only: an attached copy would
 * need every item checked against the viewers of one page, which a space-wide export does not have.
 */
/**
 * How far a search's `totalSize` was seen off the real count: 294 against 289 rows (mozilla/markfluence
 * docs/confluence/search.md, FINDINGS §2). A smaller gap between it and a listing is noise, not hidden pages.
 */
const ESTIMATE_SLACK = 5;

export async function createSpaceJob(deps: SpaceCreateDeps, input: JobInput & { space: Space; startedOn?: string }): Promise<TreeStartResult> {
  const started = deps.now().getTime();
  const space = input.space;
  return admitted(deps, async (jobId) => {
    const deadline = input.listUntil ?? started + LISTING_BUDGET_MS;
    const pages: Page[] = [];
    const posts: Page[] = [];
    for (const [from, into] of [[deps.client.spacePages(space.id), pages], [deps.client.spaceBlogPosts(space.id), posts]] as const) {
      for await (const p of from) {
        into.push(p);
        if (pages.length + posts.length > MAX_ITEMS) throw new TreeTooLarge(pages.length + posts.length);
        if (deps.now().getTime() > deadline) throw new TreeListingTooSlow(pages.length + posts.length);
      }
    }
    const title = space.name || space.key || space.id;
    const plan = planTree({ id: space.id, title, type: 'space' }, planSpace(space.id, pages, posts));
    // A space the user can only partly read: the export says how many items it left out, never which.
    // The app's count is the search's totalSize: an estimate, a few off on real sites (FINDINGS §2),
    // and it can lag behind; so the report words it as one. A failed count says nothing.
    const all = space.key && deps.app ? await deps.app.countContent(`space = "${space.key}" and type in (page, blogpost)`).catch(orElse(undefined)) : undefined;
    const gap = all === undefined ? 0 : all - pages.length - posts.length;
    // Within the estimate's own error nothing is claimed: Alice, who reads everything, is not told otherwise.
    const hidden = gap > ESTIMATE_SLACK ? gap : 0;
    return storeJob(deps, { ...input, attach: false }, jobId, plan, {
      root: { id: space.id, type: 'space', title, version: 0 },
      fileName: fileName(`${title} (space, ${zipKind(input.options)})`, 'zip'),
      baseUrl: space._links?.base,
      listedAt: new Date(started).toISOString(),
      ...(hidden > 0 ? { unreadable: hidden } : {}),
      ...(input.startedOn ? { startedOn: input.startedOn } : {}),
      ...(space.key ? { spaceKey: space.key } : {}),
    });
  });
}


/** Runs `create` under a slot of the job limits, giving the slot back when creating fails. */
async function admitted(deps: Pick<CreateDeps, 'admit' | 'release' | 'newId'>, create: (jobId: string) => Promise<TreeStartResult>): Promise<TreeStartResult> {
  const jobId = deps.newId();
  await deps.admit?.(jobId);
  try {
    return await create(jobId);
  } catch (e) {
    await deps.release?.(jobId);
    throw e;
  }
}

async function listTree(deps: CreateDeps, input: JobInput, root: Page, started: number) {
  const listed = [];
  const unlisted: NonNullable<TreeJob['unlisted']> = [];
  let unlistedMore = 0;
  const onUnlisted = (d: { id: string; title?: string; type?: string }) => {
    // Capped so the job record stays far below the 240 KiB KVS value limit; the rest are counted.
    if (unlisted.length < MAX_UNLISTED) unlisted.push({ id: d.id, title: d.title ?? d.id, type: d.type ?? 'item' });
    else unlistedMore++;
  };
  for await (const d of allDescendants(deps.client, root.id, { onUnlisted })) {
    listed.push(d);
    if (listed.length > MAX_ITEMS) throw new TreeTooLarge(listed.length);
    // The listing runs inside the 25 s resolver; stop with a clear answer rather than time out.
    if (deps.now().getTime() > (input.listUntil ?? started + LISTING_BUDGET_MS)) throw new TreeListingTooSlow(listed.length);
  }
  return { plan: planTree({ id: root.id, title: root.title ?? 'Export', type: 'page' }, listed), unlisted, unlistedMore };
}

/** Stores the planned job and its first progress, and queues it. */
async function storeJob(
  deps: Pick<CreateDeps, 'kv' | 'push' | 'now'>,
  input: JobInput,
  jobId: string,
  plan: TreePlan,
  shape: Pick<TreeJob, 'root' | 'fileName' | 'unlisted' | 'unlistedMore' | 'unreadable' | 'startedOn' | 'spaceKey' | 'listedAt'> & { baseUrl?: string },
): Promise<TreeStartResult> {
  const nodeChunks = await saveNodes(deps.kv, jobId, plan.nodes);
  const createdAt = deps.now().toISOString();
  const { baseUrl, ...fields } = shape;
  const job: TreeJob = {
    jobId,
    ...fields,
    requester: input.requester,
    options: input.options,
    ...(input.fullBecause ? { fullBecause: input.fullBecause } : {}),
    // Stored for the consumer, which runs without a Forge context; `siteUrl` is only "if available".
    siteUrl: siteUrlFrom(input.siteUrl, baseUrl) ?? '',
    createdAt,
    total: plan.pageIds.length,
    nodeChunks,
    delivery: input.attach ? 'attach' : 'download',
  };
  await deps.kv.set(keys.job(jobId), job);
  await setProgress(deps.kv, jobId, {
    jobId,
    phase: 'queued',
    done: 0,
    total: job.total,
    skipped: plan.skipped.length,
    report: summarize(plan.skipped),
    invocations: 0,
    updatedAt: createdAt,
  });
  await deps.push(jobId);
  return { jobId, total: job.total, skipped: plan.skipped.length };
}

// ---------------------------------------------------------------------------------------------
// Running a job (as the requester, by offline impersonation)

export type RunClient = Pick<
  Confluence,
  'pagesByIds' | 'blogPostsByIds' | 'labels' | 'labelled' | 'attachments' | 'downloadAttachment' | 'uploadAttachment' | 'inlineComments' | 'inlineReplies' | 'footerComments' | 'footerReplies'
>;

/** Reads that need no user: display names, space keys, and the restrictions of listed items. */
export type AppReads = Pick<Confluence, 'users' | 'getSpace' | 'spaceLabels' | 'readRestriction' | 'readRestrictionsUnder'>;

export interface RunDeps {
  /** Acts as the requester: what the job exports is what they can read when it runs. */
  client: RunClient;
  /** Acts as the app, on ids from the requester's listing only; nothing it reads is exported as is. */
  app: AppReads;
  kv: KeyValue;
  remainingMs(): number;
  /**
   * Queues the next invocation of this job. `after`: the run whose lease this delivery waits out
   * (see `runTreeJob`); carried in the event body.
   */
  continueLater(jobId: string, delaySeconds: number, after?: string): Promise<void>;
  now(): Date;
  /** Called once the zip is delivered (attached, or stored for download). */
  onDone?(job: TreeJob, result: { fileName: string; bytes: number; pages: number; attachmentId?: string }): Promise<void>;
  css?: string;
  /** Identifies this run (for the lease); random when absent. */
  runId?: string;
  /** Before each batch: seconds to re-queue after to spare the app's points budget, or go on (./pacing). */
  pace?(ckpt: Checkpoint, batches: number): number | undefined;
}

/** `deferred`: another run held the job; this delivery comes back when that run's lease ends. */
export type RunOutcome = 'done' | 'continued' | 'deferred' | 'cancelled' | 'failed' | 'missing' | 'finished-before' | 'busy';

/** The queue's largest `delayInSeconds` (async-events-api, "Push API"). */
const MAX_DELAY_S = 900;

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
      const finishAt = finishEstimate(until, job.total - ckpt.done - ckpt.skipped, ckpt.rate);
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
  let summary = progress?.report ?? [];
  const status = (phase: TreeStatus['phase'], more: Partial<TreeStatus> = {}): TreeStatus => ({
    jobId,
    phase,
    done: ckpt.done,
    total: job.total,
    skipped: ckpt.skipped,
    ...(ckpt.withheld ? { withheld: ckpt.withheld } : {}),
    ...(ckpt.missing ? { missing: ckpt.missing } : {}),
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
      if (ckpt.restrictedChunks === undefined) {
        ckpt.restrictedChunks = await saveIds(kv, (n) => keys.restricted(jobId, n), await restrictedItems(job, nodes, deps.app));
        await kv.set(keys.ckpt(jobId), ckpt);
      }
      shared = sharedIds(job, nodes, await loadIds(kv, (n) => keys.restricted(jobId, n), ckpt.restrictedChunks));
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
    const labelsFor = hasMeta(job.options)
      ? labelSource({
          reads: { spaceLabels: (id) => deps.app.spaceLabels(id), labelled: (...a) => deps.client.labelled(...a), labels: (ref) => deps.client.labels(ref) },
          kv,
          jobId,
          ckpt,
          wanted: new Set(todo.filter((n) => fileOf.has(n.id)).map((n) => n.id)),
          types: todo.some((n) => n.type === 'blogpost') ? ['page', 'blogpost'] : ['page'],
        })
      : undefined;
    for (let batches = 0; ckpt.next < todo.length; batches++) {
      const paced = deps.pace?.(ckpt, batches);
      if (paced !== undefined) {
        await kv.set(keys.ckpt(jobId), ckpt);
        return await later(paced, 'pacing');
      }
      await setProgress(kv, jobId, status('converting'));
      const batch = todo.slice(ckpt.next, ckpt.next + tuning.batchSize);
      const t0 = Date.now();
      const wanted = batch.filter((n) => fileOf.has(n.id));
      const chunk = await convertBatch(job, wanted, fileOf, kids, users, ckpt, deps, look, labelsFor);
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
      if (ckpt.next < todo.length && deps.remainingMs() < Math.max(tuning.reserveMs, 2 * slowest)) return await later(0);
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
    let more: Partial<TreeStatus>;
    let attachmentId: string | undefined;
    if (job.delivery === 'attach') {
      await setProgress(kv, jobId, status('uploading'));
      // As the requester: Confluence itself refuses a page they may not edit (checked at start too).
      const uploaded = await deps.client.uploadAttachment(job.root.id, {
        name: job.fileName,
        bytes,
        mediaType: 'application/zip',
        comment: `Page tree export (${ckpt.done} pages, ${job.options.format})`,
      });
      attachmentId = uploaded.id;
      // A link the requester's browser opens (the upload's own `_links.download` is an API path).
      const site = siteUrlFrom(job.siteUrl, uploaded._links?.base);
      const downloadLink = site ? attachmentBrowserUrl(site, job.root.id, job.fileName, uploaded.version?.number) : undefined;
      more = { attachment: { id: uploaded.id, fileName: job.fileName, ...(downloadLink ? { downloadLink } : {}), bytes: bytes.byteLength } };
    } else {
      const parts = await saveZip(kv, jobId, bytes);
      more = { download: { fileName: job.fileName, bytes: bytes.byteLength, parts } };
    }
    if (!(await finish(status('done', more)))) return 'finished-before';
    await cleanup(kv, job, ckpt.outChunks, ckpt.restrictedChunks, ckpt.labels?.chunks);
    // A private zip stays as the base of the next export of the same root (./tree-base).
    if (job.delivery === 'download') await keepAsBase(kv, (p) => kv.list(p), job, { pages: ckpt.done, bytes: bytes.byteLength, ...(siteTime ? { siteTime } : {}) }, deps.now());
    await deps.onDone?.(job, { fileName: job.fileName, bytes: bytes.byteLength, pages: ckpt.done, attachmentId });
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
      : isConfluenceError(e)
        ? { code: e.code, message: `${e.message}. ${e.hint}` }
        : { code: 'INTERNAL', message: 'The export failed unexpectedly. Try again; if it keeps failing, tell the app developers.' };
    await finish(status('failed', { error }));
    // What it converted cannot be resumed once failed: only the status stays, for the panel.
    await cleanup(kv, job, ckpt.outChunks, ckpt.restrictedChunks, ckpt.labels?.chunks);
    return 'failed';
  }
}

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
 * When a waiting job should be done (ms), for the panel: after the wait, the pages left in batches
 * at the slower of the pace it measured and its rate (./pacing), or undefined before it measured
 * either. A longer pause (`pausedUntil`) is already in `from`.
 */
export function finishEstimate(from: number, pagesLeft: number, rate: JobRate | undefined, window = PACING.windowSeconds): number | undefined {
  const perBatch = Math.max(rate?.gap ?? 0, rate?.rate ? window / rate.rate : 0);
  if (perBatch <= 0) return undefined;
  return from + Math.ceil(Math.max(0, pagesLeft) / tuning.batchSize) * perBatch * 1000;
}

/**
 * How long a run that met a retryable error waits before the next. A 429 waits what Confluence asked
 * (Retry-After, or X-RateLimit-Reset: the client reads both into `retryAfter`), or the pacing's
 * unknown-reset wait when it said nothing; it does not count as a failure. An outage (5xx, no
 * connection) backs off exponentially per consecutive failed run. A wait beyond the queue's
 * 900 s is kept in the checkpoint (`pausedUntil`), so the next run's pacing re-queues it again
 * without a request (./pacing, `decide`).
 */
function waitFor(e: unknown, ckpt: Checkpoint, now: number): { seconds: number; reason: TreeWaitReason } {
  if (isConfluenceError(e) && e.status === 429) {
    // Honoured, up to the quota's window (an hour): a longer Retry-After contradicts it.
    const seconds = Math.max(1, Math.ceil(Math.min(e.retryAfter ?? PACING.unknownResetSeconds, PACING.windowSeconds)));
    if (seconds > MAX_DELAY_S) ckpt.pausedUntil = now + seconds * 1000;
    return { seconds: Math.min(MAX_DELAY_S, seconds), reason: 'rate-limit' };
  }
  ckpt.failures += 1;
  return { seconds: Math.min(MAX_DELAY_S, tuning.outageWaitSeconds * 2 ** (ckpt.failures - 1)), reason: 'outage' };
}

/**
 * Only Confluence's own answers are worth another run: the client already turns a dropped
 * connection into a ConfluenceError with status 0. Anything else (a TypeError in conversion, say)
 * is a fault in this code that would fail the same way again, so it fails the job at once.
 */
export function retryable(e: unknown): boolean {
  return isConfluenceError(e) && (e.status === 429 || e.status === 0 || e.status >= 500);
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

/**
 * The comments the app writes on the attachments it uploads: `export/attach` (src/resolvers/export.ts),
 * auto-export (src/activity/autoexport.ts) and an attached tree zip (above, `comment:`).
 */
const OWN_EXPORT_COMMENT = /^(Export of version \d+ \(|Auto-export of page version \d+|Page tree export \()/;

/** An attachment this app uploaded as an export (see OWN_EXPORT_COMMENT). */
export function isOwnExport(a: Pick<Attachment, 'comment'>): boolean {
  return typeof a.comment === 'string' && OWN_EXPORT_COMMENT.test(a.comment);
}

/** What a zip's name says it holds: the format, or the preset a Markdown export was shaped for (each preset its own name). */
export function zipKind(options: ExportOptions): string {
  return options.format === 'md' && options.preset && options.preset !== 'gfm' ? options.preset : options.format;
}

/** Fetches one batch in bulk and converts it. Pages missing from the answer are reported, not retried. */
async function convertBatch(
  job: TreeJob,
  batch: readonly TreeNode[],
  fileOf: ReadonlyMap<string, string>,
  kids: ReadonlyMap<string, readonly TreeNode[]>,
  users: Map<string, string>,
  ckpt: Checkpoint,
  deps: RunDeps,
  look: PresetRun,
  labelsFor?: ReturnType<typeof labelSource>,
): Promise<OutputChunk> {
  const { client } = deps;
  const options = job.options;
  const storage = options.format === 'storage';
  const wanted = new Set(batch.map((n) => n.id));
  const fetched = new Map<string, Page>();
  // Titles of the exported pages: a link whose text is its old Confluence URL shows the title instead.
  const titles = new Map(look.nodes.map((n) => [n.id, n.title]));
  const format = storage ? 'storage' : 'atlas_doc_format';
  // A space export's blog posts come from their own bulk route (they sit together at the end of the
  // tree order, so a batch rarely needs both).
  const posts = batch.filter((n) => n.type === 'blogpost').map((n) => n.id);
  const pageIds = batch.filter((n) => n.type !== 'blogpost').map((n) => n.id);
  const lists = [pageIds.length > 0 ? client.pagesByIds(pageIds, format) : undefined, posts.length > 0 ? client.blogPostsByIds(posts, format) : undefined];
  for (const found of lists) {
    if (!found) continue;
    for await (const p of found) {
      // Only ids asked for: whatever else came back is ignored.
      if (wanted.has(p.id)) fetched.set(p.id, p);
    }
  }
  const report: ReportEntry[] = [];
  const present: Array<{ node: TreeNode; page: Page }> = [];
  for (const node of batch) {
    const page = fetched.get(node.id);
    if (page) present.push({ node, page });
    else report.push({ kind: 'page-skipped', what: 'page', pageId: node.id, detail: `"${node.title}" was not exported: it was deleted, moved or restricted after the tree was listed.` });
  }

  // Names for mentions and authors: one bulk request per batch for the names not yet known.
  const ids = new Set<string>();
  for (const { page } of present) {
    if (!storage) {
      // An unreadable body is reported when the page is rendered below.
      const adf = readable(() => parseAdf(page));
      if (adf) mentionIds(adf, ids);
    }
    authorIds(page, ids);
  }
  const unknown = [...ids].filter((id) => !users.has(id));
  if (unknown.length > 0 && !storage) for (const [id, name] of displayNames(await deps.app.users(unknown))) users.set(id, name);
  if (options.frontMatter && !storage) {
    for (const spaceId of new Set(present.map((p) => p.page.spaceId).filter((s): s is string => !!s))) {
      if (ckpt.spaceKeys[spaceId] === undefined) ckpt.spaceKeys[spaceId] = (await deps.app.getSpace(spaceId).catch(orElse(undefined)))?.key ?? '';
    }
  }

  const labels = labelsFor ? await labelsFor(present.map(({ node, page }) => ({ page, ref: { id: page.id, type: node.type === 'blogpost' ? 'blogpost' : 'page' } }))) : undefined;

  const limit = pLimit(tuning.concurrency);
  const reports: ReportEntry[][] = present.map(() => []);
  const pages = await Promise.all(
    present.map(({ node, page }, i) =>
      limit(async (): Promise<PageOutput | undefined> => {
        // Entries are kept per page and joined in batch order: pages finish in any order.
        const report = reports[i] ?? [];
        const ref: ContentRef = { id: page.id, type: node.type === 'blogpost' ? 'blogpost' : 'page' };
        const file = fileOf.get(page.id) ?? `${node.dir}/index`;
        const [comments, attachments] = await Promise.all([
          options.comments && !storage ? loadComments(client, ref) : Promise.resolve(undefined),
          options.attachments ? collect(client.attachments(ref)) : Promise.resolve([] as Attachment[]),
        ]);
        if (comments) {
          const missing = comments.raw.map((c) => c.version?.authorId).filter((id): id is string => !!id && !users.has(id));
          if (missing.length > 0) for (const [id, name] of displayNames(await deps.app.users(missing))) users.set(id, name);
        }
        const files: PageOutput['files'] = [];
        let media: MediaResolver;
        if (options.attachments) {
          const taken = new Set<string>();
          const local = new Map<string, string>();
          for (const a of attachments) {
            // The app's own earlier exports of this page (or tree) are not the page's files: an
            // export would otherwise pack the last export, and grow with each (issue 23 part 10).
            if (isOwnExport(a)) {
              report.push({ kind: 'note', what: 'attachment', pageId: page.id, detail: `"${a.title ?? a.id}" is an earlier export made by this app; it is not packed again.` });
              continue;
            }
            const path = attachmentPath(taken, node.dir, a, look.preset.segment);
            local.set(a.id, path);
            files.push({ id: a.id, path, mediaType: a.mediaType ?? 'application/octet-stream', name: a.title ?? a.id });
          }
          media = attachmentMedia(attachments, job.siteUrl, (a) => {
            const path = local.get(a.id);
            return path ? relativeHref(file, path) : undefined;
          });
        } else {
          media = downloadMedia(page.id, job.siteUrl);
        }
        const links = new Set<string>();
        // Links to headings and attachments are resolved against the output (../export/refs).
        const refs = options.format === 'md' || options.format === 'html' ? { self: page.id, attachments: options.attachments } : {};
        const linkRewrite = storage ? undefined : createLinkRewriter({ from: file, fileOf: (id) => fileOf.get(id), siteUrl: job.siteUrl, onLink: (id) => links.add(id), titleOf: (id) => titles.get(id), ...refs });
        const shape = storage ? undefined : look.page({ id: page.id, title: node.title, file, attachments: files.map((f) => f.path), fileOf, linkRewrite });
        const data: PageData = {
          page,
          type: ref.type,
          spaceKey: page.spaceId ? ckpt.spaceKeys[page.spaceId] || undefined : undefined,
          labels: labels?.get(page.id),
          users,
          inline: comments?.inline(users),
          footer: comments?.footer(users),
          media,
          siteUrl: job.siteUrl,
        };
        const out = readable(() => renderPage(data, options, {
          css: deps.css,
          children: () => (kids.get(page.id) ?? []).map((k) => ({ title: k.title, href: relativeHref(file, fileOf.get(k.id) ?? `${k.dir}/index.${FORMAT_INFO[options.format].ext}`) })),
          linkRewrite,
          ...(shape ? { markdown: shape.markdown(page), onAnchors: shape.onAnchors } : {}),
        }));
        if (!out) {
          // One page Confluence returned with a body the converter cannot read must not fail the job.
          report.push({ kind: 'page-skipped', what: 'page', pageId: page.id, detail: `"${node.title}" was not exported: its body is not a readable ADF document.` });
          return undefined;
        }
        report.push(...out.report, ...(comments?.skipped ?? []));
        const version = page.version?.number !== undefined ? { version: page.version.number, ...(page.version.createdAt ? { versionAt: page.version.createdAt } : {}) } : {};
        const extra = shape?.output() ?? {};
        // Links to this page's own headings and files resolve now; others' in the zip phase.
        const own = resolveRefs(out.text, {
          from: file,
          anchors: (id) => (id === page.id ? extra.anchors ?? { title: '', headings: [], names: [] } : undefined),
          attachment: (id, name) => (id === page.id ? files.find((f) => f.name === name)?.path : undefined),
          final: false,
          siteUrl: job.siteUrl,
          vault: look.preset.name === 'obsidian',
          self: { id: page.id, link: look.preset.name === 'obsidian' ? file.replace(/\.md$/, '') : relativeHref(file, file) },
        });
        if (own.broken > 0) report.push(brokenRefs(page.id, own.broken));
        return { id: page.id, file, text: own.text, links: [...links], files, ...version, ...extra };
      }),
    ),
  );
  for (const r of reports) report.push(...r);
  return { pages: pages.filter((p): p is PageOutput => p !== undefined), report };
}

/** Whether pages carry their metadata (labels): Markdown with front matter, HTML and JSON always; storage never. */
function hasMeta(options: ExportOptions): boolean {
  return options.format === 'md' ? options.frontMatter : options.format !== 'storage';
}

/** The value, or undefined when converting the page's body threw. */
function readable<T>(run: () => T): T | undefined {
  try {
    return run();
  } catch (e) {
    // Conversion is pure: whatever it throws (an unreadable body, or a fault a hostile document
    // provokes) concerns this page alone, which is skipped and reported; the job goes on.
    if (!isConfluenceError(e)) return undefined;
    throw e;
  }
}

/**
 * Media without an attachment listing (attachments not included): Confluence serves a page's file
 * at `/wiki/download/attachments/<pageId>/<file name>`, so no request per page is needed.
 */
function downloadMedia(pageId: string, siteUrl: string): MediaResolver {
  return (attrs: MediaAttrs) => {
    const name = typeof attrs.alt === 'string' && attrs.alt ? attrs.alt : undefined;
    if (!name || !siteUrl) return undefined;
    return {
      href: attachmentBrowserUrl(siteUrl, pageId, name),
      title: name,
      isImage: /\.(png|jpe?g|gif|svg|webp|bmp)$/i.test(name),
    };
  };
}

/** Stands for every item left out of an attached zip: counted, never named. */
const WITHHELD: ReportEntry = {
  kind: 'page-skipped',
  what: 'restricted',
  detail: 'Left out: not every viewer of the page this zip is attached to can read it.',
};

/**
 * Builds the zip from the stored output: pages, attachments (downloaded now), manifest. With
 * `shared` (attaching), only items in it are named anywhere in the zip; the rest are counted.
 */
async function buildZip(
  job: TreeJob,
  nodes: readonly TreeNode[],
  fileOf: ReadonlyMap<string, string>,
  ckpt: Checkpoint,
  deps: RunDeps,
  look: PresetRun,
  shared?: ReadonlySet<string>,
  changeOf?: ReadonlyMap<string, string>,
): Promise<{ bytes: Uint8Array; report: ReportEntry[]; siteTime?: string }> {
  const zip = new ZipBuilder(new Date(job.createdAt));
  const mediaType = FORMAT_INFO[job.options.format].mediaType;
  const named = (id: string | undefined): boolean => !shared || (id !== undefined && shared.has(id));
  const report: ReportEntry[] = nodes
    .filter((n) => isSkipped(n.type) && named(n.id))
    .map((n) => ({ kind: 'page-skipped' as const, what: n.type, pageId: n.id, detail: `"${n.title}" is a ${n.type}, not a page; only pages are exported (its child pages are).` }));
  for (const u of job.unlisted ?? []) {
    if (!named(u.id)) continue;
    report.push({ kind: 'page-skipped', what: u.type, pageId: u.id, detail: `Pages below "${u.title}" were not listed: Confluence lists at most 10 levels at a time and cannot continue from a ${u.type}. Export that part of the tree from a page inside it.` });
  }
  if (shared) {
    for (const n of nodes) if (!shared.has(n.id)) report.push({ ...WITHHELD });
  }
  if (job.unreadable) {
    report.push({ kind: 'page-skipped', what: 'unreadable', detail: `About ${job.unreadable} pages or blog posts of this space may not be in the export because you cannot read them (an estimate from the search index, which can be a few off or lag behind).` });
  }
  if (job.unlistedMore) {
    report.push({ kind: 'page-skipped', what: 'subtree', detail: `Pages below ${job.unlistedMore} more items at the 10-level limit were not listed either.` });
  }
  const incremental = incrementalReport(job);
  if (incremental) report.push(incremental);
  const exported = new Set<string>();
  // What the next (incremental) export needs of each page: its version, files, properties, reports.
  const kept = new Map<string, Pick<PageOutput, 'version' | 'files' | 'properties' | 'reports'>>();
  const floor = siteFloor();
  const graph: Array<{ from: string; to: string[] }> = [];
  const downloads: Array<{ pageId: string } & PageOutput['files'][number]> = [];
  const extras = presetZip(look, job, nodes, fileOf);
  for await (const chunk of readOutput(deps.kv, job.jobId, ckpt.outChunks)) {
    floor.add(chunk.pages);
    for (const p of chunk.pages) {
      kept.set(p.id, { version: p.version, files: p.files, properties: p.properties, reports: p.reports });
      // A page holding a properties report waits until every page's properties are known.
      if (extras.hold(p)) zip.add(p.file, p.text, mediaType);
      exported.add(p.id);
      if (p.links.length > 0) graph.push({ from: p.id, to: p.links });
      for (const f of p.files) downloads.push({ pageId: p.id, ...f });
    }
    // Attaching: an entry about a page not in the zip (gone or restricted since the listing) may
    // name what some viewers cannot read, so it is counted without its title.
    for (const e of chunk.report) report.push(!shared || !e.pageId || exported.has(e.pageId) ? e : { ...WITHHELD });
  }
  const limit = pLimit(tuning.concurrency);
  const files = await Promise.all(
    downloads.map((d) =>
      limit(async () => {
        try {
          return { d, bytes: await deps.client.downloadAttachment(d.pageId, d.id) };
        } catch (e) {
          passConsent(e);
          if (retryable(e)) throw e;
          report.push({ kind: 'attachment-missing', what: 'attachment', pageId: d.pageId, detail: `Attachment ${d.path.split('/').pop()} could not be downloaded.` });
          return undefined;
        }
      }),
    ),
  );
  for (const f of extras.finish(exported, report)) zip.add(f.path, f.text, f.path.endsWith('.json') ? 'application/json' : mediaType);
  // Added in listing order, after the downloads, so the zip does not depend on which finished first.
  for (const f of files) if (f) zip.add(f.d.path, f.bytes, f.d.mediaType);
  const siteTime = floor.value(job.incremental?.fallback ? undefined : job.incremental?.carriedFloor);
  const manifest = {
    generator: 'Content Toolkit',
    root: { id: job.root.id, title: job.root.title },
    exportedAt: job.createdAt,
    ...manifestFields(job, siteTime),
    options: job.options,
    pages: exported.size,
    tree: nodes.filter((n) => !shared || (shared.has(n.id) && (!isExported(n.type) || exported.has(n.id)))).map((n) => ({
      id: n.id,
      title: n.title,
      type: n.type,
      ...(n.parentId ? { parentId: n.parentId } : {}),
      dir: n.dir,
      ...(exported.has(n.id) ? { file: fileOf.get(n.id), ...pageFields(kept.get(n.id), changeOf?.get(n.id) ?? (changeOf ? 'unchanged' : undefined)) } : { skipped: true }),
    })),
    links: graph,
    report,
  };
  zip.add('manifest.json', JSON.stringify(manifest, null, 2), 'application/json');
  return { bytes: zip.finish(), report, ...(siteTime ? { siteTime } : {}) };
}

/** A page's manifest fields for the next incremental export (and for people: what changed). */
function pageFields(p: Pick<PageOutput, 'version' | 'files' | 'properties' | 'reports'> | undefined, change: string | undefined): Record<string, unknown> {
  return {
    ...(p?.version !== undefined ? { version: p.version } : {}),
    ...(change ? { change } : {}),
    ...(p && p.files.length > 0 ? { files: p.files } : {}),
    ...(p?.properties ? { properties: p.properties } : {}),
    ...(p?.reports && p.reports.length > 0 ? { reports: true } : {}),
  };
}
