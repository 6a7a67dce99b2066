/**
 * Plan: creating a tree job, as the user. Lists the page's tree (or the whole space) within the
 * resolver's time, plans the files, stores the job with its first progress, and queues its first run.
 */
import type { Confluence, ContentRef } from '../confluence/client';
import { orElse } from '../confluence/errors';
import { siteUrlFrom } from '../confluence/site';
import { allDescendants } from '../confluence/tree';
import type { Page, Space } from '../confluence/types';
import { summarize } from '../export/report';
import { fileName } from '../export/names';
import { planTree, type TreePlan } from '../export/tree/plan';
import { planSpace } from '../export/tree/space';
import type { ExportOptions, TreeStartResult } from '../shared/export';
import type { CreateDeps } from './tree-deps';
import { keys, saveNodes, setProgress, type TreeJob } from './tree-store';

/** Largest tree a job accepts (items in the listing, pages or not). */
export const MAX_ITEMS = 20_000;

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

/** What a zip's name says it holds: the format, or the preset a Markdown export was shaped for (each preset its own name). */
export function zipKind(options: ExportOptions): string {
  return options.format === 'md' && options.preset && options.preset !== 'gfm' ? options.preset : options.format;
}
