// Route handlers: v2 under /wiki/api/v2 and the few v1 routes the app needs. Each handler gets a
// parsed request (Ctx) and returns a Reply; server.ts does transport, identity, limits and faults.
import type { IncomingHttpHeaders } from 'node:http';
import type { Comment, Content, ContentType, Principal, Site } from './site';
import { APP_ACCOUNT_ID } from './site';
import { Cursors, HttpError, pageOf, parseLimit } from './paging';
import * as S from './shapes';
import type { Json } from './shapes';
import { boundaryOf, parseMultipart } from './multipart';
import { matches, parseCql, type CqlItem, type CqlQuery } from './cql';
import { plainText } from './adf';
import type { MediaServer } from './media';
import { storageToAdf } from './render';

export interface Ctx {
  method: string;
  pathname: string;
  query: URLSearchParams;
  principal: Principal;
  headers: IncomingHttpHeaders;
  body: Buffer;
  site: Site;
  /** Server origin, e.g. http://127.0.0.1:1234 */
  origin: string;
  cursors: Cursors;
  /** Signs media-host URLs for the REST download's redirect (media.ts). */
  media: Pick<MediaServer, 'sign'>;
}

export interface Reply {
  status: number;
  json?: unknown;
  bytes?: Uint8Array;
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

type Handler = (ctx: Ctx, m: string[]) => Reply;
interface Route { method: string; re: RegExp; fn: Handler }

const V2 = '/wiki/api/v2';
const base = (ctx: Ctx): string => `${ctx.origin}/wiki`;
const ok = (json: unknown): Reply => ({ status: 200, json });
const notFound = (): HttpError => new HttpError(404, 'Not Found');

/** A paged v2 list: `{results, _links:{next?, base}}` and the same next link in `Link`. */
function list<T>(ctx: Ctx, items: T[], opts: { def?: number; map?: (t: T) => unknown } = {}): Reply {
  const pg = pageOf(items, ctx.pathname, ctx.query, ctx.cursors, opts);
  const links: Json = pg.next ? { next: pg.next, base: base(ctx) } : { base: base(ctx) };
  const results = opts.map ? pg.results.map(opts.map) : pg.results;
  return { status: 200, json: { results, _links: links }, headers: pg.next ? { link: `<${pg.next}>; rel="next"` } : {} };
}

const accountOf = (p: Principal): string => (p.kind === 'app' ? APP_ACCOUNT_ID : p.accountId);

function bool(q: URLSearchParams, name: string, def = false): boolean {
  const v = q.get(name);
  if (v === null || v === '') return def;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new HttpError(400, `${name} must be true or false`);
}

/** Query arrays come as repeated params (`id=1&id=2`) and, leniently, comma lists. */
function multi(q: URLSearchParams, name: string): string[] {
  return q.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

function enumParam<T extends string>(q: URLSearchParams, name: string, allowed: readonly T[]): T | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw new HttpError(400, `Invalid ${name} '${v}'`);
  return v as T;
}

function numericId(id: string): string {
  if (!/^\d+$/.test(id)) throw new HttpError(400, `Invalid id '${id}'`);
  return id;
}

/** The item if it exists, has one of the types, and the caller may see it; otherwise 404. */
function visible(ctx: Ctx, id: string, types: readonly ContentType[]): Content {
  const c = ctx.site.content(numericId(id));
  if (!c || !types.includes(c.type) || !ctx.site.canSee(ctx.principal, c.id)) throw notFound();
  return c;
}

const sortBy = <T>(items: T[], key: (t: T) => string | number, desc: boolean): T[] =>
  [...items].sort((x, y) => {
    const a = key(x), b = key(y);
    const r = typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
    return desc ? -r : r;
  });

function sortContents(items: Content[], sort: string | undefined): Content[] {
  const s = sort ?? 'id';
  const desc = s.startsWith('-');
  const k = s.replace(/^-/, '');
  const key = (c: Content): string | number =>
    k === 'id' ? Number(c.id) : k === 'title' ? c.title : k === 'created-date' ? c.createdAt : c.version.createdAt;
  return sortBy(items, key, desc);
}

// ------------------------------------------------------------------ pages & blog posts

const PAGE_SORTS = ['id', '-id', 'created-date', '-created-date', 'modified-date', '-modified-date', 'title', '-title'] as const;

function listContents(ctx: Ctx, type: 'page' | 'blogpost', spaceIds?: string[], rootOnly = false, labelId?: string): Reply {
  const q = ctx.query;
  const ids = multi(q, 'id');
  if (ids.length > 250) throw new HttpError(400, 'id: at most 250 ids');
  ids.forEach(numericId);
  const spaces = spaceIds ?? multi(q, 'space-id');
  if (spaces.length > 100) throw new HttpError(400, 'space-id: at most 100 ids');
  const statuses = multi(q, 'status');
  const wanted = statuses.length ? statuses : ['current'];
  const title = q.get('title');
  const format = enumParam(q, 'body-format', S.BULK_FORMATS);
  const sort = enumParam(q, 'sort', PAGE_SORTS);
  parseLimit(q);
  const idSet = ids.length ? new Set(ids) : undefined;
  const pool = idSet ? [...idSet].map((id) => ctx.site.content(id)).filter((c): c is Content => !!c) : [...ctx.site.contents.values()];
  const items = pool.filter((c) => c.type === type && wanted.includes(c.status)
    && (!spaces.length || spaces.includes(c.spaceId)) && (title === null || c.title === title)
    && (!rootOnly || !c.parentId) && (labelId === undefined || c.labels.some((l) => S.label(l)['id'] === labelId))
    && ctx.site.canSee(ctx.principal, c.id));
  // Bodies are rendered only for the slice that is returned, not the whole site.
  return list(ctx, sortContents(items, sort), { map: (c) => S.pageBase(ctx.site, c, c.version, c.title, S.body(src(ctx, c), format), true) });
}

const src = (ctx: Ctx, c: Content, rev = c.history[c.history.length - 1]): S.BodySource => ({
  site: ctx.site, content: c, adf: rev?.adf ?? c.adf, storage: ctx.site.storageOf(c, rev), base: base(ctx),
});

function getContent(ctx: Ctx, c: Content): Reply {
  const q = ctx.query;
  const format = enumParam(q, 'body-format', S.SINGLE_FORMATS);
  const vParam = q.get('version');
  let rev = c.history[c.history.length - 1];
  if (vParam !== null) {
    if (!/^\d+$/.test(vParam)) throw new HttpError(400, 'version must be an integer');
    rev = c.history.find((r) => r.version.number === Number(vParam));
    if (!rev) throw notFound();
  }
  if (!rev) throw notFound();
  const statuses = multi(q, 'status');
  if (statuses.length && !statuses.includes(c.status) && !(vParam && statuses.includes('historical'))) throw notFound();
  const out = S.pageBase(ctx.site, c, rev.version, rev.title, S.body(src(ctx, c, rev), format), bool(q, 'include-version', true));
  const self = `${base(ctx)}/api/v2/${c.type === 'page' ? 'pages' : 'blogposts'}/${c.id}`;
  if (bool(q, 'include-labels')) out['labels'] = S.included(c.labels.map((l) => S.label(l)), `${self}/labels`);
  if (bool(q, 'include-properties')) out['properties'] = S.included(c.properties.map(S.property), `${self}/properties`);
  if (bool(q, 'include-operations')) out['operations'] = S.included(S.operations(c.type, ctx.site.canEdit(ctx.principal, c.id)), `${self}/operations`);
  if (bool(q, 'include-likes')) out['likes'] = S.included([], `${self}/likes/users`);
  if (bool(q, 'include-versions')) out['versions'] = S.included([...c.history].reverse().map((r) => S.version(r.version)), `${self}/versions`);
  if (bool(q, 'include-favorited-by-current-user-status')) out['isFavoritedByCurrentUser'] = false;
  if (bool(q, 'include-collaborators')) out['collaborators'] = S.included(c.collaborators.map((accountId) => ({ accountId })), `${self}/collaborators`);
  if (bool(q, 'include-direct-children')) out['directChildren'] = S.included(children(ctx, c).map(S.childItem), `${self}/direct-children`);
  (out['_links'] as Json)['base'] = base(ctx);
  return ok(out);
}

interface UpdateBody {
  id?: unknown; status?: unknown; title?: unknown;
  body?: { representation?: unknown; value?: unknown; storage?: { value?: unknown }; atlas_doc_format?: { value?: unknown } };
  version?: { number?: unknown; message?: unknown };
}

function parseJson<T>(ctx: Ctx): T {
  try {
    return JSON.parse(ctx.body.toString('utf8')) as T;
  } catch {
    throw new HttpError(400, 'Request body is not valid JSON');
  }
}

function updateContent(ctx: Ctx, c: Content): Reply {
  if (!ctx.site.canEdit(ctx.principal, c.id)) throw new HttpError(403, 'You do not have permission to edit this content');
  const b = parseJson<UpdateBody>(ctx);
  if (typeof b !== 'object' || b === null) throw new HttpError(400, 'Request body must be an object');
  if (b.id !== undefined && String(b.id) !== c.id) throw new HttpError(400, 'id in body does not match the path');
  if (b.status !== 'current') throw new HttpError(400, "status must be 'current' (drafts are not emulated)");
  if (typeof b.title !== 'string' || !b.title.trim()) throw new HttpError(400, 'title is required');
  const n = b.version?.number;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new HttpError(400, 'version.number is required');
  if (n !== c.version.number + 1) {
    throw new HttpError(409, `Version must be incremented when updating a page. Current Version: [${c.version.number}]. Provided version: [${n}]`);
  }
  // Body: flat {representation, value} or nested {storage:{…}} / {atlas_doc_format:{…}}.
  let rep: string | undefined;
  let value: unknown;
  if (b.body && typeof b.body.representation === 'string') { rep = b.body.representation; value = b.body.value; }
  else if (b.body?.atlas_doc_format) { rep = 'atlas_doc_format'; value = b.body.atlas_doc_format.value; }
  else if (b.body?.storage) { rep = 'storage'; value = b.body.storage.value; }
  if (typeof value !== 'string') throw new HttpError(400, 'body.value is required');
  const change: Parameters<Site['updatePage']>[1] = { title: b.title };
  if (typeof b.version?.message === 'string') change.message = b.version.message;
  if (rep === 'atlas_doc_format') {
    let adf: unknown;
    try { adf = JSON.parse(value); } catch { throw new HttpError(400, 'atlas_doc_format value is not JSON'); }
    const d = adf as { type?: unknown; content?: unknown };
    if (d.type !== 'doc' || !Array.isArray(d.content)) throw new HttpError(400, 'atlas_doc_format value is not an ADF doc');
    change.adf = adf as Content['adf'];
  } else if (rep === 'storage' || rep === 'wiki') {
    const storage = rep === 'wiki' ? value.split(/\n{2,}/).map((t) => `<p>${t}</p>`).join('') : value;
    change.adf = storageToAdf(storage);
    change.storage = storage;
  } else throw new HttpError(400, 'body.representation must be storage, atlas_doc_format or wiki');
  ctx.site.updatePage(c.id, change, accountOf(ctx.principal));
  const out = S.pageBase(ctx.site, c, c.version, c.title, S.body(src(ctx, c), rep === 'atlas_doc_format' ? 'atlas_doc_format' : 'storage'), true);
  (out['_links'] as Json)['base'] = base(ctx);
  return ok(out);
}

/** Children the caller can see, in position order (all content types). */
function children(ctx: Ctx, c: Content): Content[] {
  return ctx.site.childIds(c.id).map((id) => ctx.site.content(id))
    .filter((k): k is Content => !!k && k.type !== 'blogpost' && k.status !== 'trashed' && ctx.site.canSee(ctx.principal, k.id));
}

function descendants(ctx: Ctx, root: Content): Reply {
  const raw = ctx.query.get('depth');
  let depth = 2; // the spec's default
  if (raw !== null && raw !== '') {
    if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 10) throw new HttpError(400, 'depth must be between 1 and 10');
    depth = Number(raw);
  }
  // Top to bottom: every item of depth 1, then depth 2, … (siblings by position).
  const out: Json[] = [];
  let level: Content[] = [root];
  for (let d = 1; d <= depth && level.length; d++) {
    const next: Content[] = [];
    for (const parent of level) {
      for (const k of children(ctx, parent)) {
        out.push({ id: k.id, status: k.status === 'archived' ? 'archived' : 'current', title: k.title, type: k.type, parentId: parent.id, depth: d, childPosition: k.childPosition });
        next.push(k);
      }
    }
    level = next;
  }
  return list(ctx, out);
}

function ancestors(ctx: Ctx, c: Content, withLinks: boolean): Reply {
  const limit = parseLimit(ctx.query);
  // Nearest `limit` ancestors, still top to bottom; callers continue from the first one's id.
  const ids = ctx.site.ancestorIds(c.id).filter((id) => ctx.site.canSee(ctx.principal, id)).slice(-limit);
  const results = ids.map((id) => ({ id, type: ctx.site.content(id)?.type ?? 'page' }));
  return ok(withLinks ? { results, _links: { base: base(ctx) } } : { results });
}

function versions(ctx: Ctx, c: Content): Reply {
  const format = enumParam(ctx.query, 'body-format', S.BULK_FORMATS);
  const sort = enumParam(ctx.query, 'sort', ['modified-date', '-modified-date'] as const) ?? '-modified-date';
  const revs = sort === 'modified-date' ? [...c.history] : [...c.history].reverse();
  const key = c.type === 'blogpost' ? 'blogpost' : 'page';
  return list(ctx, revs.map((r) => ({ ...S.version(r.version), [key]: { id: c.id, title: r.title, ...(format ? { body: S.body(src(ctx, c, r), format) } : {}) } })));
}

function labels(ctx: Ctx, labelsOf: string[]): Reply {
  const prefix = enumParam(ctx.query, 'prefix', ['my', 'team', 'global', 'system'] as const);
  const all = labelsOf.map((l) => S.label(l)).filter((l) => !prefix || l['prefix'] === prefix);
  const sort = ctx.query.get('sort');
  return list(ctx, sort === 'name' || sort === '-name' ? sortBy(all, (l) => String(l['name']), sort === '-name') : all);
}

function attachments(ctx: Ctx, c: Content): Reply {
  const q = ctx.query;
  const mediaType = q.get('mediaType');
  const filename = q.get('filename');
  const items = ctx.site.attachmentsOf(c.id).filter((a) => (!mediaType || a.mediaType === mediaType) && (!filename || a.title === filename));
  return list(ctx, items.map((a) => S.attachment(ctx.site, a)), { def: 50 });
}

// ------------------------------------------------------------------ comments

const COMMENT_SORTS = ['created-date', '-created-date', 'modified-date', '-modified-date'] as const;

function sortComments(ctx: Ctx, items: Comment[]): Comment[] {
  const sort = enumParam(ctx.query, 'sort', COMMENT_SORTS) ?? 'created-date';
  return sortBy(items, (c) => (sort.includes('modified') ? c.version.createdAt : c.created) + c.id.padStart(12, '0'), sort.startsWith('-'));
}

function commentBody(ctx: Ctx, cm: Comment, format: S.BodyFormat | undefined): Json {
  if (!format) return {};
  const page = ctx.site.content(cm.pageId);
  if (!page) return {};
  return S.body({ site: ctx.site, content: page, adf: cm.adf, storage: cm.storage, base: base(ctx) }, format);
}

function rootComments(ctx: Ctx, c: Content, kind: 'footer' | 'inline'): Reply {
  const format = enumParam(ctx.query, 'body-format', S.BULK_FORMATS);
  const states = multi(ctx.query, 'resolution-status');
  for (const s of states) if (!['open', 'resolved', 'reopened', 'dangling'].includes(s)) throw new HttpError(400, `Invalid resolution-status '${s}'`);
  const items = ctx.site.commentsOf(c.id, kind).filter((cm) => cm.parentCommentId === null
    && (kind !== 'inline' || !states.length || states.includes(cm.resolutionStatus ?? 'open')));
  return list(ctx, sortComments(ctx, items).map((cm) => S.comment(ctx.site, cm, 'list', commentBody(ctx, cm, format))));
}

function visibleComment(ctx: Ctx, id: string, kind: 'footer' | 'inline'): Comment {
  const cm = ctx.site.comment(numericId(id));
  if (!cm || cm.kind !== kind || !ctx.site.canSee(ctx.principal, cm.pageId)) throw notFound();
  return cm;
}

function getComment(ctx: Ctx, cm: Comment): Reply {
  const q = ctx.query;
  const format = enumParam(q, 'body-format', S.SINGLE_FORMATS);
  const out = S.comment(ctx.site, cm, 'single', commentBody(ctx, cm, format));
  if (!bool(q, 'include-version', true)) delete out['version'];
  const self = `${base(ctx)}/api/v2/${cm.kind}-comments/${cm.id}`;
  if (bool(q, 'include-properties')) {
    const props = S.included([], `${self}/properties`);
    out['properties'] = cm.kind === 'inline' ? { ...(out['properties'] as Json), ...props } : props;
  }
  if (bool(q, 'include-operations')) out['operations'] = S.included(S.operations('comment', true), `${self}/operations`);
  if (bool(q, 'include-likes')) out['likes'] = S.included([], `${self}/likes/users`);
  if (bool(q, 'include-versions')) out['versions'] = S.included([S.version(cm.version)], `${self}/versions`);
  (out['_links'] as Json)['base'] = base(ctx);
  return ok(out);
}

function commentChildren(ctx: Ctx, cm: Comment): Reply {
  const format = enumParam(ctx.query, 'body-format', S.BULK_FORMATS);
  const items = sortComments(ctx, ctx.site.replies(cm.id));
  return list(ctx, items.map((r) => S.comment(ctx.site, r, 'children', commentBody(ctx, r, format))));
}

// ------------------------------------------------------------------ databases & other tree items

const CLASSIFICATION = {
  id: 'c0a8f1e2-5b6d-4e7f-8a9b-000000000001', status: 'PUBLISHED', order: 2, name: 'Internal',
  description: 'For people inside the organisation.', guideline: 'Do not share outside the company.', color: 'BLUE',
};

function getDatabase(ctx: Ctx, c: Content): Reply {
  const q = ctx.query;
  const out = S.database(ctx.site, c);
  const self = `${base(ctx)}/api/v2/${c.type}s/${c.id}`;
  if (bool(q, 'include-collaborators')) out['collaborators'] = S.included(c.collaborators.map((accountId) => ({ accountId })), `${self}/collaborators`);
  if (bool(q, 'include-direct-children')) out['directChildren'] = S.included(children(ctx, c).map(S.childItem), `${self}/direct-children`);
  if (bool(q, 'include-operations')) out['operations'] = S.included(S.operations(c.type, true), `${self}/operations`);
  if (bool(q, 'include-properties')) out['properties'] = S.included(c.properties.map(S.property), `${self}/properties`);
  (out['_links'] as Json)['base'] = base(ctx);
  return ok(out);
}

function properties(ctx: Ctx, c: Content): Reply {
  const key = ctx.query.get('key');
  const sort = enumParam(ctx.query, 'sort', ['key', '-key'] as const);
  let items = c.properties.filter((p) => key === null || p.key === key);
  if (sort) items = sortBy(items, (p) => p.key, sort === '-key');
  return list(ctx, items.map(S.property));
}

// ------------------------------------------------------------------ attachments & downloads

function visibleAttachment(ctx: Ctx, id: string): NonNullable<ReturnType<Site['attachments']['get']>> {
  if (!/^(att)?\d+$/.test(id)) throw new HttpError(400, `Invalid attachment id '${id}'`);
  const a = ctx.site.attachments.get(id.startsWith('att') ? id : `att${id}`);
  if (!a || !ctx.site.canSee(ctx.principal, a.pageId)) throw notFound();
  return a;
}

function download(ctx: Ctx, pageId: string, filename: string): Reply {
  if (!ctx.site.canSee(ctx.principal, pageId)) throw notFound();
  const a = ctx.site.attachmentsOf(pageId).find((x) => x.title === filename);
  if (!a) throw notFound();
  const vq = ctx.query.get('version');
  const rev = vq ? a.history.find((h) => h.version.number === Number(vq)) : undefined;
  if (vq && !rev) throw notFound();
  return {
    status: 200, bytes: rev?.bytes ?? a.bytes, contentType: a.mediaType,
    headers: { 'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(a.title)}` },
  };
}

// ------------------------------------------------------------------ v1

function v1Error(status: number, message: string): Reply {
  return { status, json: { statusCode: status, data: { authorized: status !== 403, valid: true, errors: [], successful: false }, message } };
}

function uploadAttachments(ctx: Ctx, id: string, upsert: boolean): Reply {
  // Confluence blocks form posts without this header (XSRF protection) before anything else.
  if (String(ctx.headers['x-atlassian-token'] ?? '').toLowerCase() !== 'nocheck') {
    return { status: 403, text: 'XSRF check failed', contentType: 'text/plain;charset=UTF-8' };
  }
  const c = ctx.site.content(id);
  if (!c || (c.type !== 'page' && c.type !== 'blogpost') || !ctx.site.canSee(ctx.principal, c.id)) {
    return v1Error(404, `No content found with id: ContentId{id=${id}}`);
  }
  if (!ctx.site.canEdit(ctx.principal, c.id)) return v1Error(403, 'You do not have permission to add attachments to this content');
  const boundary = boundaryOf(ctx.headers['content-type']);
  if (!boundary) return v1Error(415, 'Content type must be multipart/form-data with a boundary');
  let parts;
  try {
    parts = parseMultipart(ctx.body, boundary);
  } catch (e) {
    return v1Error(400, `Malformed multipart body: ${(e as Error).message}`);
  }
  const files = parts.filter((p) => p.name === 'file');
  if (!files.length) return v1Error(400, "At least one 'file' part is required");
  const minor = parts.find((p) => p.name === 'minorEdit')?.data.toString('utf8');
  if (minor === undefined) return v1Error(400, "The 'minorEdit' form field is required");
  const comments = parts.filter((p) => p.name === 'comment').map((p) => p.data.toString('utf8'));
  const by = accountOf(ctx.principal);
  const results: Json[] = [];
  for (const [i, f] of files.entries()) {
    const title = f.filename;
    if (!title) return v1Error(400, 'Each file part needs a filename');
    const mediaType = f.contentType && f.contentType !== 'application/octet-stream' ? f.contentType : guessType(title);
    const existing = ctx.site.attachmentsOf(c.id).find((a) => a.title === title);
    const comment = comments[i] ?? comments[0];
    if (existing && !upsert) return v1Error(400, `Cannot add a new attachment with same file name as an existing attachment: ${title}`);
    const bytes = Uint8Array.from(f.data);
    const a = existing
      ? ctx.site.updateAttachment(existing.id, bytes, by, { minorEdit: minor === 'true', mediaType, ...(comment !== undefined ? { comment } : {}) })
      : ctx.site.addAttachment({ pageId: c.id, title, mediaType, bytes, authorId: by, ...(comment !== undefined ? { comment } : {}) });
    results.push(S.v1Attachment(ctx.site, a, base(ctx)));
  }
  return ok({ results, start: 0, limit: results.length, size: results.length, _links: { base: base(ctx), context: '/wiki' } });
}

function guessType(name: string): string {
  const ext = name.toLowerCase().split('.').pop() ?? '';
  const types: Record<string, string> = {
    png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', svg: 'image/svg+xml', pdf: 'application/pdf',
    zip: 'application/zip', md: 'text/markdown', txt: 'text/plain', html: 'text/html', json: 'application/json', csv: 'text/csv',
  };
  return types[ext] ?? 'application/octet-stream';
}

/**
 * The shared part of both v1 CQL routes: the parsed query, the page size (v1 does not reject large
 * limits, it caps them at `maxLimit`), and the items the caller may see that match, by id.
 */
function cqlMatches(ctx: Ctx, maxLimit: number): Reply | { cql: string; parsed: ReturnType<typeof parseCql>; limit: number; items: Content[] } {
  const q = ctx.query;
  const cql = q.get('cql');
  if (!cql) return v1Error(400, 'cql is required');
  let parsed: ReturnType<typeof parseCql>;
  try {
    parsed = parseCql(cql);
  } catch (e) {
    if (e instanceof HttpError) return v1Error(400, `Could not parse cql : ${cql} (${e.message})`);
    throw e;
  }
  const rawLimit = q.get('limit');
  const limit = rawLimit && /^\d+$/.test(rawLimit) ? Math.max(0, Math.min(maxLimit, Number(rawLimit))) : 25;
  const site = ctx.site;
  const withText = parsed.clauses.some((k) => k.field === 'text');
  // CQL finds neither trashed nor archived content (markfluence docs/confluence/search.md, FINDINGS §2).
  const items = sortBy([...site.contents.values()].filter((c) => c.status === 'current' && site.canSee(ctx.principal, c.id)).filter((c) => {
    const it: CqlItem = {
      type: c.type, space: site.spaces.get(c.spaceId)?.key ?? '', ancestors: site.ancestorIds(c.id), parent: c.parentId ?? '',
      id: c.id, title: c.title, labels: c.labels, text: withText ? plainText(c.adf) : '', lastmodified: c.version.createdAt, created: c.createdAt,
    };
    return matches(parsed, it, site.timeZone);
  }), (c) => Number(c.id), false);
  return { cql, parsed, limit, items };
}

/** The words a live search highlights in row titles: those of its `title ~` and `text ~` clauses. */
const textTerms = (q: CqlQuery): string[] => q.clauses.filter((k) => (k.field === 'title' || k.field === 'text') && k.op === '~').flatMap((k) => k.values);

function search(ctx: Ctx): Reply {
  const q = ctx.query;
  // Capped at 250, like v2's page size.
  const found = cqlMatches(ctx, 250);
  if (!('items' in found)) return found;
  const { cql, parsed, limit } = found;
  let items = found.items;
  const site = ctx.site;
  const ob = parsed.orderBy;
  if (ob) items = sortBy(items, (c) => (ob.field === 'title' ? c.title : ob.field === 'created' ? c.createdAt : ob.field === 'id' ? Number(c.id) : c.version.createdAt), ob.desc);
  const route = `${ctx.pathname}|${cql}`;
  const cursor = q.get('cursor');
  const startParam = q.get('start');
  const start = cursor ? ctx.cursors.decode(cursor, route) : startParam && /^\d+$/.test(startParam) ? Number(startParam) : 0;
  const results = items.slice(start, start + limit).map((c) => S.v1SearchResult(site, c, base(ctx), plainText(c.adf).slice(0, 120).replace(/\s+/g, ' '), textTerms(parsed)));
  const links: Json = { base: base(ctx), context: '/wiki', self: `${base(ctx)}/rest/api/search?cql=${encodeURIComponent(cql)}` };
  if (start + limit < items.length && limit > 0) {
    const nq = new URLSearchParams({ next: 'true', cursor: ctx.cursors.encode(start + limit, route), limit: String(limit), start: String(start + limit), cql });
    links['next'] = `/rest/api/search?${nq.toString()}`;
  }
  return ok({ results, start, limit, size: results.length, totalSize: estimatedTotal(cql, items.length), cqlQuery: cql, searchDuration: 3, _links: links });
}

/**
 * `totalSize` is an estimate on real sites: mozilla/markfluence docs/confluence/search.md (verified
 * 2026-08-14) read 294, 292 and 291 across one walk of 289 rows, and 1 for an empty result just after
 * an archive (FINDINGS §2). The sandbox answers deterministically a few off: exact + 0..4 - 1 (by
 * the query's hash), and 1 for an empty result of every other query.
 */
export function estimatedTotal(cql: string, exact: number): number {
  let h = 0;
  for (let i = 0; i < cql.length; i++) h = (h * 31 + cql.charCodeAt(i)) >>> 0;
  if (exact === 0) return h % 2;
  return Math.max(0, exact + (h % 5) - 1);
}

/**
 * v1 `settings/systemInfo` (`SystemInfoEntity` of ../shared/confluence-openapi/v1.json): the site's
 * `defaultTimeZone`, which CQL date literals are read in (data-prepper PR #5500 reads it there).
 */
function systemInfo(ctx: Ctx): Reply {
  return ok({ cloudId: 'sandbox-cloud-id', commitHash: '0000000', baseUrl: base(ctx), edition: 'standard', siteTitle: 'Sandbox', defaultLocale: 'en_US', defaultTimeZone: ctx.site.timeZone });
}

// ------------------------------------------------------------------ table

const TREE_TYPES = { databases: 'database', folders: 'folder', whiteboards: 'whiteboard' } as const;

function routes(): Route[] {
  const r: Route[] = [];
  const get = (re: string, fn: Handler): void => { r.push({ method: 'GET', re: new RegExp(`^${re}$`), fn }); };
  const add = (method: string, re: string, fn: Handler): void => { r.push({ method, re: new RegExp(`^${re}$`), fn }); };
  const ID = '([^/]+)';

  for (const [seg, type] of [['pages', 'page'], ['blogposts', 'blogpost']] as const) {
    const one = (ctx: Ctx, m: string[]): Content => visible(ctx, m[1] ?? '', [type]);
    get(`${V2}/${seg}`, (ctx) => listContents(ctx, type));
    get(`${V2}/${seg}/${ID}`, (ctx, m) => getContent(ctx, one(ctx, m)));
    add('PUT', `${V2}/${seg}/${ID}`, (ctx, m) => updateContent(ctx, one(ctx, m)));
    get(`${V2}/${seg}/${ID}/operations`, (ctx, m) => ok({ operations: S.operations(type, ctx.site.canEdit(ctx.principal, one(ctx, m).id)) }));
    get(`${V2}/${seg}/${ID}/versions`, (ctx, m) => versions(ctx, one(ctx, m)));
    get(`${V2}/${seg}/${ID}/labels`, (ctx, m) => labels(ctx, one(ctx, m).labels));
    get(`${V2}/${seg}/${ID}/attachments`, (ctx, m) => attachments(ctx, one(ctx, m)));
    get(`${V2}/${seg}/${ID}/footer-comments`, (ctx, m) => rootComments(ctx, one(ctx, m), 'footer'));
    get(`${V2}/${seg}/${ID}/inline-comments`, (ctx, m) => rootComments(ctx, one(ctx, m), 'inline'));
    get(`${V2}/${seg}/${ID}/likes/count`, (ctx, m) => (one(ctx, m), ok({ count: 0 })));
  }
  const page = (ctx: Ctx, m: string[]): Content => visible(ctx, m[1] ?? '', ['page']);
  get(`${V2}/pages/${ID}/descendants`, (ctx, m) => descendants(ctx, page(ctx, m)));
  get(`${V2}/pages/${ID}/direct-children`, (ctx, m) => list(ctx, children(ctx, page(ctx, m)).map(S.childItem)));
  get(`${V2}/pages/${ID}/children`, (ctx, m) => list(ctx, children(ctx, page(ctx, m)).filter((k) => k.type === 'page')
    .map((k) => ({ id: k.id, status: k.status === 'archived' ? 'archived' : 'current', title: k.title, spaceId: k.spaceId, childPosition: k.childPosition }))));
  get(`${V2}/pages/${ID}/ancestors`, (ctx, m) => ancestors(ctx, page(ctx, m), true));

  for (const [seg, type] of Object.entries(TREE_TYPES)) {
    const one = (ctx: Ctx, m: string[]): Content => visible(ctx, m[1] ?? '', [type]);
    // Rows of a database are not in the public API: real sites refuse these paths at the gateway.
    // server.ts answers them before authentication; see ROW_PATHS there.
    get(`${V2}/${seg}/${ID}`, (ctx, m) => getDatabase(ctx, one(ctx, m)));
    get(`${V2}/${seg}/${ID}/operations`, (ctx, m) => (one(ctx, m), ok({ operations: S.operations(type, true) })));
    get(`${V2}/${seg}/${ID}/ancestors`, (ctx, m) => ancestors(ctx, one(ctx, m), type !== 'database'));
    get(`${V2}/${seg}/${ID}/direct-children`, (ctx, m) => list(ctx, children(ctx, one(ctx, m)).map(S.childItem)));
    get(`${V2}/${seg}/${ID}/descendants`, (ctx, m) => descendants(ctx, one(ctx, m)));
    get(`${V2}/${seg}/${ID}/properties`, (ctx, m) => properties(ctx, one(ctx, m)));
    if (type !== 'folder') get(`${V2}/${seg}/${ID}/classification-level`, (ctx, m) => (one(ctx, m), ok(CLASSIFICATION)));
  }

  for (const kind of ['footer', 'inline'] as const) {
    get(`${V2}/${kind}-comments/${ID}`, (ctx, m) => getComment(ctx, visibleComment(ctx, m[1] ?? '', kind)));
    get(`${V2}/${kind}-comments/${ID}/children`, (ctx, m) => commentChildren(ctx, visibleComment(ctx, m[1] ?? '', kind)));
  }

  get(`${V2}/attachments/${ID}`, (ctx, m) => {
    const a = visibleAttachment(ctx, m[1] ?? '');
    const out = S.attachment(ctx.site, a);
    const self = `${base(ctx)}/api/v2/attachments/${a.id}`;
    if (bool(ctx.query, 'include-labels')) out['labels'] = S.included(a.labels.map((l) => S.label(l)), `${self}/labels`);
    if (bool(ctx.query, 'include-versions')) out['versions'] = S.included([...a.history].reverse().map((h) => S.version(h.version)), `${self}/versions`);
    if (bool(ctx.query, 'include-operations')) out['operations'] = S.included(S.operations('attachment', true), `${self}/operations`);
    if (bool(ctx.query, 'include-properties')) out['properties'] = S.included([], `${self}/properties`);
    (out['_links'] as Json)['base'] = base(ctx);
    return ok(out);
  });

  // POST /content/convert-ids-to-types (v2 spec, convertContentIdsToContentTypes): up to 100 ids;
  // ids the caller may not see, or that do not exist, map to null. Comments are footer-/inline-comment.
  add('POST', `${V2}/content/convert-ids-to-types`, (ctx) => {
    const ids = parseJson<{ contentIds?: unknown }>(ctx)?.contentIds;
    if (!Array.isArray(ids) || ids.length > 100 || !ids.every((x) => typeof x === 'string' || typeof x === 'number')) {
      throw new HttpError(400, 'contentIds must be an array of at most 100 ids');
    }
    const typeOf = (id: string): string | null => {
      const c = ctx.site.contents.get(id);
      if (c) return ctx.site.canSee(ctx.principal, id) ? c.type : null;
      const cm = ctx.site.comment(id);
      if (cm) return ctx.site.canSee(ctx.principal, cm.pageId) ? `${cm.kind}-comment` : null;
      const att = ctx.site.attachments.get(id);
      if (att) return ctx.site.canSee(ctx.principal, att.pageId) ? 'attachment' : null;
      return null;
    };
    return ok({ results: Object.fromEntries(ids.map((id) => [String(id), typeOf(String(id))])) });
  });

  add('POST', `${V2}/users-bulk`, (ctx) => {
    const b = parseJson<{ accountIds?: unknown }>(ctx);
    const ids = b?.accountIds;
    if (!Array.isArray(ids) || !ids.length || ids.length > 250 || !ids.every((x) => typeof x === 'string')) {
      throw new HttpError(400, 'accountIds must be an array of 1 to 250 account ids');
    }
    const results = (ids as string[]).map((id) => ctx.site.user(id)).filter((u) => u !== undefined).map(S.user);
    return ok({ results, _links: { base: base(ctx) } });
  });

  get(`${V2}/spaces`, (ctx) => {
    const ids = multi(ctx.query, 'ids');
    const keys = multi(ctx.query, 'keys');
    if (ids.length > 250 || keys.length > 250) throw new HttpError(400, 'ids/keys: at most 250 values');
    const withDesc = ctx.query.get('description-format') === 'plain';
    const items = sortBy([...ctx.site.spaces.values()], (s) => Number(s.id), false)
      .filter((s) => (!ids.length || ids.includes(s.id)) && (!keys.length || keys.includes(s.key)) && ctx.site.canSeeSpace(ctx.principal, s.id));
    return list(ctx, items.map((s) => S.space(s, withDesc)));
  });
  get(`${V2}/spaces/${ID}`, (ctx, m) => {
    const s = ctx.site.spaces.get(numericId(m[1] ?? ''));
    if (!s || !ctx.site.canSeeSpace(ctx.principal, s.id)) throw notFound();
    const out = S.space(s, ctx.query.get('description-format') === 'plain');
    (out['_links'] as Json)['base'] = base(ctx);
    return ok(out);
  });
  get(`${V2}/spaces/${ID}/pages`, (ctx, m) => {
    const s = ctx.site.spaces.get(numericId(m[1] ?? ''));
    if (!s || !ctx.site.canSeeSpace(ctx.principal, s.id)) throw notFound();
    // `depth`: `all` (the default) lists every page of the space wherever it sits, `root` only the
    // pages at the space's root level (v2 spec, "Get pages in space").
    const depth = enumParam(ctx.query, 'depth', ['all', 'root'] as const) ?? 'all';
    return listContents(ctx, 'page', [s.id], depth === 'root');
  });
  // Labels of a space's content (v2 "Get labels for space content"): each label once, only those on
  // content the caller can see.
  get(`${V2}/spaces/${ID}/content/labels`, (ctx, m) => {
    const s = ctx.site.spaces.get(numericId(m[1] ?? ''));
    if (!s) throw notFound();
    const names = new Set<string>();
    for (const c of ctx.site.contents.values()) if (c.spaceId === s.id && c.status === 'current' && ctx.site.canSee(ctx.principal, c.id)) c.labels.forEach((l) => names.add(l));
    return labels(ctx, [...names]);
  });
  // Pages and blog posts with a label (v2 "Get pages for label", "Get blog posts for label"), `space-id` filtered.
  get(`${V2}/labels/${ID}/pages`, (ctx, m) => listContents(ctx, 'page', undefined, false, m[1] ?? ''));
  get(`${V2}/labels/${ID}/blogposts`, (ctx, m) => listContents(ctx, 'blogpost', undefined, false, m[1] ?? ''));
  get(`${V2}/spaces/${ID}/blogposts`, (ctx, m) => {
    const s = ctx.site.spaces.get(numericId(m[1] ?? ''));
    if (!s || !ctx.site.canSeeSpace(ctx.principal, s.id)) throw notFound();
    return listContents(ctx, 'blogpost', [s.id]);
  });

  // Attachment bytes (the v2 downloadLink, relative to `_links.base` = <origin>/wiki). Only for a
  // browser session: server.ts answers API callers 401 before they get here (CHANGE-3007).
  get('/wiki/download/attachments/(\\d+)/([^/?]+)', (ctx, m) => download(ctx, m[1] ?? '', decodeURIComponent(m[2] ?? '')));

  // v1
  const V1 = '/wiki/rest/api';
  add('POST', `${V1}/content/${ID}/child/attachment`, (ctx, m) => uploadAttachments(ctx, m[1] ?? '', false));
  add('PUT', `${V1}/content/${ID}/child/attachment`, (ctx, m) => uploadAttachments(ctx, m[1] ?? '', true));
  get(`${V1}/content/${ID}/child/attachment/${ID}/download`, (ctx, m) => {
    const c = ctx.site.content(m[1] ?? '');
    const a = ctx.site.attachments.get(m[2] ?? '');
    if (!c || !a || a.pageId !== c.id || !ctx.site.canSee(ctx.principal, c.id)) return v1Error(404, 'Attachment not found');
    const vq = ctx.query.get('version');
    if (vq && (!/^\d+$/.test(vq) || Number(vq) > a.version.number || Number(vq) < 1)) return v1Error(400, 'Invalid version');
    // As recorded on real sites (../shared/real-responses/v1/attachment-download.redirect.txt): a 302
    // to a signed URL on ANOTHER host, the media host (media.ts), with the token in the query.
    return { status: 302, headers: { location: ctx.media.sign(a, vq ? Number(vq) : a.version.number) } };
  });
  get(`${V1}/search`, search);
  get(`${V1}/settings/systemInfo`, systemInfo);
  get(`${V1}/content/search`, contentSearch);
  get(`${V1}/content/${ID}/restriction/byOperation/(read|update)`, (ctx, m) => restrictionsFor(ctx, m[1] ?? '', m[2] === 'update' ? 'update' : 'read'));
  return r;
}

/**
 * v1 `restriction/byOperation/{read|update}`: the users an item's own restriction names (groups are
 * not modelled, so always empty). Read restrictions inherit down the tree; this lists only the
 * item's own, as Confluence does. Callers must see the item (404 otherwise).
 */
function restrictionsFor(ctx: Ctx, id: string, operation: 'read' | 'update'): Reply {
  const c = ctx.site.content(id);
  if (!c || !ctx.site.canSee(ctx.principal, c.id)) return v1Error(404, `No content found with id: ContentId{id=${id}}`);
  const start = Math.max(0, Number(ctx.query.get('start') ?? 0) || 0);
  const limit = Math.min(100, Math.max(0, Number(ctx.query.get('limit') ?? 100) || 100));
  return ok(restrictionJson(ctx, c, operation, start, limit));
}

/** A `ContentRestriction`: the users the item's own restriction for `operation` names. */
function restrictionJson(ctx: Ctx, c: Content, operation: 'read' | 'update', start: number, limit: number): Json {
  const ids = (operation === 'read' ? c.restrictedTo : c.editableBy) ?? [];
  const page = ids.slice(start, start + limit);
  const self = `${base(ctx)}/rest/api/content/${c.id}/restriction/byOperation/${operation}`;
  return {
    operation,
    restrictions: {
      user: {
        results: page.map((a) => { const u = ctx.site.user(a); return { type: 'known', accountId: a, accountType: u?.accountType ?? 'atlassian', ...(u ? { displayName: u.displayName, publicName: u.displayName } : {}) }; }),
        start, limit, size: page.length, totalSize: ids.length,
        ...(start + limit < ids.length ? { _links: { next: `/rest/api/content/${c.id}/restriction/byOperation/${operation}?start=${start + limit}&limit=${limit}` } } : {}),
      },
      group: { results: [], start: 0, limit, size: 0 },
    },
    _expandable: { content: `/rest/api/content/${c.id}` },
    _links: { self, base: base(ctx), context: '/wiki' },
  };
}

/**
 * v1 content search (CQL). Only `expand=restrictions.read.restrictions.user` (and `.group`) is
 * honoured: it gives each item's own read restriction, so one request covers up to 100 items.
 */
function contentSearch(ctx: Ctx): Reply {
  const q = ctx.query;
  const found = cqlMatches(ctx, 100);
  if (!('items' in found)) return found;
  const { cql, limit, items } = found;
  const withRestrictions = multi(q, 'expand').some((x) => x.startsWith('restrictions.read'));
  const route = `${ctx.pathname}|${cql}`;
  const cursor = q.get('cursor');
  const start = cursor ? ctx.cursors.decode(cursor, route) : 0;
  const results = items.slice(start, start + limit).map((c) => ({
    id: c.id, type: c.type, status: c.status, title: c.title,
    ...(withRestrictions ? { restrictions: { read: restrictionJson(ctx, c, 'read', 0, 100), _expandable: { update: '' } } } : {}),
    _expandable: { space: '', history: '', version: '', ancestors: '', children: '', body: '', ...(withRestrictions ? {} : { restrictions: '' }) },
    _links: { self: `${base(ctx)}/rest/api/content/${c.id}`, webui: `/pages/viewpage.action?pageId=${c.id}` },
  }));
  const links: Json = { base: base(ctx), context: '/wiki', self: `${base(ctx)}/rest/api/content/search` };
  if (start + limit < items.length && limit > 0) {
    const nq = new URLSearchParams({ cql, limit: String(limit), cursor: ctx.cursors.encode(start + limit, route) });
    for (const x of multi(q, 'expand')) nq.append('expand', x);
    links['next'] = `/rest/api/content/search?${nq.toString()}`;
  }
  return ok({ results, start, limit, size: results.length, _links: links });
}

const TABLE = routes();

/** Finds the handler for a request; anything not emulated is a 404 (the message says so). */
export function dispatch(ctx: Ctx): Reply {
  for (const route of TABLE) {
    if (route.method !== ctx.method) continue;
    const m = route.re.exec(ctx.pathname);
    if (m) return route.fn(ctx, [...m].map((x) => x ?? ''));
  }
  throw new HttpError(404, `Not emulated by the sandbox: ${ctx.method} ${ctx.pathname}`);
}
