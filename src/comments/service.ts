/**
 * The comments service: reads every comment of a page or blog post (see walk.ts), names the
 * authors in one users-bulk batch, renders bodies, and checks inline anchors against the page ADF.
 * The result is the full, unfiltered model; view.ts filters, sorts, counts and caps it.
 */
import type { Confluence, ContentRef } from '../confluence/client';
import { passConsent } from '../confluence/errors';
import { siteUrlFrom } from '../confluence/site';
import type { Page } from '../confluence/types';
import type { AdfNode } from '../export/adf';
import type { ReportEntry } from '../export/report';
import type { AnchorReport, CommentView, InlineInfo, SkippedComment } from '../shared/comments';
import { anchorReport, annotationsOf, checkAnchor, type Annotation } from './anchors';
import { mentionIds, parseAdf, renderBody } from './body';
import { walkComments, type RawComment, type WalkApi, type WalkOptions } from './walk';

export type CommentsApi = WalkApi & Pick<Confluence, 'users' | 'getPage' | 'getBlogPost'>;

export interface CommentsModel {
  content: { id: string; type: 'page' | 'blogpost'; title: string };
  /** Full bodies, API order (not yet filtered, sorted or cut). */
  threads: CommentView[];
  anchors: AnchorReport;
  skipped: SkippedComment[];
  /** Converter notes about comment bodies (unsupported nodes and the like). */
  report: ReportEntry[];
}

export interface ReadOptions extends WalkOptions {
  /** Site base URL (`https://x.atlassian.net`), to make comment links absolute. */
  siteUrl?: string;
}

/** Kept small: converter notes are for diagnosis, not a second copy of the comments. */
const MAX_REPORT = 50;

export async function readComments(api: CommentsApi, ref: ContentRef, o: ReadOptions = {}): Promise<CommentsModel> {
  const [walked, page] = await Promise.all([walkComments(api, ref, o), readPage(api, ref)]);
  const siteUrl = siteUrlFrom(o.siteUrl, page?.base);

  const docs = new Map<string, AdfNode | undefined>();
  const people = new Set<string>();
  forEach(walked.threads, (c) => {
    const doc = parseAdf(c.data.body?.atlas_doc_format?.value);
    docs.set(c.data.id, doc);
    if (c.data.version?.authorId) people.add(c.data.version.authorId);
    if (c.data.resolutionLastModifierId) people.add(c.data.resolutionLastModifierId);
    mentionIds(doc, people);
  });
  const names = await userNames(api, people);

  const annotations = page?.doc ? annotationsOf(page.doc) : undefined;
  const report: ReportEntry[] = [];
  const toView = (c: RawComment): CommentView => {
    const d = c.data;
    const body = renderBody(docs.get(d.id), names, d.id);
    for (const r of body.report) if (report.length < MAX_REPORT) report.push(r);
    const version = d.version?.number ?? 1;
    const authorId = d.version?.authorId ?? '';
    const view: CommentView = {
      id: d.id,
      kind: c.kind,
      threadId: c.threadId,
      parentId: c.parentId,
      depth: c.depth,
      authorId,
      author: names.get(authorId) ?? (authorId || 'Unknown'),
      // Only the current version is dated in v2 lists: it is the creation date until someone edits.
      ...(version === 1 && d.version?.createdAt ? { created: d.version.createdAt } : {}),
      updated: d.version?.createdAt ?? '',
      version,
      markdown: body.markdown,
      text: body.text,
      clipped: false,
      ...(d._links?.webui ? { link: absolute(d._links.webui, siteUrl) } : {}),
      replies: c.replies.map(toView),
    };
    if (c.kind === 'inline' && c.depth === 0) view.inline = inlineInfo(d, names, annotations);
    return view;
  };
  const threads = walked.threads.map(toView);

  const inlineRoots = threads.flatMap((t) => (t.inline ? [{ id: t.id, markerRef: t.inline.markerRef, selection: t.inline.selection }] : []));
  return {
    content: { id: ref.id, type: ref.type, title: page?.title ?? '' },
    threads,
    anchors: anchorReport(annotations, inlineRoots),
    skipped: walked.skipped,
    report,
  };
}

function inlineInfo(d: RawComment['data'], names: ReadonlyMap<string, string>, annotations: Map<string, Annotation> | undefined): InlineInfo {
  const markerRef = d.properties?.inlineMarkerRef ?? '';
  const selection = d.properties?.inlineOriginalSelection ?? '';
  const check = checkAnchor(annotations, markerRef, selection);
  const by = d.resolutionLastModifierId;
  return {
    markerRef,
    selection,
    status: d.resolutionStatus ?? 'open',
    ...(by ? { resolvedBy: { accountId: by, name: names.get(by) ?? by } } : {}),
    ...(d.resolutionLastModifiedAt ? { resolvedAt: d.resolutionLastModifiedAt } : {}),
    anchor: check.state,
    ...(check.current !== undefined ? { currentText: check.current } : {}),
    ...(check.position !== undefined ? { position: check.position } : {}),
  };
}

/**
 * The page body, for anchor checks and the title. Read as the user like the comments; when it
 * cannot be read the comments are still worth showing, with anchors marked unchecked.
 */
async function readPage(api: CommentsApi, ref: ContentRef): Promise<{ title: string; doc: AdfNode | undefined; base?: string } | undefined> {
  let page: Page;
  try {
    page = ref.type === 'blogpost'
      ? await api.getBlogPost(ref.id, { bodyFormat: 'atlas_doc_format' })
      : await api.getPage(ref.id, { bodyFormat: 'atlas_doc_format' });
  } catch (e) {
    passConsent(e);
    if (isHttpError(e)) return undefined;
    throw e;
  }
  return { title: page.title ?? '', doc: parseAdf(page.body?.atlas_doc_format?.value), base: page._links?.base };
}

/** Names are cosmetic: if users-bulk fails, comments still show with account ids. */
async function userNames(api: CommentsApi, ids: Set<string>): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (ids.size === 0) return names;
  try {
    const users = await api.users(ids);
    for (const [id, u] of users) names.set(id, u.displayName ?? u.publicName ?? id);
  } catch (e) {
    passConsent(e);
    if (!isHttpError(e)) throw e;
  }
  return names;
}

function absolute(webui: string, siteUrl: string | undefined): string {
  if (/^https?:\/\//.test(webui) || !siteUrl) return webui;
  return `${siteUrl.replace(/\/$/, '')}/wiki${webui.startsWith('/') ? '' : '/'}${webui}`;
}

function isHttpError(e: unknown): boolean {
  return typeof (e as { status?: unknown } | null)?.status === 'number';
}

function forEach(threads: readonly RawComment[], fn: (c: RawComment) => void): void {
  for (const t of threads) {
    fn(t);
    forEach(t.replies, fn);
  }
}
