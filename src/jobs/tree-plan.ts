/**
 * Plan: creating a tree job, as the user. Lists the page's tree (or the whole space) as far as a
 * couple of requests go, plans the files when that was all of it, stores the job with its first
 * progress, and queues its first run; a larger tree is listed by the job (./tree-list).
 */
import type { Confluence, ContentRef } from '../confluence/client';
import { siteUrlFrom } from '../confluence/site';
import type { Space } from '../confluence/types';
import { summarize } from '../export/report';
import { fileName } from '../export/names';
import type { TreePlan } from '../export/tree/plan';
import type { ExportOptions, TreeStartResult } from '../shared/export';
import type { CreateDeps, ListClient } from './tree-deps';
import { listingDone, listMore, newListing, planListing, saveListing, START_REQUESTS, type Listed, type Listing } from './tree-list';
import { keys, saveNodes, setProgress, type TreeJob } from './tree-store';
import { tuning } from './tree-tuning';

export { MAX_ITEMS, TreeTooLarge } from './tree-list';

/** The same, listing a whole space instead of a page's tree. */
export type SpaceCreateDeps = Omit<CreateDeps, 'client'> & {
  client: ListClient;
  /** As the app: only counts the space's pages and blog posts, to say how many the user could not read. */
  app?: Pick<Confluence, 'countContent'>;
};

/**
 * Time the user-scoped listing of an incremental export may take inside `export/tree/start`
 * (resolvers get 25 s). A full export's listing is the job's (./tree-list), not the resolver's.
 */
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

type JobInput = { requester: string; siteUrl?: string; options: ExportOptions; attach?: boolean; listUntil?: number; fullBecause?: string };

/** What a job is before its tree is planned: everything but its nodes and counts. */
type Shape = Pick<TreeJob, 'root' | 'fileName' | 'startedOn' | 'spaceKey' | 'listedAt' | 'startPoints'> & { baseUrl?: string };

export async function createTreeJob(deps: CreateDeps, input: JobInput & { root: ContentRef }): Promise<TreeStartResult> {
  const started = deps.now().getTime();
  const root = await deps.client.getPage(input.root.id);
  // Writes only where the user may write, decided before any work: the same answer Confluence
  // gives the user for this page (`update` among their permitted operations).
  if (input.attach && !(await deps.client.pageOperations(root.id)).some((o) => o.operation === 'update')) throw new TreeWriteForbidden();
  return admitted(deps, async (jobId) => {
    const title = root.title ?? 'Export';
    return startListing(deps, input, jobId, newListing({ type: 'page', id: root.id }), {
      root: { id: root.id, type: 'page', title, version: root.version?.number ?? 0 },
      fileName: fileName(`${title} (tree, ${zipKind(input.options)})`, 'zip'),
      baseUrl: root._links?.base,
      listedAt: new Date(started).toISOString(),
    });
  });
}

/**
 * A whole space: every page wherever it sits in the space's page tree (pages outside the homepage's
 * tree too) and the blog posts, listed as the user. Delivered privately only: an attached copy would
 * need every item checked against the viewers of one page, which a space-wide export does not have.
 */
export async function createSpaceJob(deps: SpaceCreateDeps, input: JobInput & { space: Space; startedOn?: string }): Promise<TreeStartResult> {
  const started = deps.now().getTime();
  const space = input.space;
  return admitted(deps, async (jobId) => {
    const title = space.name || space.key || space.id;
    return startListing(deps, { ...input, attach: false }, jobId, newListing({ type: 'space', id: space.id }), {
      root: { id: space.id, type: 'space', title, version: 0 },
      fileName: fileName(`${title} (space, ${zipKind(input.options)})`, 'zip'),
      baseUrl: space._links?.base,
      listedAt: new Date(started).toISOString(),
      ...(input.startedOn ? { startedOn: input.startedOn } : {}),
      ...(space.key ? { spaceKey: space.key } : {}),
    });
  });
}

/**
 * Lists as far as START_REQUESTS go. A tree that fits is planned and queued, as it always was; a
 * larger one is queued with its listing, which the job's runs go on with, paced (./tree-list).
 */
async function startListing(deps: SpaceCreateDeps, input: JobInput, jobId: string, l: Listing, shape: Shape): Promise<TreeStartResult> {
  const known = new Map<string, Listed>();
  let requests = 0;
  for (; requests < START_REQUESTS && !listingDone(l); requests++) await listMore(deps.client, l, known, tuning.listLimit);
  // What they cost by Atlassian's model, for the job to count as its own (TreeJob.startPoints).
  const startPoints = requests + l.count;
  if (listingDone(l)) {
    const planned = await planListing(deps.app, shape, l, [...known.values()]);
    return storeJob(deps, input, jobId, planned.plan, { ...shape, ...planned.found, startPoints });
  }
  await saveListing(deps.kv, jobId, l, [...known.values()]);
  const job = newJob(input, jobId, { ...shape, startPoints }, deps.now().toISOString(), { total: 0, nodeChunks: 0, listing: true });
  await deps.kv.set(keys.job(jobId), job);
  await setProgress(deps.kv, jobId, { jobId, phase: 'listing', done: 0, total: 0, listed: l.count, skipped: 0, report: [], invocations: 0, updatedAt: job.createdAt });
  await deps.push(jobId);
  return { jobId, total: 0, skipped: 0, listed: l.count };
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

/** Stores the planned job and its first progress, and queues it. */
async function storeJob(
  deps: Pick<CreateDeps, 'kv' | 'push' | 'now'>,
  input: JobInput,
  jobId: string,
  plan: TreePlan,
  shape: Shape & Pick<TreeJob, 'unlisted' | 'unlistedMore' | 'unreadable'>,
): Promise<TreeStartResult> {
  const nodeChunks = await saveNodes(deps.kv, jobId, plan.nodes);
  const job = newJob(input, jobId, shape, deps.now().toISOString(), { total: plan.pageIds.length, nodeChunks });
  await deps.kv.set(keys.job(jobId), job);
  await setProgress(deps.kv, jobId, {
    jobId,
    phase: 'queued',
    done: 0,
    total: job.total,
    skipped: plan.skipped.length,
    report: summarize(plan.skipped),
    invocations: 0,
    updatedAt: job.createdAt,
  });
  await deps.push(jobId);
  return { jobId, total: job.total, skipped: plan.skipped.length };
}

function newJob(input: JobInput, jobId: string, shape: Shape & Partial<Pick<TreeJob, 'unlisted' | 'unlistedMore' | 'unreadable'>>, createdAt: string, counts: Pick<TreeJob, 'total' | 'nodeChunks' | 'listing'>): TreeJob {
  const { baseUrl, ...fields } = shape;
  return {
    jobId,
    ...fields,
    requester: input.requester,
    options: input.options,
    ...(input.fullBecause ? { fullBecause: input.fullBecause } : {}),
    // Stored for the consumer, which runs without a Forge context; `siteUrl` is only "if available".
    siteUrl: siteUrlFrom(input.siteUrl, baseUrl) ?? '',
    createdAt,
    ...counts,
    delivery: input.attach ? 'attach' : 'download',
  };
}

/** What a zip's name says it holds: the format, or the preset a Markdown export was shaped for (each preset its own name). */
export function zipKind(options: ExportOptions): string {
  return options.format === 'md' && options.preset && options.preset !== 'gfm' ? options.preset : options.format;
}
