/**
 * Exports one page or blog post: fetches what the chosen format needs (body, comments, attachments,
 * user names, space key) with as few requests as possible, then converts. Pure: the Confluence
 * client is passed in, so the same code runs as the user (resolvers) or as the app (auto-export).
 *
 * `renderPage` is the conversion half on its own; the tree export calls it with data fetched in bulk.
 */
import type * as Md from 'mdast';
import sanitizeHtml from 'sanitize-html';
import { toMarkdown } from 'mdast-util-to-markdown';
import { gfmToMarkdown } from 'mdast-util-gfm';
import pLimit from 'p-limit';
import type { Confluence, ContentRef } from '../confluence/client';
import { isConfluenceError, orElse, passConsent } from '../confluence/errors';
import { collect } from '../confluence/paginate';
import { parseAdf as parseCommentAdf, plainText } from '../comments/body';
import { walkComments, type RawComment, type WalkApi, type WalkOptions } from '../comments/walk';
import { siteUrlFrom } from '../confluence/site';
import type { Attachment, Child, FooterComment, InlineComment, Page } from '../confluence/types';
import type { ExportFormat, ExportOptions } from '../shared/export';
import type { AdfNode, ChildLink, MediaAttrs, MediaResolver, MediaTarget } from './adf';
import type { Audience } from './audience';
import { commentBlocks, type CommentNode, type InlineThread } from './anchors';
import { adfToHtml, sanitizeOptions } from './html';
import { adfToMarkdown, AdfError, type MarkdownOptions } from './markdown';
import { brokenRefs, samePageLinks } from './refs';
import { mdastToHtml } from './mdast-html';
import type { PageMeta } from './frontmatter';
import { toJsonBundle } from './json';
import { EXPORT_CSS } from './stylesheet';
import { attachmentPath, fileName } from './names';
import { ZipBuilder } from './bundle';
import { reportFor, type ReportEntry } from './report';
import { formatStorage } from './storage';

export type { ExportFormat, ExportOptions } from '../shared/export';

export interface ExportResult {
  text: string;
  fileName: string;
  /**
   * With attachments (Markdown, HTML): a zip of the page file and `_attachments/…`, the page's links
   * pointing at those files. Absent when the page shows no attachment that could be packed.
   */
  bundle?: { fileName: string; bytes: Uint8Array };
  mediaType: string;
  report: ReportEntry[];
  version: number;
  title: string;
  /** UTF-8 size of `text`. */
  bytes: number;
}

/** The Confluence calls a single-page export may make. */
export type ExportClient = Pick<
  Confluence,
  'getPage' | 'getBlogPost' | 'labels' | 'attachments' | 'downloadAttachment' | 'inlineComments' | 'inlineReplies' | 'footerComments' | 'footerReplies' | 'users' | 'getSpace' | 'directChildren'
>;

export const DEFAULT_OPTIONS: ExportOptions = { format: 'md', frontMatter: true, comments: false, anchors: true, attachments: false };

export const FORMAT_INFO: Record<ExportFormat, { ext: string; mediaType: string }> = {
  md: { ext: 'md', mediaType: 'text/markdown; charset=utf-8' },
  html: { ext: 'html', mediaType: 'text/html; charset=utf-8' },
  json: { ext: 'json', mediaType: 'application/json' },
  // Storage is saved as text, not as `.xhtml`/application/xhtml+xml (issue 21): a browser opening
  // an XHTML file runs any script element in the XHTML namespace that the storage holds (an HTML
  // macro's, or markup written through the API). `.xml`/application/xml is no better: XML documents
  // render XHTML- and SVG-namespaced elements, scripts and handlers included. A `.txt` file served or
  // opened as text/plain is shown as text by every browser (the MIME Sniffing Standard never
  // upgrades text/plain to HTML), and the bytes are Confluence's storage, unchanged.
  storage: { ext: 'txt', mediaType: 'text/plain; charset=utf-8' },
};

/** Everything `renderPage` needs about one page, however it was fetched. */
export interface PageData {
  page: Page;
  type: ContentRef['type'];
  spaceKey?: string;
  labels?: string[];
  /** accountId → display name (mentions, authors, comment authors). */
  users: ReadonlyMap<string, string>;
  inline?: InlineThread[];
  footer?: CommentNode[];
  /** Resolves media nodes (attachment link or a path inside the zip). */
  media?: MediaResolver;
  siteUrl?: string;
}

export interface RenderContext {
  /** Rewrites links between exported pages (tree export). */
  linkRewrite?: (href: string) => string | undefined;
  /** Stylesheet for HTML exports. */
  css?: string;
  /** Child pages with links, for the `children` macro (tree export). */
  children?: () => ChildLink[] | undefined;
  /** Tree-export preset hooks for Markdown (rewrites, extra front matter, macro handlers). */
  markdown?: Pick<MarkdownOptions, 'rewrite' | 'extraFrontMatter' | 'properties' | 'dialect' | 'metaText' | 'tag' | 'handlers' | 'verifyHref' | 'slugs' | 'onAnchors'>;
  /** Receives the converted page's headings and anchor macros (Markdown and HTML; tree export). */
  onAnchors?: MarkdownOptions['onAnchors'];
}

// ---------------------------------------------------------------------------------------------
// Fetching

export interface ExportExtra {
  siteUrl?: string;
  css?: string;
  /** Epoch ms: stops reading comment replies in time; unread ones are reported. */
  deadline?: number;
  /**
   * Set when the file will be attached to the page: content from elsewhere (child pages) goes in
   * only when every viewer of the page can read it; the rest is counted in the report, untitled.
   */
  audience?: Audience;
  /**
   * With attachments: the size of the answer the zip travels in (base64, beside the page text: the
   * 5 MB invoke limit); absent: attachments stay links to Confluence.
   */
  answerBytes?: number;
}

/** Concurrent audience checks (one restriction request each, at most, thanks to its cache). */
const AUDIENCE_CONCURRENCY = 8;

export async function exportPage(client: ExportClient, ref: ContentRef, options: ExportOptions, extra: ExportExtra = {}): Promise<ExportResult> {
  const storage = options.format === 'storage';
  const fetch = { bodyFormat: storage ? ('storage' as const) : ('atlas_doc_format' as const), include: ['labels' as const] };
  const wantsComments = options.comments && !storage;
  const [page, attachments, comments] = await Promise.all([
    ref.type === 'blogpost' ? client.getBlogPost(ref.id, fetch) : client.getPage(ref.id, fetch),
    // Media nodes name attachments by file id; the listing maps them to download links.
    storage ? Promise.resolve([]) : collect(client.attachments(ref)),
    wantsComments ? loadComments(client, ref, { deadline: extra.deadline }) : Promise.resolve(undefined),
  ]);
  const adf = storage ? undefined : parseAdf(page);
  const siteUrl = siteUrlFrom(extra.siteUrl, page._links?.base);
  const labels = page.labels?.meta?.hasMore ? (await collect(client.labels(ref))).map((l) => l.name ?? '') : (page.labels?.results ?? []).map((l) => l.name ?? '');
  const ids = new Set<string>();
  if (adf) mentionIds(adf, ids);
  authorIds(page, ids);
  for (const c of comments?.raw ?? []) if (c.version?.authorId) ids.add(c.version.authorId);
  // The children macro lists child pages Confluence generates at view time: one request, only when used.
  const listed = adf && ref.type === 'page' && usesChildrenMacro(adf) ? (await collect(client.directChildren(ref.id))).filter((c) => c.type === undefined || c.type === 'page') : undefined;
  const childPages = listed && extra.audience ? await shared(listed, ref.id, extra.audience) : listed;
  const [users, space] = await Promise.all([
    ids.size > 0 && !storage ? client.users(ids).then(displayNames) : Promise.resolve(new Map<string, string>()),
    page.spaceId && options.frontMatter && !storage ? client.getSpace(page.spaceId).catch(orElse(undefined)) : Promise.resolve(undefined),
  ]);
  const data: PageData = {
    page,
    type: ref.type,
    spaceKey: space?.key,
    labels: labels.filter(Boolean),
    users,
    inline: comments ? comments.inline(users) : undefined,
    footer: comments ? comments.footer(users) : undefined,
    media: attachmentMedia(attachments, siteUrl),
    siteUrl,
  };
  const children = childPages?.map((c) => ({ title: c.title ?? c.id, href: pageUrl(c.id, siteUrl) }));
  const ctx: RenderContext = { css: extra.css, children: children ? () => children : undefined };
  const packs = options.attachments && (options.format === 'md' || options.format === 'html') && extra.answerBytes !== undefined && attachments.length > 0;
  const result = packs ? await withAttachments(client, ref.id, data, attachments, options, ctx, extra.answerBytes ?? 0) : renderPage(data, options, ctx);
  result.report.push(...(comments?.skipped ?? []));
  const withheld = (listed?.length ?? 0) - (childPages?.length ?? 0);
  for (let i = 0; i < withheld; i++) result.report.push(withheldEntry(ref.id));
  return result;
}

/** Attachment downloads at once (single page). */
const DOWNLOADS = 4;
/** Room left in the answer for the report and the envelope. */
const ANSWER_RESERVE = 200_000;

/**
 * The page as a zip with the attachments it shows: a first conversion finds which ones it uses
 * (every media node and diagram goes through the media resolver), they are downloaded as the
 * caller (REST download across the media redirect, ../confluence/media), and the page is converted
 * again with links to `_attachments/…`. One that is gone, refused or past `budget` keeps its link to
 * Confluence (it opens for anyone logged in who may read it) and is reported; the export completes.
 */
async function withAttachments(
  client: Pick<ExportClient, 'downloadAttachment'>,
  pageId: string,
  data: PageData,
  attachments: readonly Attachment[],
  options: ExportOptions,
  ctx: RenderContext,
  answerBytes: number,
): Promise<ExportResult> {
  const used = new Map<string, Attachment>();
  const lookup = attachmentMedia(attachments, data.siteUrl, (a) => (used.set(a.id, a), undefined));
  const first = renderPage({ ...data, media: lookup }, options, ctx);
  // The answer holds the text (JSON-escaped: up to twice its size) and the zip in base64 (4/3),
  // whose page file deflates to at most its size; the report and envelope get the rest.
  const budget = Math.max(0, Math.floor(((answerBytes - 3 * first.bytes - ANSWER_RESERVE) * 3) / 4));
  const report: ReportEntry[] = [];
  const taken = new Set<string>();
  const files: Array<{ a: Attachment; path: string; bytes?: Uint8Array }> = [...used.values()].map((a) => ({ a, path: attachmentPath(taken, '', a) }));
  let room = budget;
  const limit = pLimit(DOWNLOADS);
  await Promise.all(
    files.map((f) =>
      limit(async () => {
        const name = f.a.title ?? f.a.id;
        // The listing's size first: a file that cannot fit is not downloaded at all.
        if (f.a.fileSize !== undefined && f.a.fileSize > room) return void report.push(tooLarge(pageId, name, f.a.fileSize, budget));
        try {
          const bytes = await client.downloadAttachment(pageId, f.a.id);
          if (bytes.byteLength > room) return void report.push(tooLarge(pageId, name, bytes.byteLength, budget));
          room -= bytes.byteLength;
          f.bytes = bytes;
        } catch (e) {
          passConsent(e);
          report.push({ kind: 'attachment-missing', what: 'attachment', pageId, detail: `Attachment "${name}" could not be downloaded (${isConfluenceError(e) ? e.message : 'no answer'}); its link goes to Confluence.` });
        }
      }),
    ),
  );
  const local = new Map(files.filter((f) => f.bytes).map((f) => [f.a.id, f.path]));
  const result = renderPage({ ...data, media: attachmentMedia(attachments, data.siteUrl, (a) => local.get(a.id)) }, options, ctx);
  result.report.push(...report);
  if (local.size === 0) return result;
  const zip = new ZipBuilder(new Date(data.page.version?.createdAt ?? '2024-01-01T00:00:00Z'));
  zip.add(result.fileName, result.text, result.mediaType);
  // In the order the page shows them, whichever download finished first.
  for (const f of files) if (f.bytes) zip.add(f.path, f.bytes, f.a.mediaType ?? 'application/octet-stream');
  return { ...result, bundle: { fileName: fileName(result.title, 'zip'), bytes: zip.finish() } };
}

function tooLarge(pageId: string, name: string, bytes: number, budget: number): ReportEntry {
  const mb = (n: number): string => `${(n / 1_000_000).toFixed(1)} MB`;
  return { kind: 'attachment-missing', what: 'attachment', pageId, detail: `Attachment "${name}" (${mb(bytes)}) does not fit in the ${mb(budget)} a download from the panel can hold; its link goes to Confluence. A page tree export packs files of any size.` };
}

/** The children every viewer of the page can read, in their original order. */
async function shared(children: Child[], parentId: string, audience: Audience): Promise<Child[]> {
  const limit = pLimit(AUDIENCE_CONCURRENCY);
  const keep = await Promise.all(children.map((c) => limit(() => audience.sharesWith({ id: c.id, parentId, ...(c.spaceId ? { spaceId: c.spaceId } : {}) }))));
  return children.filter((_, i) => keep[i]);
}

/** One per item left out, never named: a title is itself what some viewers may not see. */
function withheldEntry(pageId: string): ReportEntry {
  return { kind: 'withheld', what: 'children', detail: 'A child page was left out of the child page list: not every viewer of this page can see it.', pageId };
}

/** Loaded comments; threads are built once names are known. */
export interface LoadedComments {
  raw: Array<FooterComment | InlineComment>;
  /** Replies that vanished or were hidden mid-walk: reported, never silently dropped. */
  skipped: ReportEntry[];
  inline(users: ReadonlyMap<string, string>): InlineThread[];
  footer(users: ReadonlyMap<string, string>): CommentNode[];
}

/**
 * Every comment thread of the page, read by the comments walker (roots of both kinds, every
 * resolution status, replies at every depth, bounded concurrency), shaped for the export engine.
 */
export async function loadComments(client: WalkApi, ref: ContentRef, o: WalkOptions = {}): Promise<LoadedComments> {
  const { threads, skipped } = await walkComments(client, ref, o);
  const raw: Array<FooterComment | InlineComment> = [];
  const collectRaw = (c: RawComment): void => {
    raw.push(c.data);
    c.replies.forEach(collectRaw);
  };
  threads.forEach(collectRaw);
  const node = (c: RawComment, users: ReadonlyMap<string, string>): CommentNode => {
    const authorId = c.data.version?.authorId ?? '';
    const status = c.data.resolutionStatus;
    const doc = parseCommentAdf(c.data.body?.atlas_doc_format?.value);
    return {
      id: c.data.id,
      author: users.get(authorId) ?? (authorId || 'Unknown'),
      created: c.data.version?.createdAt ?? '',
      ...(status ? { status } : {}),
      text: doc ? plainText(doc, users) : '',
      replies: c.replies.map((r) => node(r, users)),
    };
  };
  return {
    raw,
    skipped: skipped.map((k) => ({ kind: 'comment-skipped' as const, what: `${k.kind} comment`, detail: `Comment ${k.id}: ${k.detail}`, pageId: ref.id })),
    inline: (users) =>
      threads
        .filter((t) => t.kind === 'inline')
        .map((t) => ({
          ...node(t, users),
          markerRef: t.data.properties?.inlineMarkerRef ?? `comment-${t.data.id}`,
          ...(t.data.properties?.inlineOriginalSelection ? { selection: t.data.properties.inlineOriginalSelection } : {}),
        })),
    footer: (users) => threads.filter((t) => t.kind === 'footer').map((t) => node(t, users)),
  };
}

function usesChildrenMacro(node: AdfNode): boolean {
  if ((node.type === 'extension' || node.type === 'bodiedExtension') && node.attrs?.extensionKey === 'children') return true;
  return (node.content ?? []).some(usesChildrenMacro);
}

/** A page link that works on every Confluence Cloud site without knowing the space key. */
function pageUrl(id: string, siteUrl?: string): string {
  return `${(siteUrl ?? '').replace(/\/$/, '')}/wiki/pages/viewpage.action?pageId=${encodeURIComponent(id)}`;
}

/** Media by Confluence file id (what ADF media nodes carry), falling back to the file name. */
export function attachmentMedia(attachments: readonly Attachment[], siteUrl?: string, zipPath?: (a: Attachment) => string | undefined): MediaResolver {
  const byFile = new Map<string, Attachment>();
  const byName = new Map<string, Attachment>();
  for (const a of attachments) {
    if (a.fileId) byFile.set(a.fileId, a);
    if (a.title) byName.set(a.title, a);
  }
  return (attrs: MediaAttrs): MediaTarget | undefined => {
    const found = (attrs.id ? byFile.get(attrs.id) : undefined) ?? (attrs.alt ? byName.get(attrs.alt) : undefined);
    if (!found) return undefined;
    const local = zipPath?.(found);
    const link = found.downloadLink ?? found._links?.download;
    const href = local ?? (link ? absolute(link, siteUrl) : undefined);
    if (!href) return undefined;
    return { href, title: found.title, isImage: (found.mediaType ?? '').startsWith('image/') };
  };
}

function absolute(link: string, siteUrl?: string): string {
  if (/^https?:\/\//i.test(link) || !siteUrl) return link;
  // Confluence download links are relative to the wiki context.
  return `${siteUrl.replace(/\/$/, '')}${link.startsWith('/wiki/') ? '' : '/wiki'}${link}`;
}

// ---------------------------------------------------------------------------------------------
// Converting

/** Converts fetched page data to the chosen format. Throws AppError-free plain errors only. */
export function renderPage(data: PageData, options: ExportOptions, ctx: RenderContext = {}): ExportResult {
  const { page } = data;
  const title = page.title ?? '(untitled)';
  const version = page.version?.number ?? 0;
  const info = FORMAT_INFO[options.format];
  const report: ReportEntry[] = [];
  let text: string;
  // One page on its own: its links to its own headings name the anchors the output gives them.
  const own = !ctx.linkRewrite && (options.format === 'md' || options.format === 'html') ? samePageLinks(page.id, title) : undefined;

  if (options.format === 'storage') {
    text = formatStorage(page.body?.storage?.value ?? '');
  } else {
    const adf = parseAdf(page);
    const meta = pageMeta(data);
    const common = {
      users: data.users,
      media: data.media,
      linkRewrite: ctx.linkRewrite ?? own?.linkRewrite,
      onAnchors: own?.onAnchors ?? ctx.onAnchors,
      children: ctx.children,
      comments: options.comments ? data.inline : undefined,
      anchors: options.anchors,
      pageId: page.id,
      // Jira issue keys become links to the site's issue (`<site>/browse/KEY`) when it is known.
      ...(data.siteUrl ? { siteUrl: data.siteUrl } : {}),
    };
    if (options.format === 'md') {
      const out = adfToMarkdown(adf, { ...common, ...ctx.markdown, frontMatter: options.frontMatter ? meta : undefined });
      report.push(...out.report);
      text = out.markdown;
      if (options.comments && data.footer && data.footer.length > 0) text = `${text.replace(/\n*$/, '\n')}\n${footerMarkdown(data.footer)}`;
    } else if (options.format === 'html') {
      const out = adfToHtml(adf, { ...common, frontMatter: meta, css: ctx.css ?? EXPORT_CSS, title });
      report.push(...reportFor('html', out.report));
      text = out.html;
      if (options.comments && data.footer && data.footer.length > 0) text = text.replace('</article>', `${footerHtml(data.footer)}\n</article>`);
    } else {
      // JSON: the machine-readable bundle. The Markdown conversion runs too (mentions, links, the
      // verifier); of its report only what JSON itself loses is kept: nothing of the body.
      const out = adfToMarkdown(adf, common);
      const kept = reportFor('json', out.report);
      report.push(...kept);
      text = toJsonBundle({ meta, adf, comments: options.comments ? { inline: data.inline ?? [], footer: data.footer ?? [] } : undefined, report: kept });
    }
  }
  if (own) {
    const linked = own.resolve(text);
    text = linked.text;
    if (linked.broken > 0) report.push(brokenRefs(page.id, linked.broken));
  }
  for (const e of report) if (!e.pageId) e.pageId = page.id;
  return { text, fileName: fileName(title, info.ext), mediaType: info.mediaType, report, version, title, bytes: Buffer.byteLength(text, 'utf8') };
}

function pageMeta(data: PageData): PageMeta {
  const { page } = data;
  const authorId = page.authorId ?? page.version?.authorId;
  const webui = page._links?.webui;
  return {
    id: page.id,
    title: page.title ?? '(untitled)',
    ...(data.spaceKey ? { spaceKey: data.spaceKey } : {}),
    ...(page.version?.number !== undefined ? { version: page.version.number } : {}),
    ...(authorId ? { author: data.users.get(authorId) ?? authorId } : {}),
    ...(page.createdAt ? { created: page.createdAt } : {}),
    ...(page.version?.createdAt ? { updated: page.version.createdAt } : {}),
    ...(data.labels && data.labels.length > 0 ? { labels: data.labels } : {}),
    ...(webui && data.siteUrl ? { url: `${data.siteUrl.replace(/\/$/, '')}/wiki${webui}` } : {}),
  };
}

function footerTree(footer: readonly CommentNode[]): Md.Root {
  return {
    type: 'root',
    children: [
      { type: 'heading', depth: 2, children: [{ type: 'text', value: 'Comments' }] },
      { type: 'list', ordered: false, spread: false, children: footer.map((c) => ({ type: 'listItem', spread: false, children: commentBlocks(c) })) },
    ],
  };
}

function footerMarkdown(footer: readonly CommentNode[]): string {
  return toMarkdown(footerTree(footer), { extensions: [gfmToMarkdown()], bullet: '-', listItemIndent: 'one' });
}

function footerHtml(footer: readonly CommentNode[]): string {
  return `<section class="comments">${sanitizeHtml(mdastToHtml(footerTree(footer).children), sanitizeOptions)}</section>`;
}

/** The page's ADF document; throws AdfError when the body is missing or not ADF JSON. */
export function parseAdf(page: Page): AdfNode {
  const raw = page.body?.atlas_doc_format?.value;
  if (typeof raw !== 'string' || raw === '') return { type: 'doc', version: 1, content: [] } as AdfNode;
  try {
    return JSON.parse(raw) as AdfNode;
  } catch {
    throw new AdfError(`The body of page ${page.id} is not valid ADF JSON`);
  }
}

/** Collects mention account ids in an ADF tree. */
export function mentionIds(node: AdfNode, into: Set<string>): Set<string> {
  const stack: AdfNode[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === 'mention' && typeof n.attrs?.id === 'string') into.add(n.attrs.id);
    if (n.content) stack.push(...n.content);
  }
  return into;
}

export function authorIds(page: Page, into: Set<string>): Set<string> {
  if (page.authorId) into.add(page.authorId);
  if (page.version?.authorId) into.add(page.version.authorId);
  return into;
}

export function displayNames(users: ReadonlyMap<string, { displayName?: string; publicName?: string }>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [id, u] of users) out.set(id, u.displayName ?? u.publicName ?? id);
  return out;
}


