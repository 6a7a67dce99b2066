import type { Ancestor, ContentProperty, Descendant } from '../../src/confluence/types';
import { DatabaseProblem } from '../../src/databases/errors';
import { bounded, inspectDatabase } from '../../src/databases/inspect';
import type { Section } from '../../src/shared/databases';
import { ALICE, BOB, ROW_PROBES, database, fakeClient, gen, httpError } from './fakes';

const data = <T>(s: Section<T>): T => {
  if (!s.ok) throw new Error(`section failed: ${s.error.message}`);
  return s.data;
};

async function problem(p: Promise<unknown>): Promise<DatabaseProblem> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DatabaseProblem) return e;
    throw e;
  }
  throw new Error('no problem raised');
}

describe('inspectDatabase', () => {
  it('asks for every include in one request and resolves all people in one lookup', async () => {
    const userBatches: string[][] = [];
    const client = fakeClient({
      getDatabase: async (id, include) => {
        expect(include).toEqual(['collaborators', 'direct-children', 'operations', 'properties']);
        return database({ id });
      },
      users: async (ids) => {
        userBatches.push([...ids]);
        return new Map([[ALICE, { displayName: 'Alice' }], [BOB, { displayName: 'Bob' }]]);
      },
    });
    const i = await inspectDatabase(client, '500', { now: () => new Date('2024-05-05T00:00:00Z') });
    expect(userBatches).toHaveLength(1);
    expect(new Set(userBatches[0])).toEqual(new Set([ALICE, BOB]));
    expect(i.owner).toEqual({ accountId: BOB, displayName: 'Bob', known: true });
    expect(i.author?.displayName).toBe('Alice');
    expect(i.version?.by?.displayName).toBe('Bob');
    expect(data(i.collaborators).items.map((p) => p.displayName)).toEqual(['Alice', 'Bob']);
    expect(i.url).toBe('https://acme.atlassian.net/wiki/spaces/ENG/database/500');
    expect(i.inspectedAt).toBe('2024-05-05T00:00:00.000Z');
    // Complete include-* lists are used as they are: no second request for them.
    expect(client.calls).not.toContain('databaseChildren');
    expect(client.calls).not.toContain('databaseProperties');
    expect(client.calls).not.toContain('databaseOperations');
    expect(data(i.operations)).toEqual([{ operation: 'read', targetType: 'database' }]);
    expect(data(i.properties).items[0]).toMatchObject({ key: 'k1', json: '{\n  "a": 1\n}', truncated: false, updatedBy: { displayName: 'Alice' } });
  });

  it('pages through every property when the include was cut at 50', async () => {
    const props: ContentProperty[] = Array.from({ length: 612 }, (_, n) => ({ id: `p${n}`, key: `key.${n}`, value: n, version: { number: 1, authorId: ALICE } }));
    const client = fakeClient({
      getDatabase: async (id) => database({ id, properties: { results: props.slice(0, 50), meta: { hasMore: true } } }),
      databaseProperties: () => gen(props),
    });
    const i = await inspectDatabase(client, '500');
    const p = data(i.properties);
    expect(p.items.map((x) => x.key)).toEqual(props.map((x) => x.key));
    expect(p).toMatchObject({ total: 612, more: 0, complete: true });
    expect(client.calls.filter((c) => c === 'databaseProperties')).toHaveLength(1);
  });

  it('cuts long property values and says so', async () => {
    const client = fakeClient({
      getDatabase: async (id) => database({ id, properties: { results: [{ key: 'big', value: 'x'.repeat(500) }], meta: { hasMore: false } } }),
    });
    const prop = data((await inspectDatabase(client, '500', { limits: { valueChars: 100 } })).properties).items[0];
    expect(prop?.json).toHaveLength(100);
    expect(prop?.truncated).toBe(true);
  });

  it('reports a refused sub-request in its own section and keeps the rest', async () => {
    for (const status of [403, 404]) {
      const client = fakeClient({ databaseClassification: async () => { throw httpError(status, status === 403 ? 'FORBIDDEN' : 'NOT_FOUND'); } });
      const i = await inspectDatabase(client, '500');
      expect(i.classification).toEqual({ ok: false, error: expect.objectContaining({ code: status === 403 ? 'FORBIDDEN' : 'NOT_FOUND', status }) });
      expect(data(i.breadcrumb)).toHaveLength(2);
      expect(data(i.descendants).total).toBe(1);
    }
  });

  it('reports a rate-limited section as RATE_LIMITED without failing the inspection', async () => {
    const client = fakeClient({ databaseAncestors: async () => { throw httpError(429, 'RATE_LIMITED', 30); } });
    const i = await inspectDatabase(client, '500');
    expect(i.breadcrumb.ok).toBe(false);
    if (!i.breadcrumb.ok) {
      expect(i.breadcrumb.error.code).toBe('RATE_LIMITED');
      expect(i.breadcrumb.error.hint).toMatch(/Wait 30 seconds/);
    }
    expect(i.title).toBe('Tracker');
  });

  it('reports the row probes verbatim and never claims rows were read', async () => {
    const i = await inspectDatabase(fakeClient(), '500');
    expect(i.rows.rowsRead).toBe(false);
    expect(i.rows.probes).toEqual(ROW_PROBES);
    expect(i.rows.summary).toBe('4 of 4 row paths answered 401 FAILURE_CLIENT_SCOPE_CHECK. Rows were not read.');
    expect(i.rows.explanation).toMatch(/not available to apps through the public Confluence REST API/);
    expect(i.rows.whatToDo).toMatch(/export to CSV/);
  });

  it('keeps the inspection when probing fails outright', async () => {
    const i = await inspectDatabase(fakeClient({ probeDatabaseRows: async () => { throw new TypeError('socket hang up'); } }), '500');
    expect(i.rows).toMatchObject({ rowsRead: false, probes: [], error: { code: 'FAILED' } });
    expect(data(i.properties).total).toBe(1);
  });

  it('still reports, and reads nothing, when a row path answers 200', async () => {
    const probes = ROW_PROBES.map((p, n) => (n === 0 ? { ...p, status: 200, failureCategory: null, message: '' } : p));
    const i = await inspectDatabase(fakeClient({ probeDatabaseRows: async () => probes }), '500');
    expect(i.rows.rowsRead).toBe(false);
    expect(i.rows.summary).toMatch(/1 of 4 row paths answered 200; 3 of 4 row paths answered 401 FAILURE_CLIENT_SCOPE_CHECK\. The app does not read rows/);
  });

  it('shows account ids as unknown people when the name lookup fails', async () => {
    const i = await inspectDatabase(fakeClient({ users: async () => { throw httpError(500, 'UPSTREAM'); } }), '500');
    expect(i.namesError?.code).toBe('UPSTREAM');
    expect(i.owner).toEqual({ accountId: BOB, displayName: 'Unknown user', known: false });
  });

  it('runs sub-requests in parallel, never more than the concurrency limit at once', async () => {
    let inFlight = 0;
    let peak = 0;
    const slow = <T>(value: T) => async (): Promise<T> => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 15));
      inFlight -= 1;
      return value;
    };
    const client = fakeClient({
      getSpace: slow({ id: '9' }),
      databaseAncestors: slow([] as Ancestor[]),
      databaseClassification: slow({ name: 'Internal' }),
      probeDatabaseRows: slow(ROW_PROBES),
      databaseOperations: slow([]),
      getDatabase: async (id) => database({ id, operations: { results: [], meta: { hasMore: true } } }),
    });
    await inspectDatabase(client, '500', { limits: { concurrency: 2 } });
    expect(peak).toBe(2);
  });

  it('counts children beyond what it returns and says how many more', async () => {
    const kids: Descendant[] = Array.from({ length: 30 }, (_, n) => ({ id: String(600 + n), type: 'page', title: `Kid ${n}`, depth: 1 }));
    const client = fakeClient({
      getDatabase: async (id) => database({ id, directChildren: { results: kids.slice(0, 5), meta: { hasMore: true } } }),
      databaseChildren: () => gen(kids),
      databaseDescendants: () => gen(kids),
    });
    const i = await inspectDatabase(client, '500', { limits: { show: 10, scan: 25 } });
    expect(data(i.children)).toMatchObject({ total: 25, more: 15, complete: false });
    expect(data(i.children).items).toHaveLength(10);
    expect(data(i.children).note).toMatch(/Counting stopped at 25/);
    const all = await inspectDatabase(client, '500', { limits: { show: 10, scan: 100 } });
    expect(data(all.descendants)).toMatchObject({ total: 30, more: 20, complete: true });
  });

  it('continues descendants below depth 10 from pages and databases, by the right route', async () => {
    const asked: string[] = [];
    const client = fakeClient({
      databaseDescendants: (id) => {
        asked.push(`database ${id}`);
        return gen(id === '500'
          ? [{ id: 'p10', type: 'page', depth: 10 }, { id: 'w10', type: 'whiteboard', depth: 10 }]
          : [{ id: 'deep-db-child', type: 'page', depth: 1 }]);
      },
      descendants: (id) => {
        asked.push(`page ${id}`);
        return gen<Descendant>([{ id: 'db11', type: 'database', depth: 1 }]);
      },
    });
    // db11 sits at depth 11 but is not at the cap of its own listing, so it is not walked further.
    const d = data((await inspectDatabase(client, '500')).descendants);
    expect(asked).toEqual(['database 500', 'page p10']);
    expect(d.items.map((x) => [x.id, x.depth])).toEqual([['p10', 10], ['w10', 10], ['db11', 11]]);
    expect(d.note).toMatch(/under 1 folder\(s\) or whiteboard\(s\) are not listed/);
  });

  it('titles breadcrumb pages in one bulk request and continues past 25 ancestors', async () => {
    const near: Ancestor[] = Array.from({ length: 25 }, (_, n) => ({ id: String(100 + n), type: 'page' }));
    const bulk: string[][] = [];
    const client = fakeClient({
      databaseAncestors: async () => near,
      ancestors: async (id) => (id === '100' ? [{ id: '1', type: 'page' }, { id: '2', type: 'folder' }] : []),
      pagesByIds: (ids) => {
        bulk.push(ids);
        return gen(ids.map((id) => ({ id, title: `Page ${id}`, _links: { webui: `/p/${id}` } })));
      },
    });
    const crumbs = data((await inspectDatabase(client, '500')).breadcrumb);
    expect(crumbs.map((c) => c.id)).toEqual(['1', '2', ...near.map((a) => a.id)]);
    expect(bulk).toHaveLength(1);
    expect(crumbs[0]).toEqual({ id: '1', type: 'page', title: 'Page 1', url: 'https://acme.atlassian.net/wiki/p/1' });
    expect(crumbs[1]).toEqual({ id: '2', type: 'folder' });
  });

  describe('when the database cannot be inspected', () => {
    it('says a page id is a page', async () => {
      const client = fakeClient({ getDatabase: async () => { throw httpError(404, 'NOT_FOUND'); }, getPage: async (id) => ({ id, title: 'User Guide' }) });
      const e = await problem(inspectDatabase(client, '65600'));
      expect(e.code).toBe('NOT_A_DATABASE');
      expect(e.message).toBe('That id is a page ("User Guide"), not a database.');
    });

    it('says a blog post id is a blog post', async () => {
      const client = fakeClient({ getDatabase: async () => { throw httpError(404, 'NOT_FOUND'); }, getBlogPost: async (id) => ({ id, title: 'News' }) });
      expect((await problem(inspectDatabase(client, '7'))).message).toMatch(/is a blog post \("News"\)/);
    });

    it('says a missing database may be deleted or a permission matter', async () => {
      const client = fakeClient({ getDatabase: async () => { throw httpError(404, 'NOT_FOUND'); } });
      const e = await problem(inspectDatabase(client, '42'));
      expect(e.code).toBe('DATABASE_NOT_FOUND');
      expect(e.message).toMatch(/may have been deleted, or you may not have permission/);
      expect(client.calls).not.toContain('probeDatabaseRows');
    });

    it('says a trashed database is deleted', async () => {
      const client = fakeClient({ getDatabase: async (id) => database({ id, status: 'trashed' }) });
      const e = await problem(inspectDatabase(client, '500'));
      expect(e.code).toBe('DATABASE_DELETED');
      expect(e.message).toMatch(/has been deleted \(status: trashed\)/);
    });

    it('says what the id is when the endpoint returns another type', async () => {
      const client = fakeClient({ getDatabase: async (id) => database({ id, type: 'whiteboard' }) });
      expect((await problem(inspectDatabase(client, '500'))).message).toBe('That id is a whiteboard, not a database.');
    });

    it('says the app is rate limited after the retries gave up', async () => {
      const client = fakeClient({ getDatabase: async () => { throw httpError(429, 'RATE_LIMITED', 12); } });
      const e = await problem(inspectDatabase(client, '500'));
      expect(e.code).toBe('RATE_LIMITED');
      expect(e.message).toMatch(/rate-limiting the app, so database 500 could not be read, even after retrying/);
      expect(e.hint).toMatch(/Wait 12 seconds/);
    });
  });
});

describe('bounded', () => {
  it('keeps the first items and counts the rest', async () => {
    expect(await bounded(gen([1, 2, 3, 4, 5]), (n) => n * 10, 2, 100)).toEqual({ items: [10, 20], total: 5, more: 3, complete: true });
  });
});
