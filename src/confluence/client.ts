/**
 * The only code that talks to Confluence. Every call goes through `requestJson`/`request`, which picks
 * the identity (the two literal `asUser()` / `asApp()` call sites below keep authorization visible),
 * retries, checks the status and maps failures to ConfluenceError.
 *
 * Each method writes its route as a one-line literal inside `requestConfluence(...)`: that is the
 * only form the Forge linter's scope check can read, so the manifest's scopes stay verifiable.
 */
import { asApp, asUser, assumeTrustedRoute, route, type APIResponse, type RequestProductMethod } from '@forge/api';
import { ConfluenceError, passConsent } from './errors';
import { fetchMedia } from './media';
import { plainSearchTitle } from './normalize';
import { nextLink, paginate, type Page as ListPage } from './paginate';
import { readRateLimit, type RateLimitState } from './rate-limit';
import { RESOLVER_RETRY, realDeps, withRetry, type RetryDeps, type RetryPolicy } from './retry';
import type {
  Ancestor,
  Attachment,
  BodyFormat,
  BulkBodyFormat,
  Child,
  ClassificationLevel,
  ContentProperty,
  ContentType,
  Database,
  Descendant,
  FooterComment,
  InlineComment,
  Label,
  Links,
  MultiEntityResult,
  Operation,
  Page,
  ReadRestriction,
  ResolutionStatus,
  RestrictionBody,
  SearchResult,
  Space,
  User,
  Version,
} from './types';

export type Auth = 'user' | 'app';

type Product = { requestConfluence: RequestProductMethod };
type Headers = Record<string, string>;
/** Sends one request with a literal route; `h` carries the Accept / Content-Type headers. */
type Send = (product: Product, h: Headers) => Promise<APIResponse>;

export interface ClientOptions {
  retry?: RetryPolicy;
  retryDeps?: RetryDeps;
  /** Called after every HTTP answer (for request counting in benchmarks and progress). */
  onResponse?: (status: number) => void;
  /**
   * Called with the rate-limit state every answer reports (retried 429s included), read from its
   * headers only. Background jobs pace themselves on it (src/jobs/pacing.ts).
   */
  onRateLimit?: (state: RateLimitState) => void;
  /**
   * Called with the points each answer cost by Atlassian's model ("Rate limiting": a base point per
   * request, plus one per object returned): 1 when it arrives (not for a 429), then the objects
   * its body held once read. Confluence reports only what is left of the app's budget; a job tells
   * its own share of the budget's fall from others' with this (src/jobs/pacing.ts).
   */
  onCost?: (points: number) => void;
  /**
   * With auth 'user': act as this account outside its own invocation (offline impersonation, only
   * for scopes marked allowImpersonation in manifest.yml). Background jobs pass the requester.
   */
  accountId?: string;
}

/** Most list endpoints accept up to 250 per page; fewer pages means fewer rate-limit points. */
export const MAX_LIMIT = 250;
/** The Forge bulk endpoint `GET /pages?id=` takes at most this many ids. */
export const BULK_IDS = 250;
/** `POST /content/convert-ids-to-types` takes at most this many ids. */
export const CONTENT_TYPE_IDS = 100;
/** `/descendants` refuses depth above 10. */
export const MAX_DEPTH = 10;

const JSON_ACCEPT: Headers = { Accept: 'application/json' };

const isRedirect = (status: number): boolean => status >= 300 && status < 400;

/** One request of a paged list: its size (≤ 250) and the link the last request gave. */
export interface PageOptions {
  limit?: number;
  next?: string;
}

const limitOf = (o: PageOptions): number => Math.min(o.limit ?? MAX_LIMIT, MAX_LIMIT);

/** The objects an answer's body returned, as the points model counts them: a list's results, else the one object. */
function objectsIn(body: unknown): number {
  if (!body || typeof body !== 'object') return 0;
  const results = (body as { results?: unknown }).results;
  return Array.isArray(results) ? results.length : 1;
}

/** A row-path probe: what Confluence answered, verbatim. */
export interface Probe {
  path: string;
  status: number;
  failureCategory: string | null;
  message: string;
}

export function createClient(auth: Auth, options: ClientOptions = {}) {
  const policy = options.retry ?? RESOLVER_RETRY;

  /** `redirects`: a 3xx answer is returned to the caller instead of failing. */
  async function request(send: Send, what: string, headers: Headers = JSON_ACCEPT, redirects = false): Promise<APIResponse> {
    const product: Product = auth === 'user' ? asUser(options.accountId) : asApp();
    const observe = options.onRateLimit;
    const now = (options.retryDeps ?? realDeps).now;
    const sendOnce = async (): Promise<APIResponse> => {
      const res = await send(product, headers);
      const state = observe ? readRateLimit(res.headers, res.status, now()) : undefined;
      // A refused request is not charged (the sandbox's meter assumes so too).
      if (res.status !== 429) options.onCost?.(1);
      if (state) observe?.(state);
      return res;
    };
    let res: APIResponse;
    try {
      res = await withRetry(sendOnce, policy, options.retryDeps);
    } catch (e) {
      throw networkError(e, what);
    }
    options.onResponse?.(res.status);
    if (!res.ok && !(redirects && isRedirect(res.status))) throw await ConfluenceError.from(res, what);
    return res;
  }

  async function requestJson<T>(send: Send, what: string): Promise<T> {
    const res = await request(send, what);
    const body: unknown = await res.json();
    options.onCost?.(objectsIn(body));
    return body as T;
  }

  /**
   * One page of a cursor-paged list: the first from `first`, later ones from the server's own next
   * link (`next`, which Confluence itself returned: not user input, so it is trusted as a route).
   */
  async function fetchList<T>(first: Send, what: string, next?: string): Promise<{ body: MultiEntityResult<T>; link: string | null }> {
    const send: Send = next === undefined ? first : (p, h) => p.requestConfluence(assumeTrustedRoute(next), { headers: h });
    const res = await request(send, what);
    const body = (await res.json()) as MultiEntityResult<T>;
    options.onCost?.(objectsIn(body));
    return { body, link: res.headers.get('link') };
  }

  /** Every item of a list, following the server's next links. */
  function list<T>(first: Send, what: string): AsyncGenerator<T, void, undefined> {
    return paginate<T>((next) => fetchList<T>(first, what, next));
  }

  /**
   * One page of a list and the link to the next (absent on the last): a listing that stops between
   * requests (a paced job) resumes from it in a later invocation.
   */
  async function listPage<T>(first: Send, what: string, next?: string): Promise<ListPage<T>> {
    const { body, link } = await fetchList<T>(first, what, next);
    const after = nextLink(body._links, link);
    return { items: body.results ?? [], ...(after !== undefined ? { next: after } : {}) };
  }

  const q = (params: Record<string, string | number | boolean | undefined | string[]>) => {
    const out = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (v === undefined) continue;
      if (Array.isArray(v)) v.forEach((x) => out.append(k, x));
      else out.append(k, String(v));
    }
    return out;
  };

  return {
    auth,

    // ---- pages and blog posts ----
    getPage(id: string, o: { bodyFormat?: BodyFormat; include?: PageInclude[]; version?: number } = {}): Promise<Page> {
      const params = q({ 'body-format': o.bodyFormat, version: o.version, ...includes(o.include) });
      return requestJson((p, h) => p.requestConfluence(route`/wiki/api/v2/pages/${id}?${params}`, { headers: h }), `page ${id}`);
    },

    getBlogPost(id: string, o: { bodyFormat?: BodyFormat; include?: PageInclude[]; version?: number } = {}): Promise<Page> {
      const params = q({ 'body-format': o.bodyFormat, version: o.version, ...includes(o.include) });
      return requestJson((p, h) => p.requestConfluence(route`/wiki/api/v2/blogposts/${id}?${params}`, { headers: h }), `blog post ${id}`);
    },

    /** Pages by id in bulk: at most 250 ids per request (split by the caller). */
    pagesByIds(ids: string[], bodyFormat?: BulkBodyFormat): AsyncGenerator<Page, void, undefined> {
      if (ids.length > BULK_IDS) throw new RangeError(`pagesByIds takes at most ${BULK_IDS} ids per call`);
      const params = q({ id: ids, 'body-format': bodyFormat, limit: MAX_LIMIT });
      return list<Page>((p, h) => p.requestConfluence(route`/wiki/api/v2/pages?${params}`, { headers: h }), `${ids.length} pages`);
    },

    blogPostsByIds(ids: string[], bodyFormat?: BulkBodyFormat): AsyncGenerator<Page, void, undefined> {
      if (ids.length > BULK_IDS) throw new RangeError(`blogPostsByIds takes at most ${BULK_IDS} ids per call`);
      const params = q({ id: ids, 'body-format': bodyFormat, limit: MAX_LIMIT });
      return list<Page>((p, h) => p.requestConfluence(route`/wiki/api/v2/blogposts?${params}`, { headers: h }), `${ids.length} blog posts`);
    },

    /**
     * Every current page of a space wherever it sits in the page tree (`depth=all`, pages outside the
     * homepage's tree too), with `parentId` and `position`: 250 per request, no bodies.
     */
    spacePages(spaceId: string): AsyncGenerator<Page, void, undefined> {
      const params = q({ depth: 'all', status: 'current', limit: MAX_LIMIT });
      return list<Page>((p, h) => p.requestConfluence(route`/wiki/api/v2/spaces/${spaceId}/pages?${params}`, { headers: h }), `pages of space ${spaceId}`);
    },

    /** Every current blog post of a space, 250 per request, no bodies. */
    spaceBlogPosts(spaceId: string): AsyncGenerator<Page, void, undefined> {
      const params = q({ status: 'current', limit: MAX_LIMIT });
      return list<Page>((p, h) => p.requestConfluence(route`/wiki/api/v2/spaces/${spaceId}/blogposts?${params}`, { headers: h }), `blog posts of space ${spaceId}`);
    },

    /** One request of `/descendants` (`next`: the link the last one gave). Used by `listStep` (./tree). */
    descendantsPage(id: string, o: PageOptions & { depth?: number } = {}): Promise<ListPage<Descendant>> {
      const params = q({ depth: Math.min(o.depth ?? MAX_DEPTH, MAX_DEPTH), limit: limitOf(o) });
      return listPage<Descendant>((p, h) => p.requestConfluence(route`/wiki/api/v2/pages/${id}/descendants?${params}`, { headers: h }), `descendants of page ${id}`, o.next);
    },

    /** The same for a database's descendants. */
    databaseDescendantsPage(id: string, o: PageOptions & { depth?: number } = {}): Promise<ListPage<Descendant>> {
      const params = q({ depth: Math.min(o.depth ?? MAX_DEPTH, MAX_DEPTH), limit: limitOf(o) });
      return listPage<Descendant>((p, h) => p.requestConfluence(route`/wiki/api/v2/databases/${id}/descendants?${params}`, { headers: h }), `descendants of database ${id}`, o.next);
    },

    /** One request of a space's current pages (all depths) or blog posts, no bodies. */
    spaceItemsPage(spaceId: string, kind: 'pages' | 'blogposts', o: PageOptions = {}): Promise<ListPage<Page>> {
      const params = q({ ...(kind === 'pages' ? { depth: 'all' } : {}), status: 'current', limit: limitOf(o) });
      const first: Send = kind === 'pages'
        ? (p, h) => p.requestConfluence(route`/wiki/api/v2/spaces/${spaceId}/pages?${params}`, { headers: h })
        : (p, h) => p.requestConfluence(route`/wiki/api/v2/spaces/${spaceId}/blogposts?${params}`, { headers: h });
      return listPage<Page>(first, `${kind === 'pages' ? 'pages' : 'blog posts'} of space ${spaceId}`, o.next);
    },

    /** One level of `/descendants` (depth ≤ 10). Use `allDescendants` for whole trees. */
    descendants(id: string, depth = MAX_DEPTH): AsyncGenerator<Descendant, void, undefined> {
      const params = q({ depth: Math.min(depth, MAX_DEPTH), limit: MAX_LIMIT });
      return list<Descendant>((p, h) => p.requestConfluence(route`/wiki/api/v2/pages/${id}/descendants?${params}`, { headers: h }), `descendants of page ${id}`);
    },

    directChildren(id: string): AsyncGenerator<Child, void, undefined> {
      const params = q({ limit: MAX_LIMIT });
      return list<Child>((p, h) => p.requestConfluence(route`/wiki/api/v2/pages/${id}/direct-children?${params}`, { headers: h }), `children of page ${id}`);
    },

    async ancestors(id: string): Promise<Ancestor[]> {
      const body = await requestJson<MultiEntityResult<Ancestor>>((p, h) => p.requestConfluence(route`/wiki/api/v2/pages/${id}/ancestors`, { headers: h }), `ancestors of page ${id}`);
      return body.results ?? [];
    },

    /**
     * The item's OWN read restriction (v1; Confluence has no v2 route for it): who it names, and
     * whether the list is complete. Inherited restrictions sit on the ancestors.
     */
    async readRestriction(id: string): Promise<ReadRestriction> {
      const body = await requestJson<RestrictionBody>((p, h) => p.requestConfluence(route`/wiki/rest/api/content/${id}/restriction/byOperation/read?limit=100`, { headers: h }), `restrictions of ${id}`);
      return restrictionOf(body);
    },

    /**
     * The own read restrictions of the content under `id`: its children (`parent`) or all its
     * descendants (`ancestor`), 100 per request instead of one request per item (v1 CQL content
     * search, `expand=restrictions.read...`).
     */
    async *readRestrictionsUnder(id: string, under: 'parent' | 'ancestor' = 'parent'): AsyncGenerator<{ id: string; restriction: ReadRestriction }, void, undefined> {
      const params = q({ cql: `${under}=${id}`, expand: 'restrictions.read.restrictions.user,restrictions.read.restrictions.group', limit: 100 });
      const items = list<{ id?: string; restrictions?: { read?: RestrictionBody } }>((p, h) => p.requestConfluence(route`/wiki/rest/api/content/search?${params}`, { headers: h }), `content under ${id}`);
      for await (const item of items) if (item.id && item.restrictions?.read) yield { id: item.id, restriction: restrictionOf(item.restrictions.read) };
    },

    versions(id: string): AsyncGenerator<Version, void, undefined> {
      const params = q({ limit: MAX_LIMIT });
      return list<Version>((p, h) => p.requestConfluence(route`/wiki/api/v2/pages/${id}/versions?${params}`, { headers: h }), `versions of page ${id}`);
    },

    labels(ref: ContentRef): AsyncGenerator<Label, void, undefined> {
      // The limit is written into the literal: with `?${params}` right after `/labels` the Forge
      // linter mistakes the route for GET /labels and asks for read:label, which this app never needs.
      return ref.type === 'blogpost'
        ? list<Label>((p, h) => p.requestConfluence(route`/wiki/api/v2/blogposts/${ref.id}/labels?limit=250`, { headers: h }), `labels of blog post ${ref.id}`)
        : list<Label>((p, h) => p.requestConfluence(route`/wiki/api/v2/pages/${ref.id}/labels?limit=250`, { headers: h }), `labels of page ${ref.id}`);
    },

    /**
     * The labels used on a space's content, each once (v2 "Get labels for space content"; needs
     * read:space). With `labelled` it gives a tree's labels in a few requests instead of one per page.
     */
    spaceLabels(spaceId: string): AsyncGenerator<Label, void, undefined> {
      return list<Label>((p, h) => p.requestConfluence(route`/wiki/api/v2/spaces/${spaceId}/content/labels?limit=250`, { headers: h }), `labels of space ${spaceId}`);
    },

    /** The pages (or blog posts) of one space that carry a label, 250 per request, no bodies. */
    labelled(labelId: string, type: ContentRef['type'], spaceId: string): AsyncGenerator<Page, void, undefined> {
      const params = q({ 'space-id': spaceId, limit: MAX_LIMIT });
      return type === 'blogpost'
        ? list<Page>((p, h) => p.requestConfluence(route`/wiki/api/v2/labels/${labelId}/blogposts?${params}`, { headers: h }), `blog posts labelled ${labelId}`)
        : list<Page>((p, h) => p.requestConfluence(route`/wiki/api/v2/labels/${labelId}/pages?${params}`, { headers: h }), `pages labelled ${labelId}`);
    },

    attachments(ref: ContentRef): AsyncGenerator<Attachment, void, undefined> {
      const params = q({ limit: MAX_LIMIT });
      return ref.type === 'blogpost'
        ? list<Attachment>((p, h) => p.requestConfluence(route`/wiki/api/v2/blogposts/${ref.id}/attachments?${params}`, { headers: h }), `attachments of blog post ${ref.id}`)
        : list<Attachment>((p, h) => p.requestConfluence(route`/wiki/api/v2/pages/${ref.id}/attachments?${params}`, { headers: h }), `attachments of page ${ref.id}`);
    },

    /**
     * The REST download (the servlet `/wiki/download/attachments/…` answers 401 to API callers since
     * CHANGE-3007). It redirects to Atlassian's media host: the proxy may follow that (bytes here) or
     * hand the 302 back, whose Location is then fetched without credentials (./media.ts).
     */
    async downloadAttachment(contentId: string, attachmentId: string): Promise<Uint8Array> {
      const what = `attachment ${attachmentId}`;
      const res = await request(
        (p) => p.requestConfluence(route`/wiki/rest/api/content/${contentId}/child/attachment/${attachmentId}/download`, { headers: { Accept: '*/*' } }),
        what,
        JSON_ACCEPT,
        true,
      );
      if (isRedirect(res.status)) return fetchMedia(res.status, res.headers.get('location'), what);
      return new Uint8Array(await res.arrayBuffer());
    },

    async pageOperations(id: string): Promise<Operation[]> {
      const body = await requestJson<{ operations?: Operation[] }>((p, h) => p.requestConfluence(route`/wiki/api/v2/pages/${id}/operations`, { headers: h }), `page ${id}`);
      return body.operations ?? [];
    },

    async blogPostOperations(id: string): Promise<Operation[]> {
      const body = await requestJson<{ operations?: Operation[] }>((p, h) => p.requestConfluence(route`/wiki/api/v2/blogposts/${id}/operations`, { headers: h }), `blog post ${id}`);
      return body.operations ?? [];
    },

    /**
     * The space with this key, when the caller can see it (`GET /spaces?keys=`, one request). The
     * key as given and upper-cased are asked together: team space keys are upper-case letters and
     * digits, so "demo" finds DEMO; a personal key (`~…`) is matched exactly.
     */
    async spaceByKey(key: string): Promise<Space | undefined> {
      const keys = [...new Set([key, key.startsWith('~') ? key : key.toUpperCase()])];
      const params = q({ keys, limit: keys.length });
      const body = await requestJson<MultiEntityResult<Space>>((p, h) => p.requestConfluence(route`/wiki/api/v2/spaces?${params}`, { headers: h }), `space ${key}`);
      return body.results?.find((s) => s.key === key) ?? body.results?.find((s) => s.key !== undefined && keys.includes(s.key));
    },

    /** The first 250 spaces the caller can see (one request), and whether Confluence has more. */
    async firstSpaces(): Promise<{ spaces: Space[]; more: boolean }> {
      const params = q({ status: 'current', limit: MAX_LIMIT });
      const body = await requestJson<MultiEntityResult<Space>>((p, h) => p.requestConfluence(route`/wiki/api/v2/spaces?${params}`, { headers: h }), 'spaces');
      return { spaces: body.results ?? [], more: !!body._links?.next };
    },

    /** Every space the caller can see, 250 per request (v2 `GET /spaces`, as the user: only spaces they may view). */
    spaces(): AsyncGenerator<Space, void, undefined> {
      const params = q({ status: 'current', limit: MAX_LIMIT });
      return list<Space>((p, h) => p.requestConfluence(route`/wiki/api/v2/spaces?${params}`, { headers: h }), 'spaces');
    },

    async getSpace(id: string): Promise<Space> {
      return requestJson((p, h) => p.requestConfluence(route`/wiki/api/v2/spaces/${id}`, { headers: h }), `space ${id}`);
    },

    // ---- comments ----
    footerComments(ref: ContentRef, bodyFormat: BulkBodyFormat = 'atlas_doc_format'): AsyncGenerator<FooterComment, void, undefined> {
      const params = q({ 'body-format': bodyFormat, limit: MAX_LIMIT });
      return ref.type === 'blogpost'
        ? list<FooterComment>((p, h) => p.requestConfluence(route`/wiki/api/v2/blogposts/${ref.id}/footer-comments?${params}`, { headers: h }), `comments on blog post ${ref.id}`)
        : list<FooterComment>((p, h) => p.requestConfluence(route`/wiki/api/v2/pages/${ref.id}/footer-comments?${params}`, { headers: h }), `comments on page ${ref.id}`);
    },

    inlineComments(ref: ContentRef, o: { bodyFormat?: BulkBodyFormat; status?: ResolutionStatus[] } = {}): AsyncGenerator<InlineComment, void, undefined> {
      const params = q({ 'body-format': o.bodyFormat ?? 'atlas_doc_format', 'resolution-status': o.status, limit: MAX_LIMIT });
      return ref.type === 'blogpost'
        ? list<InlineComment>((p, h) => p.requestConfluence(route`/wiki/api/v2/blogposts/${ref.id}/inline-comments?${params}`, { headers: h }), `inline comments on blog post ${ref.id}`)
        : list<InlineComment>((p, h) => p.requestConfluence(route`/wiki/api/v2/pages/${ref.id}/inline-comments?${params}`, { headers: h }), `inline comments on page ${ref.id}`);
    },

    footerReplies(commentId: string, bodyFormat: BulkBodyFormat = 'atlas_doc_format'): AsyncGenerator<FooterComment, void, undefined> {
      const params = q({ 'body-format': bodyFormat, limit: MAX_LIMIT });
      return list<FooterComment>((p, h) => p.requestConfluence(route`/wiki/api/v2/footer-comments/${commentId}/children?${params}`, { headers: h }), `replies to comment ${commentId}`);
    },

    inlineReplies(commentId: string, bodyFormat: BulkBodyFormat = 'atlas_doc_format'): AsyncGenerator<InlineComment, void, undefined> {
      const params = q({ 'body-format': bodyFormat, limit: MAX_LIMIT });
      return list<InlineComment>((p, h) => p.requestConfluence(route`/wiki/api/v2/inline-comments/${commentId}/children?${params}`, { headers: h }), `replies to comment ${commentId}`);
    },

    // ---- databases ----
    getDatabase(id: string, include: DatabaseInclude[] = []): Promise<Database> {
      const params = q(Object.fromEntries(include.map((i) => [`include-${i}`, true])));
      return requestJson((p, h) => p.requestConfluence(route`/wiki/api/v2/databases/${id}?${params}`, { headers: h }), `database ${id}`);
    },

    databaseProperties(id: string, limit = MAX_LIMIT): AsyncGenerator<ContentProperty, void, undefined> {
      const params = q({ limit });
      return list<ContentProperty>((p, h) => p.requestConfluence(route`/wiki/api/v2/databases/${id}/properties?${params}`, { headers: h }), `properties of database ${id}`);
    },

    async databaseOperations(id: string): Promise<Operation[]> {
      const body = await requestJson<{ operations?: Operation[] }>((p, h) => p.requestConfluence(route`/wiki/api/v2/databases/${id}/operations`, { headers: h }), `database ${id}`);
      return body.operations ?? [];
    },

    databaseClassification(id: string): Promise<ClassificationLevel> {
      return requestJson((p, h) => p.requestConfluence(route`/wiki/api/v2/databases/${id}/classification-level`, { headers: h }), `classification of database ${id}`);
    },

    async databaseAncestors(id: string): Promise<Ancestor[]> {
      const body = await requestJson<MultiEntityResult<Ancestor>>((p, h) => p.requestConfluence(route`/wiki/api/v2/databases/${id}/ancestors`, { headers: h }), `ancestors of database ${id}`);
      return body.results ?? [];
    },

    databaseChildren(id: string): AsyncGenerator<Child, void, undefined> {
      const params = q({ limit: MAX_LIMIT });
      return list<Child>((p, h) => p.requestConfluence(route`/wiki/api/v2/databases/${id}/direct-children?${params}`, { headers: h }), `children of database ${id}`);
    },

    databaseDescendants(id: string, depth = MAX_DEPTH): AsyncGenerator<Descendant, void, undefined> {
      const params = q({ depth: Math.min(depth, MAX_DEPTH), limit: MAX_LIMIT });
      return list<Descendant>((p, h) => p.requestConfluence(route`/wiki/api/v2/databases/${id}/descendants?${params}`, { headers: h }), `descendants of database ${id}`);
    },

    /**
     * Asks for a database's rows once, on the paths real sites refuse to apps, and reports what came
     * back verbatim. Never throws on an HTTP answer: a refusal is the expected, reportable outcome.
     * These paths are not in the OpenAPI spec, which is why they are built here and not linted.
     */
    async probeDatabaseRows(id: string): Promise<Probe[]> {
      const product: Product = auth === 'user' ? asUser() : asApp();
      const out: Probe[] = [];
      for (const tail of ['entries', 'content', 'children', 'export']) {
        const path = `/wiki/api/v2/databases/${encodeURIComponent(id)}/${tail}`;
        try {
          const res = await product.requestConfluence(assumeTrustedRoute(path), { headers: JSON_ACCEPT });
          options.onResponse?.(res.status);
          const text = await res.text().catch(() => '');
          out.push({ path, status: res.status, failureCategory: res.headers.get('x-failure-category'), message: shortMessage(text) });
        } catch (e) {
          passConsent(e);
          out.push({ path, status: 0, failureCategory: null, message: e instanceof Error ? e.message : String(e) });
        }
      }
      return out;
    },

    // ---- users ----
    /** Display names for account ids, in one request per 100 ids (the bulk endpoint's limit). */
    async users(accountIds: Iterable<string>): Promise<Map<string, User>> {
      const unique = [...new Set(accountIds)].filter(Boolean);
      const out = new Map<string, User>();
      for (let i = 0; i < unique.length; i += USERS_BULK) {
        const body = JSON.stringify({ accountIds: unique.slice(i, i + USERS_BULK) });
        const res = await requestJson<MultiEntityResult<User>>(
          (p, h) => p.requestConfluence(route`/wiki/api/v2/users-bulk`, { method: 'POST', headers: { ...h, 'Content-Type': 'application/json' }, body }),
          'user names',
        );
        for (const u of res.results ?? []) if (u.accountId) out.set(u.accountId, u);
      }
      return out;
    },

    /**
     * What each id is (page, blogpost, attachment, footer-comment, …), in one request for up to 100
     * ids, without reading the content itself. Ids the caller may not see map to null.
     */
    async contentTypes(ids: readonly string[]): Promise<Record<string, string | null>> {
      if (ids.length > CONTENT_TYPE_IDS) throw new RangeError(`contentTypes takes at most ${CONTENT_TYPE_IDS} ids per call`);
      const body = JSON.stringify({ contentIds: ids });
      const res = await requestJson<{ results?: Record<string, string | null> }>(
        (p, h) => p.requestConfluence(route`/wiki/api/v2/content/convert-ids-to-types`, { method: 'POST', headers: { ...h, 'Content-Type': 'application/json' }, body }),
        `the type of ${ids.length === 1 ? `content ${ids[0]}` : `${ids.length} items`}`,
      );
      return res.results ?? {};
    },

    // ---- v1: attachment upload and search ----
    /**
     * Creates the attachment, or a new version of the same-named one (PUT is create-or-update in v1).
     * `X-Atlassian-Token: nocheck` is required by Confluence's XSRF check for multipart uploads.
     */
    async uploadAttachment(contentId: string, file: { name: string; bytes: Uint8Array; mediaType: string; comment?: string; minorEdit?: boolean }): Promise<Attachment> {
      const { body, contentType } = multipart(file);
      const res = await requestJson<{ results?: V1Attachment[]; _links?: Links }>(
        (p) => p.requestConfluence(route`/wiki/rest/api/content/${contentId}/child/attachment`, { method: 'PUT', headers: { Accept: 'application/json', 'Content-Type': contentType, 'X-Atlassian-Token': 'nocheck' }, body }),
        `attachment upload to ${contentId}`,
      );
      const first = res.results?.[0];
      if (!first) throw new ConfluenceError({ status: 200, code: 'UPSTREAM', message: 'Confluence accepted the upload but returned no attachment', hint: 'Check the page attachments; try again if it is missing.' });
      // The collection's `_links.base` (<site>/wiki) lets callers link to the file without a Forge context.
      const att = fromV1(first);
      return res._links?.base ? { ...att, _links: { ...att._links, base: res._links.base } } : att;
    },

    /** How many items a CQL query matches: the `totalSize` of one search of limit 1 (one request, one object). */
    /**
     * The site's default time zone (v1 `settings/systemInfo` `defaultTimeZone`), which CQL reads date
     * literals in (CONFCLOUD-70966; data-prepper PR #5500). Undefined when it cannot be read.
     */
    async siteTimeZone(): Promise<string | undefined> {
      const body = await requestJson<{ defaultTimeZone?: unknown }>((p, h) => p.requestConfluence(route`/wiki/rest/api/settings/systemInfo`, { headers: h }), 'system info');
      return typeof body.defaultTimeZone === 'string' ? body.defaultTimeZone : undefined;
    },

    /** `totalSize` of a search: an ESTIMATE on real sites (FINDINGS §2), never a count to decide or show as exact. */
    async countContent(cql: string): Promise<number | undefined> {
      const params = q({ cql, limit: 1 });
      const body = await requestJson<{ totalSize?: number }>((p, h) => p.requestConfluence(route`/wiki/rest/api/search?${params}`, { headers: h }), 'search');
      return typeof body.totalSize === 'number' ? body.totalSize : undefined;
    },

    /** CQL search rows, with `title` made plain (live rows carry highlight markup, HTML-escaped). */
    search(cql: string, limit = 100): AsyncGenerator<SearchResult, void, undefined> {
      const params = q({ cql, limit });
      return plainTitles(list<SearchResult>((p, h) => p.requestConfluence(route`/wiki/rest/api/search?${params}`, { headers: h }), 'search'));
    },
  };
}

export type Confluence = ReturnType<typeof createClient>;

function restrictionOf(body: RestrictionBody): ReadRestriction {
  const users = body.restrictions?.user;
  const groups = body.restrictions?.group;
  const accountIds = (users?.results ?? []).map((u) => u.accountId).filter((a): a is string => typeof a === 'string');
  const groupIds = (groups?.results ?? []).map((g) => g.id ?? g.name).filter((g): g is string => typeof g === 'string');
  const complete = (users?.totalSize === undefined || users.totalSize <= accountIds.length) && !users?._links?.next && (groups?.size ?? 0) <= groupIds.length;
  return { accountIds, groupIds, complete };
}

export interface ContentRef {
  id: string;
  type: ContentType;
}

export type PageInclude = 'labels' | 'properties' | 'operations' | 'versions' | 'version' | 'likes' | 'collaborators' | 'favorited-by';
export type DatabaseInclude = 'collaborators' | 'direct-children' | 'operations' | 'properties';

const USERS_BULK = 100;

function includes(list: PageInclude[] | undefined): Record<string, boolean> {
  return Object.fromEntries((list ?? []).map((i) => [`include-${i}`, true]));
}

/** v1 `ContentRestriction` (byOperation/{operationKey}); only the counts are read. */
interface V1Restriction {
  operation?: string;
  restrictions?: { user?: { results?: unknown[]; size?: number }; group?: { results?: unknown[]; size?: number } };
}

async function* plainTitles(rows: AsyncGenerator<SearchResult, void, undefined>): AsyncGenerator<SearchResult, void, undefined> {
  for await (const r of rows) yield r.title === undefined ? r : { ...r, title: plainSearchTitle(r.title) };
}

/** v1 attachment as returned by the upload endpoint. */
interface V1Attachment {
  id: string;
  title?: string;
  status?: string;
  version?: { number?: number };
  extensions?: { mediaType?: string; fileSize?: number; fileId?: string; comment?: string };
  _links?: Links;
}

function fromV1(a: V1Attachment): Attachment {
  return {
    id: a.id,
    title: a.title,
    status: a.status,
    mediaType: a.extensions?.mediaType,
    fileSize: a.extensions?.fileSize,
    fileId: a.extensions?.fileId,
    version: { number: a.version?.number },
    downloadLink: a._links?.download,
    webuiLink: a._links?.webui,
  };
}

/** multipart/form-data with one `file` part, built as bytes so binary files (zips) survive. */
function multipart(file: { name: string; bytes: Uint8Array; mediaType: string; comment?: string; minorEdit?: boolean }): { body: ArrayBuffer; contentType: string } {
  const boundary = `----content-toolkit-${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`;
  const enc = new TextEncoder();
  const safeName = file.name.replace(/["\r\n\\]/g, '_');
  const parts: Uint8Array[] = [
    enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${safeName}"; filename*=UTF-8''${encodeURIComponent(file.name)}\r\nContent-Type: ${file.mediaType}\r\n\r\n`),
    file.bytes,
    enc.encode(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="minorEdit"\r\n\r\n${file.minorEdit ?? true}\r\n`),
  ];
  if (file.comment) parts.push(enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="comment"\r\n\r\n${file.comment}\r\n`));
  parts.push(enc.encode(`--${boundary}--\r\n`));
  const size = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return { body: out.buffer, contentType: `multipart/form-data; boundary=${boundary}` };
}

/**
 * Every attempt failed before Confluence answered (connection dropped, DNS, timeout). Errors the
 * platform raises on purpose (NeedsAuthenticationError, ProxyRequestError) pass through unchanged.
 */
function networkError(e: unknown, what: string): unknown {
  // By name, not instanceof: fetch's TypeError may come from another realm (undici, test VMs).
  if ((e as { name?: unknown } | null)?.name !== 'TypeError') return e;
  return new ConfluenceError({
    status: 0,
    code: 'NETWORK',
    message: `Could not reach Confluence for ${what}`,
    hint: 'The connection to Confluence failed. Try again in a moment.',
    cause: e,
  });
}

function shortMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown };
    return typeof body.message === 'string' ? body.message.slice(0, 200) : '';
  } catch {
    return text.slice(0, 200);
  }
}
