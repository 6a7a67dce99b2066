// Record -> REST JSON, with field names exactly as the v2/v1 OpenAPI schemas spell them.
import type { Attachment, Comment, Content, ContentPropertyRecord, Site, Space, User, VersionInfo } from './site';
import { toStyledView, toView, type ViewContext } from './render';
import type { AdfDoc } from './adf';

export type Json = Record<string, unknown>;

export const BULK_FORMATS = ['storage', 'atlas_doc_format'] as const;
export const SINGLE_FORMATS = ['storage', 'atlas_doc_format', 'view', 'export_view', 'anonymous_export_view', 'styled_view', 'editor'] as const;
export type BodyFormat = (typeof SINGLE_FORMATS)[number];

export const version = (v: VersionInfo): Json => ({
  createdAt: v.createdAt, message: v.message, number: v.number, minorEdit: v.minorEdit, authorId: v.authorId,
});

const titleSlug = (t: string): string => encodeURIComponent(t).replace(/%20/g, '+');

/** webui path (relative to `_links.base`, which ends in /wiki) for any content. */
export function webui(site: Site, c: Content): string {
  const key = site.spaces.get(c.spaceId)?.key ?? '';
  switch (c.type) {
    case 'page': return `/spaces/${key}/pages/${c.id}/${titleSlug(c.title)}`;
    case 'blogpost': {
      const d = c.createdAt.slice(0, 10).split('-');
      return `/spaces/${key}/blog/${d.join('/')}/${c.id}/${titleSlug(c.title)}`;
    }
    default: return `/spaces/${key}/${c.type}/${c.id}`;
  }
}

const tiny = (id: string): string => `/x/${Buffer.from(id).toString('base64url')}`;

export function pageLinks(site: Site, c: Content): Json {
  return { webui: webui(site, c), editui: `/pages/resumedraft.action?draftId=${c.id}`, tinyui: tiny(c.id) };
}

export interface BodySource { site: Site; content: Content; adf: AdfDoc; storage: string; base: string }

export function viewContext(site: Site, c: Content, base: string, absolute: boolean): ViewContext {
  return {
    base, absolute, pageId: c.id,
    displayName: (id) => site.user(id)?.displayName,
    children: (id) => site.childIds(id).map((k) => site.content(k)).filter((k): k is Content => !!k && k.type === 'page')
      .map((k) => ({ id: k.id, title: k.title, webui: webui(site, k) })),
    attachmentUrl: (name) => {
      const a = site.attachmentsOf(c.id).find((x) => x.title === name);
      return a ? `${absolute ? base : '/wiki'}${downloadPath(a)}` : undefined;
    },
  };
}

/** `body` object for the requested representation (or `{}` when none was asked for). */
export function body(src: BodySource, format: BodyFormat | undefined): Json {
  if (!format) return {};
  const { site, content, adf, storage, base } = src;
  const rep = (value: string): Json => ({ [format]: { representation: format, value } });
  switch (format) {
    case 'storage': case 'editor': return rep(storage);
    case 'atlas_doc_format': return rep(JSON.stringify(adf));
    case 'view': return rep(toView(adf, viewContext(site, content, base, false)));
    case 'export_view': case 'anonymous_export_view': return rep(toView(adf, viewContext(site, content, base, true)));
    case 'styled_view': return rep(toStyledView(adf, viewContext(site, content, base, true)));
  }
}

export function pageBase(site: Site, c: Content, v: VersionInfo, title: string, bodyJson: Json, withVersion: boolean): Json {
  const out: Json = { id: c.id, status: c.status, title, spaceId: c.spaceId };
  if (c.type === 'page') {
    // Root pages (a space's homepage) and trashed pages carry `parentId: null, parentType: null`, and
    // a trashed page `position: null` (../shared/real-responses/v2/pages-list.root-page-item.csharp-comment.json;
    // markfluence docs/confluence/folders.md).
    const trashed = c.status === 'trashed';
    const parent = c.parentId && !trashed ? site.content(c.parentId) : undefined;
    Object.assign(out, parent ? { parentId: parent.id, parentType: parent.type } : { parentId: null, parentType: null });
    Object.assign(out, { position: trashed ? null : c.childPosition });
  }
  Object.assign(out, { authorId: c.authorId });
  if (c.type === 'page') Object.assign(out, { ownerId: c.ownerId, lastOwnerId: null });
  Object.assign(out, { createdAt: c.createdAt });
  if (withVersion) out['version'] = version(v);
  out['body'] = bodyJson;
  out['_links'] = pageLinks(site, c);
  return out;
}

/** Shape of an `include-*` block: up to 50 items, with `meta.hasMore` telling when there are more. */
export function included(items: unknown[], self: string): Json {
  const cut = items.slice(0, 50);
  return { results: cut, meta: { hasMore: items.length > 50, ...(items.length > 50 ? { cursor: '' } : {}) }, _links: { self } };
}

/** Labels have numeric ids on real sites; derive one from the name so it is the same everywhere. */
export const label = (name: string): Json => ({ id: String(100000 + hashNum(name)), name, prefix: 'global' });

function hashNum(s: string): number {
  let h = 0;
  for (const ch of s) h = (h * 31 + ch.charCodeAt(0)) % 900000;
  return h;
}

/** A `direct-children` row: no `spaceId` on live sites (markfluence docs/confluence/folders.md). */
export const childItem = (c: Content): Json => ({ id: c.id, status: c.status === 'archived' ? 'archived' : 'current', title: c.title, type: c.type, childPosition: c.childPosition });

export function downloadPath(a: Attachment, v = a.version.number): string {
  const ms = Date.parse((a.history[v - 1] ?? a.history[a.history.length - 1])?.version.createdAt ?? a.createdAt);
  return `/download/attachments/${a.pageId}/${encodeURIComponent(a.title)}?version=${v}&modificationDate=${ms}&cacheVersion=1&api=v2`;
}

export function attachment(site: Site, a: Attachment): Json {
  const container = site.content(a.pageId);
  const webuiLink = `/pages/viewpageattachments.action?pageId=${a.pageId}&preview=${encodeURIComponent(`/${a.pageId}/${a.title}`)}`;
  return {
    id: a.id, status: 'current', title: a.title, createdAt: a.createdAt,
    ...(container?.type === 'blogpost' ? { blogPostId: a.pageId } : { pageId: a.pageId }),
    mediaType: a.mediaType, mediaTypeDescription: mediaTypeDescription(a.mediaType), comment: a.comment,
    fileId: a.fileId, fileSize: a.bytes.byteLength, webuiLink, downloadLink: downloadPath(a), version: version(a.version),
    _links: { webui: webuiLink, download: downloadPath(a) },
  };
}

function mediaTypeDescription(t: string): string {
  if (t.startsWith('image/')) return `${t.slice(6).toUpperCase()} Image`;
  if (t === 'application/pdf') return 'PDF Document';
  if (t === 'application/zip') return 'Zip Archive';
  if (t.startsWith('text/')) return 'Text File';
  return 'File';
}

export function comment(site: Site, cm: Comment, form: 'list' | 'single' | 'children', bodyJson: Json): Json {
  const page = site.content(cm.pageId);
  const out: Json = { id: cm.id, status: 'current', title: `Re: ${page?.title ?? ''}` };
  if (form !== 'children') Object.assign(out, page?.type === 'blogpost' ? { blogPostId: cm.pageId } : { pageId: cm.pageId });
  if (form !== 'list' && cm.parentCommentId) out['parentCommentId'] = cm.parentCommentId;
  out['version'] = version(cm.version);
  out['body'] = bodyJson;
  if (cm.kind === 'inline') {
    // Lists carry who resolved a thread and when as well as the single GET: every resolved row of a
    // recorded live list has both (../shared/real-responses/v2/pages-inline-comments.list.skyscanner.json);
    // open rows have neither. Reply lists (children) were not recorded and keep them too (ASSUMED).
    if (cm.resolvedBy) {
      out['resolutionLastModifierId'] = cm.resolvedBy;
      out['resolutionLastModifiedAt'] = cm.resolvedAt ?? cm.created;
    }
    out['resolutionStatus'] = cm.resolutionStatus ?? 'open';
    out['properties'] = { inlineMarkerRef: cm.markerRef ?? '', inlineOriginalSelection: cm.originalSelection ?? '' };
  }
  // `?focusedCommentId=<id>` and no `#comment-` fragment, as in the same recorded list.
  out['_links'] = { webui: `${page ? webui(site, page) : ''}?focusedCommentId=${cm.id}` };
  return out;
}

export function database(site: Site, c: Content): Json {
  const parent = c.parentId ? site.content(c.parentId) : undefined;
  return {
    id: c.id, type: c.type, status: c.status, title: c.title,
    ...(parent ? { parentId: parent.id, parentType: parent.type } : {}),
    // A folder's createdAt is epoch milliseconds, a number (go-atlassian #447/#448, md2conf PR #290);
    // other types' are ISO strings.
    position: c.childPosition, authorId: c.authorId, ownerId: c.ownerId, createdAt: c.type === 'folder' ? Date.parse(c.createdAt) : c.createdAt, spaceId: c.spaceId,
    version: version(c.version), _links: { webui: webui(site, c) },
  };
}

export const property = (p: ContentPropertyRecord): Json => ({ id: p.id, key: p.key, value: p.value, version: version(p.version) });

export function user(u: User): Json {
  return {
    displayName: u.displayName, timeZone: 'Etc/UTC', isExternalCollaborator: false, accountStatus: 'active',
    accountId: u.accountId, ...(u.email ? { email: u.email } : {}), accountType: u.accountType, publicName: u.displayName,
    profilePicture: { path: `/wiki/aa-avatar/${u.accountId}`, isDefault: true },
  };
}

export function space(s: Space, withDescription: boolean): Json {
  return {
    id: s.id, key: s.key, name: s.name, type: 'global', status: 'current', authorId: s.authorId, spaceOwnerId: s.authorId,
    currentActiveAlias: s.key, createdAt: s.createdAt, homepageId: s.homepageId,
    ...(withDescription ? { description: { plain: { representation: 'plain', value: s.description } } } : {}),
    _links: { webui: `/spaces/${s.key}` },
  };
}

export function operations(type: string, canWrite: boolean): Json[] {
  const ops = canWrite ? ['read', 'update', 'delete'] : ['read'];
  return ops.map((operation) => ({ operation, targetType: type }));
}

// ------------------------------------------------------------------ v1

export function v1User(u: User | undefined, accountId: string): Json {
  return {
    type: 'known', accountId, accountType: u?.accountType ?? 'atlassian', email: u?.email ?? '',
    publicName: u?.displayName ?? 'Unknown user', displayName: u?.displayName ?? 'Unknown user',
    profilePicture: { path: `/wiki/aa-avatar/${accountId}`, width: 48, height: 48, isDefault: true },
    isExternalCollaborator: false, _expandable: { operations: '', personalSpace: '' },
    _links: { self: `/wiki/rest/api/user?accountId=${accountId}` },
  };
}

export function v1Attachment(site: Site, a: Attachment, base: string): Json {
  const container = site.content(a.pageId);
  return {
    id: a.id, type: 'attachment', status: 'current', title: a.title,
    version: {
      by: v1User(site.user(a.version.authorId), a.version.authorId), when: a.version.createdAt, friendlyWhen: 'just a moment ago',
      message: a.version.message, number: a.version.number, minorEdit: a.version.minorEdit, contentTypeModified: false,
      _expandable: { collaborators: '', content: `/rest/api/content/${a.id}` }, _links: { self: `${base}/rest/api/content/${a.id}/version/${a.version.number}` },
    },
    container: container ? { id: container.id, type: container.type, status: container.status, title: container.title, _links: { webui: webui(site, container), self: `${base}/rest/api/content/${container.id}` } } : {},
    metadata: { mediaType: a.mediaType, ...(a.comment ? { comment: a.comment } : {}), _expandable: { currentuser: '', properties: '', frontend: '', editorHtml: '' } },
    extensions: { mediaType: a.mediaType, fileSize: a.bytes.byteLength, comment: a.comment, mediaTypeDescription: mediaTypeDescription(a.mediaType), fileId: a.fileId, collectionName: `contentId-${a.pageId}` },
    _expandable: { childTypes: '', operations: '', schedulePublishDate: '', children: '', restrictions: '', history: '', ancestors: '', body: '', descendants: '', space: '' },
    // v1 `_links.download` is the REST download, relative to the /wiki context (markfluence
    // docs/confluence/api.md, verified 2026-08-07; ../shared/real-responses/v1/attachment-download.redirect.txt).
    _links: { webui: `/pages/viewpageattachments.action?pageId=${a.pageId}&preview=${encodeURIComponent(`/${a.pageId}/${a.title}`)}`, self: `${base}/rest/api/content/${a.id}`, download: `/rest/api/content/${a.pageId}/child/attachment/${a.id}/download` },
  };
}

/**
 * A v1 search row's `title` as live sites give it: HTML-escaped, with the query's text terms wrapped
 * in `@@@hl@@@…@@@endhl@@@` (../shared/real-responses/v1/search-cql.schrodinger.json:
 * `@@@hl@@@Apple@@@endhl@@@ - 15&quot; …`); `content.title` stays clean.
 */
export function highlightedTitle(title: string, terms: readonly string[]): string {
  const words = [...new Set(terms.flatMap((t) => t.toLowerCase().split(/[^\p{L}\p{N}]+/u)).filter(Boolean))];
  const escape = (t: string): string => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  return title.split(/([\p{L}\p{N}]+)/u).map((part) => (words.includes(part.toLowerCase()) ? `@@@hl@@@${escape(part)}@@@endhl@@@` : escape(part))).join('');
}

export function v1SearchResult(site: Site, c: Content, base: string, excerpt: string, terms: readonly string[] = []): Json {
  const s = site.spaces.get(c.spaceId);
  const path = webui(site, c);
  return {
    content: {
      id: c.id, type: c.type, status: c.status, title: c.title,
      childTypes: {}, macroRenderedOutput: {}, restrictions: {},
      _expandable: {
        container: '', metadata: '', extensions: '', operations: '', children: '', history: `/rest/api/content/${c.id}/history`,
        ancestors: '', body: '', version: '', descendants: '', space: `/rest/api/space/${s?.key ?? ''}`,
      },
      _links: { webui: path, self: `${base}/rest/api/content/${c.id}`, tinyui: tiny(c.id) },
    },
    title: highlightedTitle(c.title, terms), excerpt, url: path,
    resultGlobalContainer: { title: s?.name ?? '', displayUrl: `/spaces/${s?.key ?? ''}` },
    breadcrumbs: [], entityType: 'content', iconCssClass: `aui-icon content-type-${c.type}`,
    lastModified: c.version.createdAt, friendlyLastModified: c.version.createdAt.slice(0, 10), score: 1,
  };
}
