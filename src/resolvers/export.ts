/**
 * Export resolvers: unpack, validate, call the export service or the tree job, return. The content
 * id always comes from the Forge context; Confluence is called as the user.
 */
import type Resolver from '@forge/resolver';
import { recordExport } from '../activity/freshness';
import { createClient, type ContentRef } from '../confluence/client';
import { attachmentBrowserUrl, siteUrlFrom } from '../confluence/site';
import type { Space } from '../confluence/types';
import { AdfError } from '../export/adf';
import { confluenceAudience, type Audience } from '../export/audience';
import { exportPage, DEFAULT_OPTIONS, type ExportResult } from '../export/service';
import { keys, loadZip, type TreeJob } from '../jobs/tree-store';
import { listByPrefix, startIncrementalExport, startSpaceExport, startTreeExport, treeChanges } from '../jobs/tree-export';
import { isBase, markDownloaded, NO_BASE } from '../jobs/tree-base';
import { forgetJob, TreeJobLimit, TreeStorageFull } from '../jobs/tree-limits';
import { dismissGone, listJobs } from '../jobs/tree-jobs';
import { LISTING_BUDGET_MS, MAX_ITEMS, TreeListingTooSlow, TreeTooLarge, TreeWriteForbidden } from '../jobs/tree-plan';
import {
  EXPORT_FORMATS,
  EXPORT_MODES,
  EXPORT_PRESETS,
  type ExportJobs,
  type SpaceChoice,
  type SpaceList,
  type ExportMode,
  type TreeChanges,
  type ExportPreset,
  type ExportAttachResult,
  type ExportOptions,
  type ExportPageResult,
  type TreeDownloadResult,
  type TreeStartResult,
  type TreeStatus,
} from '../shared/export';
import { bool, int, object, oneOf, optional, str } from '../shared/validate';
import { forgeKv } from '../storage/kv';
import { requireContent, requireContentId, type CallContext } from './context';
import { AppError, defineResolver } from './define';
import { deadlineWithin, MAX_RESPONSE_BYTES, megabytes, responseBytes } from './limits';

/** Time a page export may spend reading comment replies, leaving room to convert within 25 s. */
const COMMENTS_BUDGET_MS = 15_000;

const optionFields = {
  format: oneOf(EXPORT_FORMATS),
  frontMatter: optional(bool()),
  comments: optional(bool()),
  anchors: optional(bool()),
  attachments: optional(bool()),
};

const pagePayload = object({ ...optionFields, children: optional(bool()) });
const optionsPayload = object(optionFields);
const jobId = str({ min: 1, max: 64, pattern: /^[A-Za-z0-9-]+$/ });
const jobPayload = object({ jobId });
/** `mode`: incremental (the default) builds on the caller's earlier export of the same root when there is one. */
const treePayload = object({ ...optionFields, attach: optional(bool()), preset: optional(oneOf(EXPORT_PRESETS)), mode: optional(oneOf(EXPORT_MODES)) });
/**
 * A space key: letters and digits for team spaces, `~` and an account id (letters, digits, `:`,
 * `-`) for personal ones.
 */
const spaceKey = str({ min: 1, max: 255, pattern: /^~?[A-Za-z0-9][A-Za-z0-9_:-]*$/ });
const spacePayload = object({ ...optionFields, preset: optional(oneOf(EXPORT_PRESETS)), space: optional(spaceKey), mode: optional(oneOf(EXPORT_MODES)) });
/** `export/spaces`: part of a name or key to look for. */
const spacesPayload = object({ query: optional(str({ min: 0, max: 100 })) });
/** Matches one `export/spaces` search answers with at most; past it, the answer says `more`. */
export const SPACES_SHOWN = 1000;
/** Time an `export/spaces` search may spend paging through a large site's spaces, within the 25 s. */
const SPACES_BUDGET_MS = 10_000;
/** `export/tree/changes`: the options of the export the panel would start, and whether it is the tree's or the space's. */
const changesPayload = object({ ...optionFields, preset: optional(oneOf(EXPORT_PRESETS)), scope: oneOf(['tree', 'space'] as const), space: optional(spaceKey) });
/** A download's slice (10,000 slices of 200 KiB would be 2 GB, far beyond any zip a job makes). */
const downloadPayload = object({ jobId, part: int({ min: 0, max: 10_000 }) });
/**
 * KVS pieces per `export/tree/download` answer: 16 × 200 KiB of base64 ≈ 3.3 MB, under the 5 MB
 * invoke response limit with room for the envelope; fewer, larger answers mean fewer round trips.
 */
export const PIECES_PER_PART = 16;

function options(input: { format: ExportOptions['format']; frontMatter?: boolean; comments?: boolean; anchors?: boolean; attachments?: boolean; preset?: ExportPreset }): ExportOptions {
  return {
    ...(input.preset && input.preset !== 'gfm' ? { preset: input.preset } : {}),
    format: input.format,
    frontMatter: input.frontMatter ?? DEFAULT_OPTIONS.frontMatter,
    comments: input.comments ?? DEFAULT_OPTIONS.comments,
    anchors: input.anchors ?? DEFAULT_OPTIONS.anchors,
    attachments: input.attachments ?? DEFAULT_OPTIONS.attachments,
  };
}

/** One page exported as the user; a body the converter cannot read is the page's problem, not the app's. */
async function exportAs(client: ReturnType<typeof createClient>, ref: ContentRef, opts: ExportOptions, ctx: CallContext, audience?: Audience, answerBytes?: number): Promise<ExportResult> {
  try {
    // Resolvers get 25 s; replies not read by then are reported, and the rest still converts.
    return await exportPage(client, ref, opts, { siteUrl: ctx.siteUrl, deadline: deadlineWithin(COMMENTS_BUDGET_MS, 0.4), ...(audience ? { audience } : {}), ...(answerBytes ? { answerBytes } : {}) });
  } catch (e) {
    if (e instanceof AdfError) {
      throw new AppError('UNREADABLE_BODY', 'Confluence returned a page body the exporter cannot read.', 'Try the "storage" format, which exports the body as Confluence stores it.');
    }
    throw e;
  }
}

/**
 * The export as the panel receives it. The 5 MB invoke limit applies to the whole JSON answer (the
 * envelope, the report, and the text with its JSON escaping, which can double an HTML export), so
 * that is what is measured; over it, the user is sent to "Attach to page", which has no such limit.
 */
function fitInResponse(result: ExportPageResult): ExportPageResult {
  const bytes = responseBytes({ ok: true, data: result });
  if (bytes > MAX_RESPONSE_BYTES) {
    throw new AppError(
      'TOO_LARGE',
      `This export is ${megabytes(bytes)} as the panel receives it, more than the ${megabytes(MAX_RESPONSE_BYTES)} Forge lets an app send to the panel.`,
      'Use "Attach to page": the file is saved on the page, and you can download it from there.',
    );
  }
  return result;
}

/**
 * The job and its progress, checked to belong to the caller AND to the page the panel is on: a job
 * id alone (or one from another page) never reveals an export.
 */
async function ownJob(jobId: string, ctx: CallContext): Promise<{ job: TreeJob; status: TreeStatus }> {
  const job = await forgeKv.get<TreeJob>(keys.job(jobId));
  const status = job && job.requester === ctx.accountId && startedHere(job, ctx) ? await forgeKv.get<TreeStatus>(keys.progress(job.jobId)) : undefined;
  if (!job || !status) throw new AppError('NOT_FOUND', 'No such export job.', 'Start the tree export again from the page.');
  return { job, status };
}

/**
 * A tree job belongs to the page it was started on; a space job to its space (from a page of that
 * space) or to the global page (no content, no space in its context).
 */
function startedHere(job: Pick<TreeJob, 'root' | 'startedOn'>, ctx: CallContext): boolean {
  // The global page has neither content nor space: "Your exports" there acts on every one of yours.
  if (!ctx.content && !ctx.space?.id) return true;
  if (job.root.type !== 'space') return job.root.id === requireContentId(ctx);
  if (ctx.space?.id) return ctx.space.id === job.root.id;
  // Without a space in the context: the page it was started on, or the global page (any of yours).
  return ctx.content ? ctx.content.id === job.startedOn : true;
}

/** Rejects a preset with a format it cannot shape. */
function checkPreset(o: { preset?: ExportPreset; format: ExportOptions['format'] }): void {
  if (o.preset && o.preset !== 'gfm' && o.format !== 'md') {
    throw new AppError('BAD_REQUEST', `The ${o.preset} preset shapes Markdown; it cannot be used with the ${o.format} format.`, 'Choose Markdown, or the GFM preset.');
  }
}

/**
 * The space to export, read as the user (so one they cannot see answers NOT_FOUND): the one the
 * module's context names (a page's panel), or on the global page, which has none, the key given.
 */
async function spaceToExport(ctx: CallContext, key: string | undefined): Promise<Space> {
  const client = createClient('user');
  const here = ctx.space?.id;
  if (here) {
    if (key !== undefined) throw new AppError('BAD_REQUEST', 'The space comes from the page the panel is on; do not name one.', 'Leave out "space", or use the global page to export another space.');
    return client.getSpace(here);
  }
  if (ctx.content) {
    // The byline and ••• contexts document `space`; without it, the page's own space (read as the user).
    const ref = await requireContent(ctx);
    const { spaceId } = ref.type === 'blogpost' ? await client.getBlogPost(ref.id) : await client.getPage(ref.id);
    if (!spaceId) throw new AppError('NO_SPACE', 'Confluence did not say which space this page is in.', 'Export the space from the Content Toolkit global page.');
    if (key !== undefined) throw new AppError('BAD_REQUEST', 'The space comes from the page the panel is on; do not name one.', 'Leave out "space", or use the global page to export another space.');
    return client.getSpace(spaceId);
  }
  if (key === undefined) throw new AppError('BAD_REQUEST', 'Name the space to export (its key).', 'Choose it from the list, or type its key, as shown in the space\'s address (/wiki/spaces/KEY).');
  // Confluence lists only spaces the caller may view: an unknown key and one they cannot read get
  // the same answer, so it never tells whether a space exists.
  const found = await client.spaceByKey(key);
  if (!found) throw new AppError('NOT_FOUND', `You have no space with the key "${key}" to export.`, 'Check the key, or choose the space from the list: it shows every space you can see.');
  return found;
}

/** The tree job's refusals, in the user's words. */
function jobError(e: unknown, what: 'tree' | 'space'): unknown {
  if (e instanceof TreeWriteForbidden) {
    return new AppError('FORBIDDEN', 'You cannot add attachments to this page, so the tree export cannot be attached to it.', 'Export without "Attach to the page": the zip is then downloaded by you only.');
  }
  if (e instanceof TreeJobLimit) {
    return new AppError(
      'TOO_MANY_JOBS',
      `${e.message}.`,
      `Wait for one to finish (or cancel one), then start the ${what === 'tree' ? 'tree' : 'space'} export again.`,
    );
  }
  if (e instanceof TreeStorageFull) {
    // The requester's own exports, named to them alone (the titles were theirs to read when exported).
    const named = e.held.slice(0, 5).map((h) => `"${h.title ?? 'an export'}"`).join(', ');
    const more = e.held.length > 5 ? ` and ${e.held.length - 5} more` : '';
    return new AppError(
      'STORAGE_FULL',
      `${e.message} (${named}${more}). The app keeps them for you, so it cannot start another one.`,
      'Download them, or dismiss the ones you do not need with "Clear" in the Export tab of the page each was started on, then start this export again. Each is also deleted by itself a day after it finished.',
    );
  }
  const smaller = what === 'tree' ? 'Export a smaller branch: open the export from a page further down the tree' : 'Export the space in parts: open the tree export from pages of the space';
  if (e instanceof TreeListingTooSlow) {
    return new AppError('TOO_SLOW', `Confluence took too long to list this ${what} (${e.listed} items listed so far).`, `${smaller}, or try again when the site is less busy.`);
  }
  if (e instanceof TreeTooLarge) {
    return new AppError('TOO_LARGE', `This ${what} has more than ${MAX_ITEMS} items.`, `${smaller}.`);
  }
  return e;
}

const started = (r: TreeStartResult | { reason?: string }): r is TreeStartResult => typeof (r as { jobId?: unknown }).jobId === 'string';

/** Starts an incremental export unless `mode` is full or there is nothing to build on (then: why). */
async function incremental(mode: ExportMode | undefined, input: Parameters<typeof startIncrementalExport>[0]): Promise<TreeStartResult | { reason?: string }> {
  if (mode === 'full') return {};
  return startIncrementalExport(input);
}

export function registerExportResolvers(resolver: Resolver): void {
  defineResolver(resolver, 'export/page', pagePayload, async (input, ctx): Promise<ExportPageResult> => {
    if (input.children) {
      throw new AppError('USE_TREE_EXPORT', 'Child pages are exported with the page tree export.', 'Use "Export page tree": it exports the page and all its children into one zip.');
    }
    const opts = options(input);
    const r = await exportAs(createClient('user'), await requireContent(ctx), opts, ctx, undefined, MAX_RESPONSE_BYTES);
    const bundle = r.bundle ? { fileName: r.bundle.fileName, mediaType: 'application/zip' as const, data: Buffer.from(r.bundle.bytes).toString('base64'), bytes: r.bundle.bytes.byteLength } : undefined;
    const result = fitInResponse({ text: r.text, report: r.report, fileName: r.fileName, mediaType: r.mediaType, version: r.version, title: r.title, ...(bundle ? { bundle } : {}) });
    await recordExport(forgeKv, requireContentId(ctx), { version: r.version, format: opts.format, at: new Date().toISOString(), accountId: ctx.accountId, kind: 'download' });
    return result;
  });

  defineResolver(resolver, 'export/attach', optionsPayload, async (input, ctx): Promise<ExportAttachResult> => {
    const ref = await requireContent(ctx);
    const opts = options(input);
    const client = createClient('user');
    // Attached files are read by every viewer of the page, not just the caller.
    const r = await exportAs(client, ref, opts, ctx, confluenceAudience(client, ref));
    // Uploading the same name again makes a new version of the attachment (v1 PUT semantics).
    const att = await client.uploadAttachment(ref.id, {
      name: r.fileName,
      bytes: new TextEncoder().encode(r.text),
      mediaType: r.mediaType,
      comment: `Export of version ${r.version} (${opts.format})`,
    });
    await recordExport(forgeKv, ref.id, { version: r.version, format: opts.format, at: new Date().toISOString(), accountId: ctx.accountId, kind: 'attachment' });
    // A link the person's browser opens, not the upload's `_links.download` (an API path).
    const site = siteUrlFrom(ctx.siteUrl, att._links?.base);
    const version = att.version?.number ?? 1;
    return { attachmentId: att.id, fileName: r.fileName, attachmentVersion: version, ...(site ? { downloadLink: attachmentBrowserUrl(site, ref.id, r.fileName, version) } : {}), report: r.report };
  });

  defineResolver(resolver, 'export/tree/start', treePayload, async (input, ctx): Promise<TreeStartResult> => {
    const ref = await requireContent(ctx);
    if (ref.type !== 'page') throw new AppError('NOT_A_PAGE', 'Only pages have a page tree.', 'Open the tree export from a page.');
    const { attach, mode, ...rest } = input;
    checkPreset(rest);
    const opts = options(rest);
    try {
      const listUntil = deadlineWithin(LISTING_BUDGET_MS);
      const inc = attach === true ? { reason: 'an export attached to the page is always made afresh' } : await incremental(mode, { root: { type: 'page', id: ref.id }, requester: ctx.accountId, siteUrl: ctx.siteUrl, options: opts, listUntil });
      if (started(inc)) return inc;
      const reason = mode !== 'full' ? inc.reason : undefined;
      const full = await startTreeExport({ root: ref, requester: ctx.accountId, siteUrl: ctx.siteUrl, options: opts, attach: attach === true, listUntil, ...(reason && reason !== NO_BASE ? { fullBecause: reason } : {}) });
      return { ...full, mode: 'full', ...(reason ? { reason } : {}) };
    } catch (e) {
      throw jobError(e, 'tree');
    }
  });

  // A whole space, to the requester only (no attach: see createSpaceJob). Status, download and
  // cancel go through the export/tree/* keys, which check the job's space (startedHere).
  defineResolver(resolver, 'export/space/start', spacePayload, async (input, ctx): Promise<TreeStartResult> => {
    const { space: key, mode, ...rest } = input;
    checkPreset(rest);
    const space = await spaceToExport(ctx, key);
    const opts = options(rest);
    const startedOn = ctx.content ? { startedOn: ctx.content.id } : {};
    try {
      const listUntil = deadlineWithin(LISTING_BUDGET_MS);
      const inc = await incremental(mode, { root: { type: 'space', id: space.id }, ...startedOn, requester: ctx.accountId, siteUrl: ctx.siteUrl, options: opts, listUntil });
      if (started(inc)) return inc;
      const reason = mode !== 'full' ? inc.reason : undefined;
      const full = await startSpaceExport({ space, ...startedOn, requester: ctx.accountId, siteUrl: ctx.siteUrl, options: opts, listUntil, ...(reason && reason !== NO_BASE ? { fullBecause: reason } : {}) });
      return { ...full, mode: 'full', ...(reason ? { reason } : {}) };
    } catch (e) {
      throw jobError(e, 'space');
    }
  });

  // The spaces the caller can see (v2 GET /spaces as the user: Confluence leaves out the rest), by
  // name. Points are per object returned, so opening the page reads one answer (250 spaces, about
  // 250 points); a search reads on through every space (about a point a space: `npm run bench --
  // jobs`), until SPACES_SHOWN matches or the time budget. v2 has no name filter for spaces.
  defineResolver(resolver, 'export/spaces', spacesPayload, async (input, _ctx): Promise<SpaceList> => {
    const query = input.query?.trim().toLowerCase() ?? '';
    const client = createClient('user');
    const choice = (s: Space): SpaceChoice[] => (s.key ? [{ id: s.id, key: s.key, name: s.name ?? s.key }] : []);
    const byName = (a: SpaceChoice, b: SpaceChoice): number => a.name.localeCompare(b.name) || a.key.localeCompare(b.key);
    if (!query) {
      const first = await client.firstSpaces();
      return { spaces: first.spaces.flatMap(choice).sort(byName), more: first.more };
    }
    const until = deadlineWithin(SPACES_BUDGET_MS);
    const spaces: SpaceChoice[] = [];
    let more = false;
    for await (const s of client.spaces()) {
      if (spaces.length >= SPACES_SHOWN || Date.now() > until) {
        more = true;
        break;
      }
      spaces.push(...choice(s).filter((c) => c.name.toLowerCase().includes(query) || c.key.toLowerCase().includes(query)));
    }
    return { spaces: spaces.sort(byName), more };
  });

  // "Your exports": the caller's own tree and space jobs, newest first; `here` marks the ones this
  // panel can act on (ownJob's rule). KVS reads only, no Confluence request.
  defineResolver(resolver, 'export/jobs', object({}), async (_input, ctx): Promise<ExportJobs> => ({
    jobs: await listJobs(forgeKv, listByPrefix, ctx.accountId, new Date(), (job) => startedHere(job, ctx)),
  }));

  defineResolver(resolver, 'export/tree/status', jobPayload, async (input, ctx): Promise<TreeStatus> => (await ownJob(input.jobId, ctx)).status);

  // The private zip, slice by slice, to its requester only (ownJob). Once the last slice is served
  // the job is deleted whole: a finished and downloaded job keeps nothing in the store.
  defineResolver(resolver, 'export/tree/download', downloadPayload, async (input, ctx): Promise<TreeDownloadResult> => {
    const { job, status } = await ownJob(input.jobId, ctx);
    const download = status.phase === 'done' ? status.download : undefined;
    if (!download) throw new AppError('NOT_READY', 'This export has no zip to download.', status.phase === 'done' ? 'It was attached to the page instead.' : 'Wait until the export is done.');
    const parts = Math.ceil(download.parts / PIECES_PER_PART);
    if (input.part >= parts) throw new AppError('NOT_FOUND', 'No such part of the zip.', 'Start the download again.');
    const first = input.part * PIECES_PER_PART;
    const count = Math.min(PIECES_PER_PART, download.parts - first);
    const data = await loadZip(forgeKv, job.jobId, first, count);
    if (data === undefined) throw new AppError('NOT_FOUND', 'Part of the zip is missing.', 'Start the tree export again.');
    const last = input.part === parts - 1;
    // The newest private export of a root stays (for BASE_KEEP_MS) as the base of the next one.
    if (last) {
      if (await isBase(forgeKv, job)) await markDownloaded(forgeKv, job.jobId, new Date());
      else await forgetJob(forgeKv, listByPrefix, job.jobId);
    }
    return { part: input.part, parts, data, fileName: download.fileName, bytes: download.bytes, ...(last ? {} : { next: input.part + 1 }) };
  });

  // What a re-export would do, before it runs: counts from two searches as the caller (a few points).
  defineResolver(resolver, 'export/tree/changes', changesPayload, async (input, ctx): Promise<TreeChanges> => {
    const { scope, space: key, ...rest } = input;
    checkPreset(rest);
    const root = scope === 'space' ? { type: 'space' as const, id: (await spaceToExport(ctx, key)).id } : { type: 'page' as const, id: (await requireContent(ctx)).id };
    return treeChanges({ root, requester: ctx.accountId, options: options(rest) });
  });

  // Dismisses a finished export the caller does not want to download: its zip stops counting
  // against their storage. An export kept as the base of the next one stays as that (a cache), as
  // if downloaded; any other is deleted whole. A running one must be cancelled first.
  defineResolver(resolver, 'export/tree/dismiss', jobPayload, async (input, ctx): Promise<{ dismissed: true }> => {
    // A job whose data the retention sweep deleted unread is only its record now ("Your exports").
    if (await dismissGone(forgeKv, ctx.accountId, input.jobId)) return { dismissed: true };
    const { job, status } = await ownJob(input.jobId, ctx);
    if (status.phase !== 'done' && status.phase !== 'failed' && status.phase !== 'cancelled') {
      throw new AppError('STILL_RUNNING', 'This export is still running.', 'Cancel it first, or wait until it is done.');
    }
    if (await isBase(forgeKv, job)) await markDownloaded(forgeKv, job.jobId, new Date());
    else await forgetJob(forgeKv, listByPrefix, job.jobId);
    return { dismissed: true };
  });

  defineResolver(resolver, 'export/tree/cancel', jobPayload, async (input, ctx): Promise<TreeStatus> => {
    const { job, status } = await ownJob(input.jobId, ctx);
    if (status.phase === 'done' || status.phase === 'failed' || status.phase === 'cancelled') return status;
    // The consumer sees the flag between batches, cleans up and marks the job cancelled.
    await forgeKv.set(keys.cancel(job.jobId), true);
    return { ...status, phase: 'cancelled', updatedAt: new Date().toISOString() };
  });
}
