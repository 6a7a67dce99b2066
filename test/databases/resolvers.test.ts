// The database resolvers end to end: the real resolver handler from src/index.ts, acting as the
// user against the sandbox Confluence seed site (no module mocks).
import { SEED } from '../../sandbox/confluence/seed';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import type { ContentRef } from '../../sandbox/forge/invoke';
import type { Envelope } from '../../src/shared/envelope';
import type { DatabaseExport, DatabaseInspection, DatabaseList, Section } from '../../src/shared/databases';

const { alice, bob } = SEED.users;
const home: ContentRef = { id: SEED.pages.home, type: 'page' };
let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(async () => {
  await sb.close();
});
beforeEach(() => {
  sb.confluence.resetRequests();
});

const call = <T>(key: string, accountId: string, payload?: unknown, content = home) => sb.invoke<Envelope<T>>(key, { accountId, content, payload });
const inspect = (accountId: string, database: string) => call<DatabaseInspection>('databases/inspect', accountId, { database });

function ok<T>(e: Envelope<T>): T {
  if (!e.ok) throw new Error(`expected ok, got ${e.error.code}: ${e.error.message}`);
  return e.data;
}
function err<T>(e: Envelope<T>) {
  if (e.ok) throw new Error('expected an error');
  return e.error;
}
const data = <T>(s: Section<T>): T => {
  if (!s.ok) throw new Error(`section failed: ${s.error.message}`);
  return s.data;
};
const paths = () => sb.confluence.requests.map((r) => r.path);

describe('databases/list', () => {
  it('finds the databases in the tree under the page, with owner, created and link', async () => {
    const list = ok(await call<DatabaseList>('databases/list', alice));
    expect(list.databases.map((d) => d.id)).toEqual([SEED.database, SEED.restrictedDatabase]);
    const db = list.databases[0]!;
    const site = sb.confluence.site.content(SEED.database)!;
    expect(db).toMatchObject({ title: 'Roadmap Database', depth: 2, parentId: SEED.pages.dbHost, createdAt: site.createdAt });
    expect(db.owner).toEqual({ accountId: alice, displayName: 'Alice Author', known: true });
    expect(db.url).toBe(`${sb.confluence.url}/wiki/spaces/DEMO/database/${SEED.database}`);
    expect(list.scanned).toBeGreaterThan(list.databases.length);
    // One tree listing, one lookup per database, one name lookup — all as the user.
    expect(sb.confluence.requests).toHaveLength(1 + 2 + 1);
    expect(new Set(sb.confluence.requests.map((r) => r.principal))).toEqual(new Set([`user:${alice}`]));
  });

  it('shows only what the user can see', async () => {
    const list = ok(await call<DatabaseList>('databases/list', bob));
    expect(list.databases.map((d) => d.id)).toEqual([SEED.database]);
  });

  it('lists nothing under a page without databases, and explains blog posts', async () => {
    expect(ok(await call<DatabaseList>('databases/list', alice, {}, { id: SEED.pages.guide, type: 'page' })).databases).toEqual([]);
    const blog = ok(await call<DatabaseList>('databases/list', alice, {}, { id: SEED.blog, type: 'blogpost' }));
    expect(blog.note).toMatch(/Blog posts/);
  });
});

describe('databases/inspect', () => {
  it('reads everything the API exposes, with every include in the first request', async () => {
    const i = ok(await inspect(alice, SEED.database));
    expect(paths()[0]).toBe(`/wiki/api/v2/databases/${SEED.database}?include-collaborators=true&include-direct-children=true&include-operations=true&include-properties=true`);
    expect(i).toMatchObject({ id: SEED.database, title: 'Roadmap Database', type: 'database', status: 'current', parent: { id: SEED.pages.dbHost, type: 'page' } });
    expect(i.owner?.displayName).toBe('Alice Author');
    expect(data(i.space)).toMatchObject({ key: 'DEMO', name: 'Demo space' });
    expect(data(i.collaborators).items.map((p) => p.displayName)).toEqual(['Alice Author', 'Bob Builder']);
    expect(data(i.breadcrumb).map((c) => c.title)).toEqual(['Demo Home', 'Project Tracker']);
    expect(data(i.children).items).toEqual([{ id: SEED.databaseChild, type: 'whiteboard', title: 'Roadmap Board', status: 'current', depth: 1 }]);
    expect(data(i.descendants)).toMatchObject({ total: 1, more: 0, complete: true });
    expect(data(i.operations).map((o) => o.operation)).toEqual(['read', 'update', 'delete']);
    expect(data(i.classification)?.name).toBe('Internal');
    // All 32 properties, not the first 25 (the API's default page size).
    const props = data(i.properties);
    expect(props.total).toBe(SEED.databasePropertyCount);
    expect(new Set(props.items.map((p) => p.key)).size).toBe(SEED.databasePropertyCount);
    expect(JSON.parse(props.items[5]!.json)).toEqual(sb.confluence.site.content(SEED.database)!.properties[5]!.value);
    expect(props.items[0]!.json).toContain('\n  "name"');
    // The children and properties came with the database: no second request for them.
    expect(paths().some((p) => p.includes('/direct-children') || p.includes('/properties'))).toBe(false);
    expect(new Set(sb.confluence.requests.map((r) => r.principal))).toEqual(new Set([`user:${alice}`]));
    expect(paths().filter((p) => p.includes('/users-bulk'))).toHaveLength(1);
  });

  it('accepts the database URL as the browser shows it', async () => {
    const url = `${sb.confluence.url}/wiki/spaces/DEMO/database/${SEED.database}?savedViewId=1`;
    expect(ok(await inspect(alice, url)).id).toBe(SEED.database);
  });

  it('pages through the properties when there are more than the include returns', async () => {
    const site = sb.confluence.site;
    const db = site.content(SEED.database)!;
    for (let n = 0; n < 300; n++) site.addProperty(SEED.database, `extra.${String(n).padStart(3, '0')}`, { n }, bob);
    try {
      const props = data(ok(await inspect(alice, SEED.database)).properties);
      expect(props.total).toBe(SEED.databasePropertyCount + 300);
      expect(new Set(props.items.map((p) => p.key)).size).toBe(SEED.databasePropertyCount + 300);
      expect(props.items.find((p) => p.key === 'extra.299')?.updatedBy?.displayName).toBe('Bob Builder');
      const listing = paths().filter((p) => p.includes('/properties'));
      expect(listing).toHaveLength(2); // 250 + 82, following the server's cursor
      expect(listing[1]).toContain('cursor=');
    } finally {
      db.properties.length = SEED.databasePropertyCount;
    }
  });

  it('probes each row path once and reports the answers verbatim, with the plain explanation', async () => {
    const i = ok(await inspect(alice, SEED.database));
    expect(i.rows.rowsRead).toBe(false);
    expect(i.rows.probes).toEqual(['entries', 'content', 'children', 'export'].map((t) => ({
      path: `/wiki/api/v2/databases/${SEED.database}/${t}`, status: 401, failureCategory: 'FAILURE_CLIENT_SCOPE_CHECK', message: 'Unauthorized; scope does not match',
    })));
    for (const t of ['entries', 'content', 'children', 'export']) {
      expect(paths().filter((p) => p === `/wiki/api/v2/databases/${SEED.database}/${t}`)).toHaveLength(1);
    }
    expect(i.rows.summary).toBe('4 of 4 row paths answered 401 FAILURE_CLIENT_SCOPE_CHECK. Rows were not read.');
    expect(i.rows.explanation).toMatch(/not available to apps through the public Confluence REST API/);
    expect(i.rows.whatToDo).toMatch(/export to CSV/);
  });

  it('keeps the inspection when a probe gets no answer', async () => {
    sb.confluence.injectFault({ match: /\/entries$/, kind: 'drop', times: 1 });
    const i = ok(await inspect(alice, SEED.database));
    expect(i.rows.probes[0]).toMatchObject({ status: 0, failureCategory: null });
    expect(i.rows.probes.slice(1).every((p) => p.status === 401)).toBe(true);
    expect(data(i.properties).total).toBe(SEED.databasePropertyCount);
  });

  it('reports a failed sub-request in its section and keeps the rest', async () => {
    sb.confluence.injectFault({ match: /classification-level/, kind: 429, times: 4, retryAfter: '0' });
    const i = ok(await inspect(alice, SEED.database));
    expect(i.classification).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED', status: 429 } });
    expect(data(i.breadcrumb)).toHaveLength(2);
    expect(i.rows.probes).toHaveLength(4);
  });

  it('lets Alice inspect the restricted database and tells Bob it may be permission', async () => {
    expect(ok(await inspect(alice, SEED.restrictedDatabase)).title).toBe('Salaries Database');
    sb.confluence.resetRequests();
    const e = err(await inspect(bob, SEED.restrictedDatabase));
    expect(e.code).toBe('DATABASE_NOT_FOUND');
    expect(e.message).toMatch(new RegExp(`No database with id ${SEED.restrictedDatabase} is visible to you.*may not have permission`));
    // Nothing else was asked once the database was out of reach: no probes, no sections.
    expect(paths().some((p) => p.endsWith('/entries'))).toBe(false);
    expect([...paths()].sort()).toEqual([
      `/wiki/api/v2/databases/${SEED.restrictedDatabase}?include-collaborators=true&include-direct-children=true&include-operations=true&include-properties=true`,
      `/wiki/api/v2/pages/${SEED.restrictedDatabase}`,
      `/wiki/api/v2/blogposts/${SEED.restrictedDatabase}`,
      // What the id is, when it is neither a page nor a blog post (a whiteboard or folder is named).
      '/wiki/api/v2/content/convert-ids-to-types',
    ].sort());
    // The answer still does not tell Bob that the database exists.
    expect(e.message).not.toMatch(/Salaries/);
  });
});

it('names what an id of another kind is: a whiteboard is not reported as a deleted database (issue 23)', async () => {
  const e = err(await inspect(alice, SEED.databaseChild));
  expect(e.code).toBe('NOT_A_DATABASE');
  expect(e.message).toBe('That id is a whiteboard, not a database.');
});

describe('bad input', () => {
  it.each([
    ['not a url', 'INVALID_DATABASE_REF', /not a database URL or id/],
    ['12ab', 'INVALID_DATABASE_REF', /not a database URL or id/],
    ['https://sandbox.invalid/wiki/x/AbC', 'OTHER_SITE', /another site/],
    ['/wiki/x/AbC', 'INVALID_DATABASE_REF', /Short links/],
    [`/wiki/spaces/DEMO/pages/${SEED.pages.guide}/User+Guide`, 'INVALID_DATABASE_REF', /address of a page, not a database/],
  ])('refuses %j before asking Confluence', async (input, code, message) => {
    const e = err(await inspect(alice, input));
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
    expect(e.hint).toBeTruthy();
    expect(sb.confluence.requests).toHaveLength(0);
  });

  it('says a page id is a page, not a database', async () => {
    const e = err(await inspect(alice, SEED.pages.guide));
    expect(e).toMatchObject({ code: 'NOT_A_DATABASE', message: 'That id is a page ("User Guide"), not a database.' });
  });

  it('says an unknown id may be deleted or hidden', async () => {
    expect(err(await inspect(alice, '999999'))).toMatchObject({ code: 'DATABASE_NOT_FOUND', message: expect.stringMatching(/may have been deleted/) });
  });

  it('says a deleted database is deleted', async () => {
    const db = sb.confluence.site.content(SEED.database)!;
    db.status = 'trashed';
    try {
      expect(err(await inspect(alice, SEED.database))).toMatchObject({ code: 'DATABASE_DELETED', message: expect.stringMatching(/"Roadmap Database" \(66001\) has been deleted/) });
    } finally {
      db.status = 'current';
    }
  });

  it('says RATE_LIMITED when a 429 storm outlasts the retries', async () => {
    sb.confluence.setRateLimit({ budget: 0, retryAfterSeconds: 0 });
    try {
      const e = err(await inspect(alice, SEED.database));
      expect(e.code).toBe('RATE_LIMITED');
      expect(e.message).toMatch(/rate-limiting the app.*even after retrying/);
      expect(e.hint).toMatch(/^Wait /);
      // The client retried before giving up.
      expect(sb.confluence.requests.length).toBeGreaterThan(1);
      expect(sb.confluence.requests.every((r) => r.status === 429)).toBe(true);
      const list = err(await call<DatabaseList>('databases/list', alice));
      expect(list.code).toBe('RATE_LIMITED');
    } finally {
      sb.confluence.setRateLimit(null);
    }
  });

  it.each([
    [{}, /database: expected text/],
    [{ database: '' }, /database: must be at least 1/],
    [{ database: 66001 }, /database: expected text/],
    [{ database: SEED.database, extra: 1 }, /extra: is not a known field/],
  ])('validates the payload %j', async (payload, message) => {
    const e = err(await call<DatabaseInspection>('databases/inspect', alice, payload));
    expect(e.code).toBe('BAD_REQUEST');
    expect(e.message).toMatch(message);
  });

  it('validates the export format', async () => {
    const e = err(await call<DatabaseExport>('databases/export', alice, { database: SEED.database, format: 'csv' }));
    expect(e.message).toMatch(/format: must be one of json, md/);
  });
});

describe('databases/export', () => {
  it('exports the inspection as JSON', async () => {
    const out = ok(await call<DatabaseExport>('databases/export', alice, { database: SEED.database, format: 'json' }));
    expect(out.fileName).toBe('Roadmap Database (database 66001).json');
    const { inspection } = JSON.parse(out.content) as { inspection: DatabaseInspection };
    const direct = ok(await inspect(alice, SEED.database));
    expect({ ...inspection, inspectedAt: '' }).toEqual({ ...direct, inspectedAt: '' });
  });

  it('exports the inspection as Markdown', async () => {
    const out = ok(await call<DatabaseExport>('databases/export', bob, { database: SEED.database, format: 'md' }));
    expect(out.mediaType).toBe('text/markdown');
    expect(out.content).toMatch(/^# Database: Roadmap Database\n/);
    expect(out.content).toContain('[Demo Home](');
    expect(out.content).toContain('## Content properties (32)');
    expect(out.content).toContain('| `/wiki/api/v2/databases/66001/entries`');
    expect(out.content).toContain('FAILURE_CLIENT_SCOPE_CHECK');
  });
});
