/**
 * Fetch: what converting a batch needs from Confluence. Page bodies and blog posts in bulk, the names
 * they mention, space keys and labels per batch; comments and attachment lists per page.
 */
import type { ContentRef } from '../confluence/client';
import { orElse } from '../confluence/errors';
import { collect } from '../confluence/paginate';
import type { Attachment, Page } from '../confluence/types';
import type { ReportEntry } from '../export/report';
import { authorIds, displayNames, loadComments, mentionIds, parseAdf } from '../export/service';
import type { TreeNode } from '../export/tree/plan';
import type { ExportOptions } from '../shared/export';
import type { RunDeps } from './tree-deps';
import { labelSource } from './tree-labels';
import type { Checkpoint, TreeJob } from './tree-store';
import { readable } from './tree-tuning';

export type LabelSource = ReturnType<typeof labelSource>;

/** A fetched batch: the pages Confluence returned, in batch order, and their labels. */
export interface FetchedBatch {
  present: Array<{ node: TreeNode; page: Page }>;
  /** Pages asked for and not returned. */
  report: ReportEntry[];
  labels?: Awaited<ReturnType<LabelSource>>;
}

/** Fetches one batch in bulk. Pages missing from the answer are reported, not retried. */
export async function fetchBatch(
  job: TreeJob,
  batch: readonly TreeNode[],
  users: Map<string, string>,
  ckpt: Checkpoint,
  deps: RunDeps,
  labelsFor?: LabelSource,
): Promise<FetchedBatch> {
  const { client } = deps;
  const options = job.options;
  const storage = options.format === 'storage';
  const wanted = new Set(batch.map((n) => n.id));
  const fetched = new Map<string, Page>();
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
      // An unreadable body is reported when the page is converted (./tree-convert).
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
  return { present, report, labels };
}

/** One page's comments and attachment list; names of comment authors not yet known go into `users`. */
export async function fetchPageParts(deps: RunDeps, options: ExportOptions, ref: ContentRef, users: Map<string, string>) {
  const { client } = deps;
  const storage = options.format === 'storage';
  const [comments, attachments] = await Promise.all([
    options.comments && !storage ? loadComments(client, ref) : Promise.resolve(undefined),
    options.attachments ? collect(client.attachments(ref)) : Promise.resolve([] as Attachment[]),
  ]);
  if (comments) {
    const missing = comments.raw.map((c) => c.version?.authorId).filter((id): id is string => !!id && !users.has(id));
    if (missing.length > 0) for (const [id, name] of displayNames(await deps.app.users(missing))) users.set(id, name);
  }
  return { comments, attachments };
}

/** Whether pages carry their metadata (labels): Markdown with front matter, HTML and JSON always; storage never. */
function hasMeta(options: ExportOptions): boolean {
  return options.format === 'md' ? options.frontMatter : options.format !== 'storage';
}

/** Where the batches of a run get their labels from (./tree-labels), or undefined when pages carry none. */
export function labelsOf(job: TreeJob, deps: RunDeps, ckpt: Checkpoint, todo: readonly TreeNode[], fileOf: ReadonlyMap<string, string>): LabelSource | undefined {
  return hasMeta(job.options)
    ? labelSource({
        reads: { spaceLabels: (id) => deps.app.spaceLabels(id), labelled: (...a) => deps.client.labelled(...a), labels: (ref) => deps.client.labels(ref) },
        kv: deps.kv,
        jobId: job.jobId,
        ckpt,
        wanted: new Set(todo.filter((n) => fileOf.has(n.id)).map((n) => n.id)),
        types: todo.some((n) => n.type === 'blogpost') ? ['page', 'blogpost'] : ['page'],
      })
    : undefined;
}
