/**
 * The tree-export job, without Forge: create it from the user's listing, then run it in as many
 * invocations as it takes. Each batch of up to 250 pages is fetched in one bulk request, converted,
 * and stored (compressed) before the checkpoint moves on, so an invocation can stop after any batch
 * and the next one resumes there. The last invocation builds the zip and attaches it to the root.
 */
import pLimit from 'p-limit';
import { BULK_IDS, type Confluence, type ContentRef } from '../confluence/client';
import { isConfluenceError, orElse, passConsent } from '../confluence/errors';
import { JOB_RETRY, type RetryPolicy } from '../confluence/retry';
import { collect } from '../confluence/paginate';
import { siteUrlFrom } from '../confluence/site';
import { allDescendants } from '../confluence/tree';
import type { Attachment, Page } from '../confluence/types';
import { AdfError, type MediaAttrs, type MediaResolver } from '../export/adf';
import { ZipBuilder } from '../export/bundle';
import { createLinkRewriter, relativeHref } from '../export/links';
import { summarize, type ReportEntry } from '../export/report';
import { attachmentMedia, authorIds, displayNames, FORMAT_INFO, loadComments, mentionIds, parseAdf, renderPage, type PageData } from '../export/service';
import { fileName, safeSegment, uniqueName } from '../export/names';
import { ATTACHMENTS_DIR, planTree, type TreeNode } from '../export/tree/plan';
import type { ExportOptions, TreeStartResult, TreeStatus } from '../shared/export';
import type { KeyValue } from '../storage/kv';
import {
  cleanup,
  keys,
  loadNodes,
  readOutput,
  saveNodes,
  saveOutput,
  setProgress,
  type Checkpoint,
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
  /** Consecutive failed attempts (rate limits, outages) before the job gives up. */
  maxFailures: 6,
  /** Parallel per-page requests (comments, attachment lists, downloads). */
  concurrency: 4,
  /** Retries of each request before the batch counts as failed (and the job re-queues itself). */
  retry: JOB_RETRY as RetryPolicy,
};

/** Largest tree a job accepts (items in the listing, pages or not). */
export const MAX_ITEMS = 20_000;

// ---------------------------------------------------------------------------------------------
// Creating a job (as the user)

export interface CreateDeps {
  /** Acts as the user: the listing fixes what the job may export. */
  client: Pick<Confluence, 'getPage' | 'descendants'>;
  kv: KeyValue;
  /** Queues the first run. */
  push(jobId: string): Promise<void>;
  newId(): string;
  now(): Date;
}

/** At most this many unlisted subtrees are named in the report; the rest are counted. */
const MAX_UNLISTED = 200;
/** Time the user-scoped listing may take inside `export/tree/start` (resolvers get 25 s). */
export const LISTING_BUDGET_MS = 18_000;

export class TreeListingTooSlow extends Error {
  constructor(readonly listed: number) {
    super(`Listing the tree took too long (${listed} items listed)`);
  }
}

export class TreeTooLarge extends Error {
  constructor(readonly items: number) {
    super(`The tree has more than ${MAX_ITEMS} items`);
  }
}

export async function createTreeJob(
  deps: CreateDeps,
  input: { root: ContentRef; requester: string; siteUrl?: string; options: ExportOptions; listUntil?: number },
): Promise<TreeStartResult> {
  const started = deps.now().getTime();
  const root = await deps.client.getPage(input.root.id);
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
  const plan = planTree({ id: root.id, title: root.title ?? 'Export', type: 'page' }, listed);
  const jobId = deps.newId();
  const nodeChunks = await saveNodes(deps.kv, jobId, plan.nodes);
  const createdAt = deps.now().toISOString();
  const job: TreeJob = {
    jobId,
    root: { id: root.id, type: 'page', title: root.title ?? 'Export', version: root.version?.number ?? 0 },
    requester: input.requester,
    options: input.options,
    // Stored for the consumer, which runs without a Forge context; `siteUrl` is only "if available".
    siteUrl: siteUrlFrom(input.siteUrl, root._links?.base) ?? '',
    createdAt,
    total: plan.pageIds.length,
    nodeChunks,
    fileName: fileName(`${root.title ?? 'Export'} (tree, ${input.options.format})`, 'zip'),
    ...(unlisted.length > 0 ? { unlisted } : {}),
    ...(unlistedMore > 0 ? { unlistedMore } : {}),
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
// Running a job (as the app)

export type RunClient = Pick<
  Confluence,
  'pagesByIds' | 'users' | 'getSpace' | 'attachments' | 'downloadAttachment' | 'uploadAttachment' | 'inlineComments' | 'inlineReplies' | 'footerComments' | 'footerReplies' | 'getInlineComment'
>;

export interface RunDeps {
  /** Acts as the app, on ids from the user's listing only. */
  client: RunClient;
  kv: KeyValue;
  remainingMs(): number;
  /** Queues the next invocation of this job. */
  continueLater(jobId: string, delaySeconds: number): Promise<void>;
  now(): Date;
  /** Called once the zip is attached. */
  onDone?(job: TreeJob, attachment: { id: string; fileName: string; bytes: number }): Promise<void>;
  css?: string;
}

export type RunOutcome = 'done' | 'continued' | 'cancelled' | 'failed' | 'missing' | 'finished-before';

export async function runTreeJob(jobId: string, deps: RunDeps): Promise<RunOutcome> {
  const { kv } = deps;
  const job = await kv.get<TreeJob>(keys.job(jobId));
  if (!job) return 'missing';
  const progress = await kv.get<TreeStatus>(keys.progress(jobId));
  // Events can be delivered twice: a finished job stays finished.
  if (progress && (progress.phase === 'done' || progress.phase === 'failed' || progress.phase === 'cancelled')) return 'finished-before';
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
    report: summary,
    invocations: ckpt.invocations,
    updatedAt: deps.now().toISOString(),
    ...more,
  });
  const cancelled = async (): Promise<boolean> => {
    if (!(await kv.get<boolean>(keys.cancel(jobId)))) return false;
    await setProgress(kv, jobId, status('cancelled'));
    await cleanup(kv, job, ckpt.outChunks);
    return true;
  };
  if (await cancelled()) return 'cancelled';

  const nodes = await loadNodes(kv, job);
  const ext = FORMAT_INFO[job.options.format].ext;
  const fileOf = new Map<string, string>();
  const pages: TreeNode[] = [];
  for (const n of nodes) {
    if (n.type !== 'page') continue;
    fileOf.set(n.id, `${n.dir}/index.${ext}`);
    pages.push(n);
  }
  // Exported child pages per page, for the `children` macro.
  const kids = new Map<string, TreeNode[]>();
  for (const n of pages) {
    if (!n.parentId) continue;
    const list = kids.get(n.parentId);
    if (list) list.push(n);
    else kids.set(n.parentId, [n]);
  }
  const users = new Map<string, string>();
  let slowest = 0;

  try {
    while (ckpt.next < pages.length) {
      await setProgress(kv, jobId, status('converting'));
      const batch = pages.slice(ckpt.next, ckpt.next + tuning.batchSize);
      const t0 = Date.now();
      const chunk = await convertBatch(job, batch, fileOf, kids, users, ckpt, deps);
      ckpt.outChunks += await saveOutput(kv, jobId, ckpt.outChunks, chunk);
      ckpt.next += batch.length;
      ckpt.done += chunk.pages.length;
      ckpt.skipped += batch.length - chunk.pages.length;
      ckpt.failures = 0;
      summary = mergeSummary(summary, chunk.report);
      await kv.set(keys.ckpt(jobId), ckpt);
      await setProgress(kv, jobId, status('converting'));
      slowest = Math.max(slowest, Date.now() - t0);
      if (await cancelled()) return 'cancelled';
      if (ckpt.next < pages.length && deps.remainingMs() < Math.max(tuning.reserveMs, 2 * slowest)) {
        await deps.continueLater(jobId, 0);
        return 'continued';
      }
    }
    // The zip phase is not split; give it a fresh invocation when this one has run long.
    if (deps.remainingMs() < tuning.zipReserveMs && !ckpt.zipDeferred) {
      ckpt.zipDeferred = true;
      await kv.set(keys.ckpt(jobId), ckpt);
      await deps.continueLater(jobId, 0);
      return 'continued';
    }
    await setProgress(kv, jobId, status('zipping'));
    const { bytes, report } = await buildZip(job, nodes, fileOf, ckpt, deps);
    summary = summarize(report);
    await setProgress(kv, jobId, status('uploading'));
    const uploaded = await deps.client.uploadAttachment(job.root.id, {
      name: job.fileName,
      bytes,
      mediaType: 'application/zip',
      comment: `Page tree export (${job.total} pages, ${job.options.format})`,
    });
    const attachment = { id: uploaded.id, fileName: job.fileName, downloadLink: uploaded.downloadLink, bytes: bytes.byteLength };
    await setProgress(kv, jobId, status('done', { attachment }));
    await cleanup(kv, job, ckpt.outChunks);
    await deps.onDone?.(job, attachment);
    return 'done';
  } catch (e) {
    passConsent(e);
    ckpt.failures += 1;
    await kv.set(keys.ckpt(jobId), ckpt);
    if (retryable(e) && ckpt.failures < tuning.maxFailures) {
      // The checkpoint holds every finished batch; the next attempt picks up at the failed one.
      const wait = isConfluenceError(e) && e.retryAfter !== undefined ? e.retryAfter : Math.min(900, 15 * 2 ** ckpt.failures);
      await deps.continueLater(jobId, Math.ceil(wait));
      return 'continued';
    }
    const error = isConfluenceError(e)
      ? { code: e.code, message: `${e.message}. ${e.hint}` }
      : { code: 'INTERNAL', message: 'The export failed unexpectedly. Try again; if it keeps failing, tell the app developers.' };
    await setProgress(kv, jobId, status('failed', { error }));
    return 'failed';
  }
}

function retryable(e: unknown): boolean {
  if (!isConfluenceError(e)) return e instanceof TypeError; // fetch's network failures
  return e.status === 429 || e.status === 0 || e.status >= 500;
}

function mergeSummary(summary: TreeStatus['report'], entries: readonly ReportEntry[]): TreeStatus['report'] {
  const add = summarize(entries);
  const out = summary.map((s) => ({ ...s }));
  for (const a of add) {
    const found = out.find((s) => s.kind === a.kind && s.what === a.what);
    if (found) found.count += a.count;
    else out.push(a);
  }
  return out.sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind) || a.what.localeCompare(b.what));
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
): Promise<OutputChunk> {
  const { client } = deps;
  const options = job.options;
  const storage = options.format === 'storage';
  const wanted = new Set(batch.map((n) => n.id));
  const fetched = new Map<string, Page>();
  for await (const p of client.pagesByIds([...wanted], storage ? 'storage' : 'atlas_doc_format')) {
    // Only ids from the user's listing: whatever else came back is ignored.
    if (wanted.has(p.id)) fetched.set(p.id, p);
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
  if (unknown.length > 0 && !storage) for (const [id, name] of displayNames(await client.users(unknown))) users.set(id, name);
  if (options.frontMatter && !storage) {
    for (const spaceId of new Set(present.map((p) => p.page.spaceId).filter((s): s is string => !!s))) {
      if (ckpt.spaceKeys[spaceId] === undefined) ckpt.spaceKeys[spaceId] = (await client.getSpace(spaceId).catch(orElse(undefined)))?.key ?? '';
    }
  }

  const limit = pLimit(tuning.concurrency);
  const pages = await Promise.all(
    present.map(({ node, page }) =>
      limit(async (): Promise<PageOutput | undefined> => {
        const ref: ContentRef = { id: page.id, type: 'page' };
        const file = fileOf.get(page.id) ?? `${node.dir}/index`;
        const [comments, attachments] = await Promise.all([
          options.comments && !storage ? loadComments(client, ref) : Promise.resolve(undefined),
          options.attachments ? collect(client.attachments(ref)) : Promise.resolve([] as Attachment[]),
        ]);
        if (comments) {
          const missing = comments.raw.map((c) => c.version?.authorId).filter((id): id is string => !!id && !users.has(id));
          if (missing.length > 0) for (const [id, name] of displayNames(await client.users(missing))) users.set(id, name);
        }
        const files: PageOutput['files'] = [];
        let media: MediaResolver;
        if (options.attachments) {
          const taken = new Set<string>();
          const local = new Map<string, string>();
          for (const a of attachments) {
            const path = `${node.dir}/${ATTACHMENTS_DIR}/${uniqueName(taken, safeSegment(a.title ?? a.id))}`;
            local.set(a.id, path);
            files.push({ id: a.id, path, mediaType: a.mediaType ?? 'application/octet-stream' });
          }
          media = attachmentMedia(attachments, job.siteUrl, (a) => {
            const path = local.get(a.id);
            return path ? relativeHref(file, path) : undefined;
          });
        } else {
          media = downloadMedia(page.id, job.siteUrl);
        }
        const links = new Set<string>();
        const data: PageData = {
          page,
          type: 'page',
          spaceKey: page.spaceId ? ckpt.spaceKeys[page.spaceId] || undefined : undefined,
          users,
          inline: comments?.inline(users),
          footer: comments?.footer(users),
          media,
          siteUrl: job.siteUrl,
        };
        const out = readable(() => renderPage(data, options, {
          css: deps.css,
          children: () => (kids.get(page.id) ?? []).map((k) => ({ title: k.title, href: relativeHref(file, fileOf.get(k.id) ?? `${k.dir}/index.${FORMAT_INFO[options.format].ext}`) })),
          linkRewrite: storage ? undefined : createLinkRewriter({ from: file, fileOf: (id) => fileOf.get(id), siteUrl: job.siteUrl, onLink: (id) => links.add(id) }),
        }));
        if (!out) {
          // One page Confluence returned with a body the converter cannot read must not fail the job.
          report.push({ kind: 'page-skipped', what: 'page', pageId: page.id, detail: `"${node.title}" was not exported: its body is not a readable ADF document.` });
          return undefined;
        }
        report.push(...out.report, ...(comments?.skipped ?? []));
        return { id: page.id, file, text: out.text, links: [...links], files };
      }),
    ),
  );
  return { pages: pages.filter((p): p is PageOutput => p !== undefined), report };
}

/** The value, or undefined when the converter refused the page's body (AdfError). */
function readable<T>(run: () => T): T | undefined {
  try {
    return run();
  } catch (e) {
    if (e instanceof AdfError) return undefined;
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
      href: `${siteUrl.replace(/\/$/, '')}/wiki/download/attachments/${encodeURIComponent(pageId)}/${encodeURIComponent(name)}`,
      title: name,
      isImage: /\.(png|jpe?g|gif|svg|webp|bmp)$/i.test(name),
    };
  };
}

/** Builds the zip from the stored output: pages, attachments (downloaded now), manifest. */
async function buildZip(
  job: TreeJob,
  nodes: readonly TreeNode[],
  fileOf: ReadonlyMap<string, string>,
  ckpt: Checkpoint,
  deps: RunDeps,
): Promise<{ bytes: Uint8Array; report: ReportEntry[] }> {
  const zip = new ZipBuilder(new Date(job.createdAt));
  const mediaType = FORMAT_INFO[job.options.format].mediaType;
  const report: ReportEntry[] = nodes
    .filter((n) => n.type !== 'page')
    .map((n) => ({ kind: 'page-skipped' as const, what: n.type, pageId: n.id, detail: `"${n.title}" is a ${n.type}, not a page; only pages are exported (its child pages are).` }));
  for (const u of job.unlisted ?? []) {
    report.push({ kind: 'page-skipped', what: u.type, pageId: u.id, detail: `Pages below "${u.title}" were not listed: Confluence lists at most 10 levels at a time and cannot continue from a ${u.type}. Export that part of the tree from a page inside it.` });
  }
  if (job.unlistedMore) {
    report.push({ kind: 'page-skipped', what: 'subtree', detail: `Pages below ${job.unlistedMore} more items at the 10-level limit were not listed either.` });
  }
  const exported = new Set<string>();
  const graph: Array<{ from: string; to: string[] }> = [];
  const downloads: Array<{ pageId: string } & PageOutput['files'][number]> = [];
  for await (const chunk of readOutput(deps.kv, job.jobId, ckpt.outChunks)) {
    for (const p of chunk.pages) {
      zip.add(p.file, p.text, mediaType);
      exported.add(p.id);
      if (p.links.length > 0) graph.push({ from: p.id, to: p.links });
      for (const f of p.files) downloads.push({ pageId: p.id, ...f });
    }
    report.push(...chunk.report);
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
  // Added in listing order, after the downloads, so the zip does not depend on which finished first.
  for (const f of files) if (f) zip.add(f.d.path, f.bytes, f.d.mediaType);
  const manifest = {
    generator: 'Content Toolkit',
    root: { id: job.root.id, title: job.root.title },
    exportedAt: job.createdAt,
    options: job.options,
    pages: exported.size,
    tree: nodes.map((n) => ({
      id: n.id,
      title: n.title,
      type: n.type,
      ...(n.parentId ? { parentId: n.parentId } : {}),
      dir: n.dir,
      ...(exported.has(n.id) ? { file: fileOf.get(n.id) } : { skipped: true }),
    })),
    links: graph,
    report,
  };
  zip.add('manifest.json', JSON.stringify(manifest, null, 2), 'application/json');
  return { bytes: zip.finish(), report };
}
