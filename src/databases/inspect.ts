/**
 * Inspects one database as the caller sees it: everything the public REST API exposes about it, each
 * part fetched once, in parallel but bounded (p-limit), and each reported on its own so one refused
 * sub-request (say a 403 on the classification) never hides the rest. Only the database itself is
 * required: without it there is nothing to inspect, and that failure is explained precisely.
 */
import pLimit from 'p-limit';
import type { Confluence, DatabaseInclude } from '../confluence/client';
import { isConfluenceError, orElse } from '../confluence/errors';
import { isoTime } from '../confluence/normalize';
import type { Ancestor, ContentProperty, Database, Descendant, OptionalList, User } from '../confluence/types';
import {
  DATABASE_ERRORS,
  type Bounded,
  type ClassificationView,
  type Crumb,
  type DatabaseInspection,
  type HierarchyItem,
  type OperationView,
  type Person,
  type PropertyView,
  type Section,
  type SpaceView,
} from '../shared/databases';
import { diagnoseRows } from './diagnostics';
import { DatabaseProblem, problemFrom, sectionError } from './errors';

export type InspectClient = Pick<
  Confluence,
  | 'getDatabase' | 'getPage' | 'getBlogPost' | 'getSpace' | 'pagesByIds'
  | 'databaseProperties' | 'databaseOperations' | 'databaseClassification'
  | 'databaseAncestors' | 'ancestors' | 'databaseChildren' | 'databaseDescendants' | 'descendants'
  | 'probeDatabaseRows' | 'users'
> & Partial<Pick<Confluence, 'contentTypes'>>;

export interface InspectLimits {
  /** Children / descendants returned. */
  show: number;
  /** Children / descendants counted before giving up on an exact "N more". */
  scan: number;
  /** Content properties read (all pages up to this). */
  properties: number;
  /** Characters of one property's formatted JSON kept in the answer (invoke answers are ≤ 5 MB). */
  valueChars: number;
  /** Sub-requests of one inspection in flight at once. */
  concurrency: number;
}

export const INSPECT_LIMITS: InspectLimits = { show: 100, scan: 2_000, properties: 2_000, valueChars: 16_000, concurrency: 4 };

export interface InspectOptions {
  /** `https://<site>`; used for links when Confluence gives no `_links.base`. */
  siteUrl?: string;
  limits?: Partial<InspectLimits>;
  now?: () => Date;
}

/** Every include the single-database endpoint has: one request instead of up to four. */
const INCLUDES: DatabaseInclude[] = ['collaborators', 'direct-children', 'operations', 'properties'];
/** `/descendants` refuses depth above 10 (kept here so this module stays free of the client's runtime). */
const MAX_DEPTH = 10;
/** Ancestor lists stop at their default limit (25); the chain continues from the highest one. */
const ANCESTOR_PAGE = 25;
const GONE = new Set(['trashed', 'deleted', 'purged']);

export async function inspectDatabase(client: InspectClient, id: string, o: InspectOptions = {}): Promise<DatabaseInspection> {
  const L = { ...INSPECT_LIMITS, ...o.limits };
  const db = await loadDatabase(client, id);
  const base = db._links?.base ?? (o.siteUrl ? `${o.siteUrl.replace(/\/$/, '')}/wiki` : undefined);
  const link = (webui: string | undefined): string | undefined => (base && webui ? `${base}${webui}` : undefined);

  const limit = pLimit(L.concurrency);
  const section = <T>(what: string, fn: () => Promise<T>): Promise<Section<T>> =>
    limit(async (): Promise<Section<T>> => {
      try {
        return { ok: true, data: await fn() };
      } catch (e) {
        return { ok: false, error: sectionError(e, what) };
      }
    });

  const [space, breadcrumb, children, descendants, properties, operations, classification, rows] = await Promise.all([
    section(`the space of database ${id}`, () => spaceOf(client, db, link)),
    section(`the ancestors of database ${id}`, () => ancestorsOf(client, id, link)),
    section(`the children of database ${id}`, async () => {
      const included = complete(db.directChildren);
      const source = included ? fromArray(included) : client.databaseChildren(id);
      return bounded(source, (c): HierarchyItem => ({ id: c.id, type: c.type, title: c.title, status: c.status, depth: 1 }), L.show, L.scan);
    }),
    section(`the descendants of database ${id}`, () => descendantsOf(client, id, L)),
    section(`the content properties of database ${id}`, async () => {
      const included = complete(db.properties);
      return bounded(included ? fromArray(included) : client.databaseProperties(id), (p) => p, L.properties, L.properties);
    }),
    section(`the permitted operations on database ${id}`, async () => {
      const ops = complete(db.operations) ?? (await client.databaseOperations(id));
      return ops.map((op): OperationView => ({ operation: op.operation ?? '(unnamed)', ...(op.targetType ? { targetType: op.targetType } : {}) }));
    }),
    section(`the classification level of database ${id}`, () => classificationOf(client, id)),
    limit(() => diagnoseRows(client, id)),
  ]);

  // Collaborators come with the database (include-collaborators, at most 50: `meta.hasMore` says when cut).
  const collaboratorIds = (db.collaborators?.results ?? []).map((c) => c.accountId).filter((a): a is string => !!a);
  const propertyAuthors = properties.ok ? properties.data.items.map((p) => p.version?.authorId) : [];

  // One lookup for every account id on the page (users() sends ≤ 100 ids per request).
  let names = new Map<string, User>();
  let namesError: DatabaseInspection['namesError'];
  const ids = [db.ownerId, db.authorId, db.version?.authorId, ...collaboratorIds, ...propertyAuthors].filter((a): a is string => !!a);
  if (ids.length > 0) {
    try {
      names = await client.users(ids);
    } catch (e) {
      namesError = sectionError(e, 'display names');
    }
  }
  const person = (accountId: string): Person => {
    const u = names.get(accountId);
    const displayName = u?.displayName ?? u?.publicName;
    return { accountId, displayName: displayName ?? 'Unknown user', known: displayName !== undefined };
  };

  const collaborators: Section<Bounded<Person>> = db.collaborators
    ? {
        ok: true,
        data: {
          items: collaboratorIds.map(person),
          total: collaboratorIds.length,
          more: 0,
          complete: db.collaborators.meta?.hasMore !== true,
          ...(db.collaborators.meta?.hasMore ? { note: 'Confluence returns at most 50 collaborators; there are more.' } : {}),
        },
      }
    : { ok: false, error: { code: 'NOT_RETURNED', message: 'Confluence did not return the collaborators of this database.' } };

  const propertyViews: Section<Bounded<PropertyView>> = properties.ok
    ? { ok: true, data: { ...properties.data, items: properties.data.items.map((p) => propertyView(p, person, L.valueChars)) } }
    : properties;

  return {
    id: db.id,
    title: db.title ?? '(untitled database)',
    type: db.type ?? 'database',
    ...(db.status ? { status: db.status } : {}),
    ...(link(db._links?.webui) ? { url: link(db._links?.webui) } : {}),
    ...(db.spaceId ? { spaceId: db.spaceId } : {}),
    ...(db.parentId ? { parent: { id: db.parentId, ...(db.parentType ? { type: db.parentType } : {}) } } : {}),
    ...(typeof db.position === 'number' ? { position: db.position } : {}),
    ...(isoTime(db.createdAt) ? { createdAt: isoTime(db.createdAt) } : {}),
    ...(db.version
      ? {
          version: {
            number: db.version.number,
            createdAt: db.version.createdAt,
            ...(db.version.message ? { message: db.version.message } : {}),
            ...(db.version.authorId ? { by: person(db.version.authorId) } : {}),
          },
        }
      : {}),
    ...(db.ownerId ? { owner: person(db.ownerId) } : {}),
    ...(db.authorId ? { author: person(db.authorId) } : {}),
    space,
    collaborators,
    breadcrumb,
    children,
    descendants,
    properties: propertyViews,
    operations,
    classification,
    rows,
    ...(namesError ? { namesError } : {}),
    inspectedAt: (o.now?.() ?? new Date()).toISOString(),
  };
}

/**
 * The database, or a precise reason why not. A 404 means "no such database or not yours to see"
 * (Confluence answers both the same), unless the id names a page or blog post: people paste those.
 */
async function loadDatabase(client: InspectClient, id: string): Promise<Database> {
  let db: Database;
  try {
    db = await client.getDatabase(id, INCLUDES);
  } catch (e) {
    if (isConfluenceError(e) && e.status === 404) throw await explainMissing(client, id);
    throw problemFrom(e, `database ${id}`);
  }
  if (db.type && db.type !== 'database') {
    throw new DatabaseProblem(DATABASE_ERRORS.notADatabase, `That id is a ${db.type}, not a database.`, 'Paste the address or id of a database.');
  }
  if (db.status && GONE.has(db.status)) {
    throw new DatabaseProblem(
      DATABASE_ERRORS.deleted,
      `The database "${db.title ?? id}" (${id}) has been deleted (status: ${db.status}).`,
      'A space admin can restore it from the space\'s trash; then inspect it again.',
    );
  }
  return db;
}

async function explainMissing(client: InspectClient, id: string): Promise<DatabaseProblem> {
  const [page, blog] = await Promise.allSettled([client.getPage(id), client.getBlogPost(id)]);
  const hint = 'Open the database itself and paste its address (…/database/<id>) or its id.';
  if (page.status === 'fulfilled') {
    return new DatabaseProblem(DATABASE_ERRORS.notADatabase, `That id is a page ("${page.value.title ?? id}"), not a database.`, hint);
  }
  if (blog.status === 'fulfilled') {
    return new DatabaseProblem(DATABASE_ERRORS.notADatabase, `That id is a blog post ("${blog.value.title ?? id}"), not a database.`, hint);
  }
  // A whiteboard, folder or embed is neither: one more request names what it is (issue 23: a
  // whiteboard's id was reported as a deleted database). The consent error still escapes.
  const type = client.contentTypes ? (await client.contentTypes([id]).catch(orElse({} as Record<string, string | null>)))[id] : undefined;
  if (type && type !== 'database') {
    return new DatabaseProblem(DATABASE_ERRORS.notADatabase, `That id is a ${type}, not a database.`, hint);
  }
  return new DatabaseProblem(
    DATABASE_ERRORS.notFound,
    `No database with id ${id} is visible to you. It may have been deleted, or you may not have permission to see it (Confluence answers the same way in both cases).`,
    'Check the id. If the database exists, ask its owner or a space admin to give you access.',
    404,
  );
}

/** An include-* list when it is complete (`meta.hasMore` false), else undefined: then list it. */
function complete<T>(list: OptionalList<T> | undefined): T[] | undefined {
  return list?.results && list.meta?.hasMore !== true ? list.results : undefined;
}

async function* fromArray<T>(items: T[]): AsyncGenerator<T, void, undefined> {
  yield* items;
}

/** Keeps the first `show` items and counts on to `scan`, so the answer can say how many more exist. */
export async function bounded<T, U>(items: AsyncIterable<T>, map: (t: T) => U, show: number, scan: number): Promise<Bounded<U>> {
  const out: U[] = [];
  let total = 0;
  let stopped = false;
  for await (const item of items) {
    total += 1;
    if (out.length < show) out.push(map(item));
    if (total >= scan) {
      stopped = true;
      break;
    }
  }
  return {
    items: out,
    total,
    more: total - out.length,
    complete: !stopped,
    ...(stopped ? { note: `Counting stopped at ${scan}; there may be more.` } : {}),
  };
}

/** Descendants of any depth: items at the depth cap are listed again from themselves when the API allows. */
async function descendantsOf(client: InspectClient, id: string, L: InspectLimits): Promise<Bounded<HierarchyItem>> {
  let hidden = 0;
  async function* walk(): AsyncGenerator<Descendant, void, undefined> {
    const stack: Array<{ id: string; type: string; offset: number }> = [{ id, type: 'database', offset: 0 }];
    while (stack.length > 0) {
      const at = stack.pop()!;
      const list = at.type === 'database' ? client.databaseDescendants(at.id, MAX_DEPTH) : client.descendants(at.id, MAX_DEPTH);
      for await (const d of list) {
        const depth = (d.depth ?? 1) + at.offset;
        yield { ...d, depth };
        if ((d.depth ?? 1) !== MAX_DEPTH) continue;
        if (d.type === 'page' || d.type === 'database') stack.push({ id: d.id, type: d.type, offset: depth });
        else hidden += 1; // folders, whiteboards, embeds: the app has no descendants route for them
      }
    }
  }
  const out = await bounded(walk(), (d): HierarchyItem => ({ id: d.id, type: d.type, title: d.title, status: d.status, parentId: d.parentId ?? undefined, depth: d.depth }), L.show, L.scan);
  if (hidden > 0 && !out.note) out.note = `Items more than ${MAX_DEPTH} levels down under ${hidden} folder(s) or whiteboard(s) are not listed.`;
  return out;
}

/** Breadcrumb from the top of the space down to the database's parent, titled where the app can read titles. */
async function ancestorsOf(client: InspectClient, id: string, link: (webui?: string) => string | undefined): Promise<Crumb[]> {
  let chain: Ancestor[] = await client.databaseAncestors(id);
  let batch = chain.length;
  for (let round = 0; batch >= ANCESTOR_PAGE && chain[0]?.type === 'page' && round < 10; round++) {
    const higher = await client.ancestors(chain[0].id);
    batch = higher.length;
    chain = [...higher, ...chain];
  }
  const titles = new Map<string, { title?: string; url?: string }>();
  const pageIds = chain.filter((a) => (a.type ?? 'page') === 'page').map((a) => a.id);
  const dbIds = chain.filter((a) => a.type === 'database').map((a) => a.id);
  // Titles are a nicety: a failed lookup leaves the crumb untitled rather than failing the breadcrumb.
  const lookups: Promise<void>[] = [];
  for (let i = 0; i < pageIds.length; i += 250) {
    lookups.push((async () => {
      for await (const p of client.pagesByIds(pageIds.slice(i, i + 250))) titles.set(p.id, { title: p.title, url: link(p._links?.webui) });
    })().catch(orElse(undefined)));
  }
  const one = pLimit(2);
  for (const dbId of dbIds) {
    lookups.push(one(async () => {
      const d = await client.getDatabase(dbId);
      titles.set(dbId, { title: d.title, url: link(d._links?.webui) });
    }).catch(orElse(undefined)));
  }
  await Promise.all(lookups);
  return chain.map((a): Crumb => {
    const t = titles.get(a.id);
    return { id: a.id, type: a.type ?? 'page', ...(t?.title ? { title: t.title } : {}), ...(t?.url ? { url: t.url } : {}) };
  });
}

async function spaceOf(client: InspectClient, db: Database, link: (webui?: string) => string | undefined): Promise<SpaceView> {
  if (!db.spaceId) throw new DatabaseProblem('NOT_RETURNED', 'Confluence did not say which space the database is in.');
  const s = await client.getSpace(db.spaceId);
  const url = link(s._links?.webui);
  return { id: s.id, ...(s.key ? { key: s.key } : {}), ...(s.name ? { name: s.name } : {}), ...(url ? { url } : {}) };
}

async function classificationOf(client: InspectClient, id: string): Promise<ClassificationView | null> {
  const c = await client.databaseClassification(id);
  if (!c || (!c.id && !c.name)) return null;
  const pick: ClassificationView = {};
  if (c.id) pick.id = c.id;
  if (c.name) pick.name = c.name;
  if (c.status) pick.status = String(c.status);
  if (typeof c.order === 'number') pick.order = c.order;
  if (c.description) pick.description = c.description;
  if (c.guideline) pick.guideline = c.guideline;
  if (c.color) pick.color = String(c.color);
  return pick;
}

function propertyView(p: ContentProperty, person: (id: string) => Person, maxChars: number): PropertyView {
  const full = JSON.stringify(p.value === undefined ? null : p.value, null, 2) ?? 'null';
  const truncated = full.length > maxChars;
  return {
    ...(p.id ? { id: p.id } : {}),
    key: p.key ?? '(no key)',
    json: truncated ? full.slice(0, maxChars) : full,
    truncated,
    ...(typeof p.version?.number === 'number' ? { version: p.version.number } : {}),
    ...(p.version?.createdAt ? { updatedAt: p.version.createdAt } : {}),
    ...(p.version?.authorId ? { updatedBy: person(p.version.authorId) } : {}),
  };
}
