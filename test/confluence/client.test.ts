/**
 * The Confluence client through the REAL @forge/api against the sandbox Confluence: routes and
 * principals actually requested, cursor following, retries (with a fake clock, never real waits),
 * error mapping, bulk limits, binary uploads and whole-tree listing.
 */
import { asUser, assumeTrustedRoute } from '@forge/api';
import { createClient, type ClientOptions } from '../../src/confluence/client';
import { ConfluenceError } from '../../src/confluence/errors';
import { collect, nextLink, paginate, type FetchPage } from '../../src/confluence/paginate';
import { JOB_RETRY, withRetry, type RetryDeps, type RetryPolicy } from '../../src/confluence/retry';
import { allDescendants } from '../../src/confluence/tree';
import * as adf from '../../sandbox/confluence/adf';
import { generateSite } from '../../sandbox/confluence/generate';
import { SEED } from '../../sandbox/confluence/seed';
import { startConfluence, type ConfluenceSandbox } from '../../sandbox/confluence/server';
import type { Site } from '../../sandbox/confluence/site';
import { installForgePlatform, type ForgePlatform } from '../../sandbox/forge/platform';

const ALICE = SEED.users.alice;
const BOB = SEED.users.bob;

/** A fake clock: `sleep` records the wait and moves `now` forward by it, so budgets are exercised. */
function fakeDeps(random = 0.5, start = Date.parse('2030-01-01T00:00:00Z')) {
  const waits: number[] = [];
  let now = start;
  const deps: RetryDeps = {
    sleep: async (ms) => {
      waits.push(ms);
      now += ms;
    },
    now: () => now,
    random: () => random,
  };
  return { deps, waits, start };
}

let sb: ConfluenceSandbox;
let platform: ForgePlatform;

beforeAll(async () => {
  sb = await startConfluence();
  platform = installForgePlatform({ confluenceUrl: sb.url });
});

afterAll(async () => {
  await sb.close();
});

beforeEach(() => {
  sb.resetRequests();
  sb.onResponse = undefined;
});

const asAlice = <T>(fn: () => Promise<T>) => platform.run({ accountId: ALICE, moduleKey: 'test' }, fn);
const asBob = <T>(fn: () => Promise<T>) => platform.run({ accountId: BOB, moduleKey: 'test' }, fn);
const asNoUser = <T>(fn: () => Promise<T>) => platform.run({ moduleKey: 'test' }, fn);
const user = (o: ClientOptions = {}) => createClient('user', o);
const app = (o: ClientOptions = {}) => createClient('app', o);

/** Records `_links.next` of every JSON body served, in order. */
function recordNextLinks(): Array<string | undefined> {
  const links: Array<string | undefined> = [];
  sb.onResponse = (_rec, body) => {
    const next = (body as { _links?: { next?: string } } | undefined)?._links?.next;
    links.push(next);
  };
  return links;
}

/** A new page under home with `n` root footer comments; returns its id and the comment ids. */
function pageWithComments(site: Site, n: number): { pageId: string; commentIds: string[] } {
  const page = site.addPage({ parentId: SEED.pages.home, title: `Busy page ${site.nextId()}`, spaceId: SEED.space.id, authorId: ALICE, adf: adf.doc(adf.p('busy')) });
  const commentIds = Array.from({ length: n }, (_, i) =>
    site.addComment({ kind: 'footer', pageId: page.id, authorId: i % 2 ? ALICE : BOB, adf: adf.doc(adf.p(`comment ${i}`)) }).id,
  );
  return { pageId: page.id, commentIds };
}

describe('pagination', () => {
  it('follows the server cursor across three pages at limit 250, as the user', async () => {
    const { pageId, commentIds } = pageWithComments(sb.site, 520);
    const links = recordNextLinks();
    const got = await asAlice(() => collect(user().footerComments({ id: pageId, type: 'page' })));

    expect(got.map((c) => c.id).sort()).toEqual([...commentIds].sort());
    expect(new Set(got.map((c) => c.id)).size).toBe(520);
    expect(sb.requests).toHaveLength(3);
    const [first, ...rest] = sb.requests;
    expect(first?.path).toBe(`/wiki/api/v2/pages/${pageId}/footer-comments?body-format=atlas_doc_format&limit=250`);
    expect(first?.path).not.toContain('cursor=');
    // Every later request is exactly the link the previous answer gave, cursor included.
    rest.forEach((r, i) => {
      expect(r.path).toContain('cursor=');
      expect(r.path).toBe(links[i]);
    });
    expect(links[2]).toBeUndefined();
    expect(sb.requests.every((r) => r.principal === `user:${ALICE}` && r.status === 200)).toBe(true);
  });

  it('follows cursors at a smaller limit (database properties, 32 at 10 a page), as the app', async () => {
    const links = recordNextLinks();
    const got = await asNoUser(() => collect(app().databaseProperties(SEED.database, 10)));

    expect(got).toHaveLength(SEED.databasePropertyCount);
    expect(new Set(got.map((p) => p.key)).size).toBe(SEED.databasePropertyCount);
    expect(sb.requests.map((r) => r.path)).toEqual([`/wiki/api/v2/databases/${SEED.database}/properties?limit=10`, links[0], links[1], links[2]]);
    expect(links[3]).toBeUndefined();
    expect(sb.requests.every((r) => r.principal === 'app')).toBe(true);
  });

  it('stops after one request when the caller breaks after the first item', async () => {
    const seen: Array<string | undefined> = [];
    await asAlice(async () => {
      for await (const p of user().databaseProperties(SEED.database, 10)) {
        seen.push(p.key);
        break;
      }
    });
    expect(seen).toHaveLength(1);
    expect(sb.requests).toHaveLength(1);
    expect(sb.requests[0]?.path).not.toContain('cursor=');
  });

  it('refuses a next link the server already gave (REPEATED_CURSOR)', async () => {
    const asked: Array<string | undefined> = [];
    const pages: Record<string, { results: number[]; _links: { next?: string } }> = {
      first: { results: [1], _links: { next: '/wiki/api/v2/x?cursor=A' } },
      '/wiki/api/v2/x?cursor=A': { results: [2], _links: { next: '/wiki/api/v2/x?cursor=B' } },
      '/wiki/api/v2/x?cursor=B': { results: [3], _links: { next: '/wiki/api/v2/x?cursor=A' } },
    };
    const fetchPage: FetchPage<number> = async (next) => {
      asked.push(next);
      if (asked.length > 5) throw new Error('looping'); // fail fast instead of spinning forever
      const body = pages[next ?? 'first'];
      if (!body) throw new Error(`unexpected ${String(next)}`);
      return { body, link: null };
    };
    const items: number[] = [];
    const run = async () => {
      for await (const n of paginate(fetchPage)) items.push(n);
    };
    const err = await run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfluenceError);
    expect((err as ConfluenceError).code).toBe('REPEATED_CURSOR');
    expect(items).toEqual([1, 2, 3]);
    // It stopped instead of asking for cursor A a second time.
    expect(asked).toEqual([undefined, '/wiki/api/v2/x?cursor=A', '/wiki/api/v2/x?cursor=B']);
  });

  it('takes the next link from the Link header when _links.next is absent', () => {
    expect(nextLink(undefined, '</wiki/api/v2/pages?cursor=abc&limit=5>; rel="next"')).toBe('/wiki/api/v2/pages?cursor=abc&limit=5');
    expect(nextLink({}, '<https://site.atlassian.net/wiki/rest/api/search?cql=x&cursor=z>; rel="next"')).toBe('/wiki/rest/api/search?cql=x&cursor=z');
    expect(nextLink(undefined, '</wiki/a?cursor=p>; rel="prev", </wiki/a?cursor=n>; rel="next"')).toBe('/wiki/a?cursor=n');
    expect(nextLink(undefined, '</wiki/a?cursor=p>; rel="prev"')).toBeUndefined();
    expect(nextLink(undefined, null)).toBeUndefined();
    // _links.next wins over the header; base-relative links get the base path.
    expect(nextLink({ next: '/wiki/b?cursor=1' }, '</wiki/a?cursor=2>; rel="next"')).toBe('/wiki/b?cursor=1');
    expect(nextLink({ next: '/api/v2/c?cursor=3', base: 'https://site.atlassian.net/wiki' }, null)).toBe('/wiki/api/v2/c?cursor=3');
  });

  it('follows a Link-header-only listing through paginate', async () => {
    const fetchPage: FetchPage<string> = async (next) =>
      next === undefined
        ? { body: { results: ['a'] }, link: '</wiki/api/v2/y?cursor=2>; rel="next"' }
        : next === '/wiki/api/v2/y?cursor=2'
          ? { body: { results: ['b'] }, link: null }
          : { body: { results: ['wrong'] }, link: null };
    expect(await collect(paginate(fetchPage))).toEqual(['a', 'b']);
  });
});

describe('retries', () => {
  const PAGE = `GET /wiki/api/v2/pages/${SEED.pages.faq}`;
  const match = new RegExp(`^${PAGE}(\\?|$)`);

  it('waits Retry-After seconds on 429, then succeeds', async () => {
    sb.injectFault({ match, kind: 429, retryAfter: '1', times: 1 });
    const { deps, waits } = fakeDeps();
    const page = await asAlice(() => user({ retryDeps: deps }).getPage(SEED.pages.faq));
    expect(page.id).toBe(SEED.pages.faq);
    expect(waits).toEqual([1000]);
    expect(sb.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('waits until a Retry-After HTTP date on 429', async () => {
    const { deps, waits, start } = fakeDeps();
    sb.injectFault({ match, kind: 429, retryAfter: new Date(start + 7000).toUTCString(), times: 1 });
    const page = await asAlice(() => user({ retryDeps: deps }).getPage(SEED.pages.faq));
    expect(page.id).toBe(SEED.pages.faq);
    expect(waits).toEqual([7000]);
  });

  it('falls back to X-RateLimit-Reset when there is no Retry-After', async () => {
    const { deps, waits, start } = fakeDeps();
    const answers = [
      { status: 429, headers: new Headers({ 'x-ratelimit-reset': new Date(start + 4000).toISOString() }) },
      { status: 200, headers: new Headers() },
    ];
    let calls = 0;
    const res = await withRetry(async () => answers[calls++]!, { maxAttempts: 3, budgetMs: 60_000, baseMs: 100, capMs: 1000 }, deps);
    expect(res.status).toBe(200);
    expect(waits).toEqual([4000]);
  });

  it('gives up at once when Retry-After exceeds the budget, with RATE_LIMITED and retryAfter', async () => {
    sb.injectFault({ match, kind: 429, retryAfter: '60', times: 1 });
    const { deps, waits } = fakeDeps();
    const err = await asAlice(() => user({ retryDeps: deps }).getPage(SEED.pages.faq)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfluenceError);
    expect(err).toMatchObject({ status: 429, code: 'RATE_LIMITED', retryAfter: 60 });
    expect(waits).toEqual([]);
    expect(sb.requests).toHaveLength(1);
  });

  it('hands a 429 wait longer than rateWaitMs back at once (a job re-queues instead of sleeping), and sleeps a shorter one', async () => {
    const { deps, waits } = fakeDeps();
    const answers = [
      { status: 429, headers: new Headers({ 'retry-after': '6' }) },
      { status: 429, headers: new Headers({ 'retry-after': '3' }) },
      { status: 200, headers: new Headers() },
    ];
    let calls = 0;
    const policy = { ...JOB_RETRY, budgetMs: 60_000 };
    expect(policy.rateWaitMs).toBe(5_000);
    const first = await withRetry(async () => answers[calls++]!, policy, deps);
    expect(first.status).toBe(429);
    expect(waits).toEqual([]);
    const second = await withRetry(async () => answers[calls++]!, policy, deps);
    expect(second.status).toBe(200);
    expect(waits).toEqual([3000]);
  });

  it('backs off with full jitter on 503 ×2, then succeeds', async () => {
    sb.injectFault({ match, kind: 503, times: 2 });
    const { deps, waits } = fakeDeps(0.5);
    const page = await asAlice(() => user({ retryDeps: deps }).getPage(SEED.pages.faq));
    expect(page.id).toBe(SEED.pages.faq);
    // RESOLVER_RETRY: base 300 → ceilings 300, 600; random 0.5 takes half of each.
    expect(waits).toEqual([150, 300]);
    expect(sb.requests.map((r) => r.status)).toEqual([503, 503, 200]);
  });

  it('caps each backoff at capMs', async () => {
    sb.injectFault({ match, kind: 502, times: 4 });
    const { deps, waits } = fakeDeps(1);
    const retry: RetryPolicy = { maxAttempts: 6, budgetMs: 1_000_000, baseMs: 1000, capMs: 2500 };
    await asAlice(() => user({ retry, retryDeps: deps }).getPage(SEED.pages.faq));
    expect(waits).toEqual([1000, 2000, 2500, 2500]);
  });

  it('throws UPSTREAM with a hint when the attempts run out', async () => {
    // Exactly as many faults as attempts: faults outlive a test, and a fifth attempt would succeed and fail the test.
    sb.injectFault({ match, kind: 503, times: 4 });
    const { deps, waits } = fakeDeps(0.5);
    const err = await asAlice(() => user({ retryDeps: deps }).getPage(SEED.pages.faq)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfluenceError);
    const ce = err as ConfluenceError;
    expect(ce.status).toBe(503);
    expect(ce.code).toBe('UPSTREAM');
    expect(ce.hint).toMatch(/try again/i);
    expect(ce.message).toContain(`page ${SEED.pages.faq}`);
    expect(sb.requests).toHaveLength(4); // RESOLVER_RETRY.maxAttempts
    expect(waits).toHaveLength(3);
  });

  it('stops when the next wait would overrun the time budget', async () => {
    sb.injectFault({ match, kind: 500, times: 3 });
    const { deps, waits } = fakeDeps(1);
    // Waits 1000, 2000 fit in 3500; the third (4000) would not.
    const retry: RetryPolicy = { maxAttempts: 10, budgetMs: 3500, baseMs: 1000, capMs: 10_000 };
    const err = await asAlice(() => user({ retry, retryDeps: deps }).getPage(SEED.pages.faq)).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 500, code: 'UPSTREAM' });
    expect(waits).toEqual([1000, 2000]);
    expect(sb.requests).toHaveLength(3);
  });

  it('retries a dropped connection', async () => {
    sb.injectFault({ match, kind: 'drop', times: 1 });
    const { deps, waits } = fakeDeps(0.5);
    const page = await asAlice(() => user({ retryDeps: deps }).getPage(SEED.pages.faq));
    expect(page.id).toBe(SEED.pages.faq);
    expect(waits).toEqual([150]);
    expect(sb.requests.map((r) => r.status)).toEqual([0, 200]);
  });
  it('maps a connection dropped on every attempt to a NETWORK ConfluenceError with a hint', async () => {
    sb.injectFault({ match, kind: 'drop', times: 4 });
    const { deps, waits } = fakeDeps(0.5);
    const err = await asAlice(() => user({ retryDeps: deps }).getPage(SEED.pages.faq)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfluenceError);
    expect((err as ConfluenceError).code).toBe('NETWORK');
    expect((err as ConfluenceError).status).toBe(0);
    expect((err as ConfluenceError).hint).toMatch(/connection to Confluence failed/);
    expect(waits).toEqual([150, 300, 600]);
    expect(sb.requests.map((r) => r.status)).toEqual([0, 0, 0, 0]);
  });
});

describe('identity and errors', () => {
  it('answers 404 for the restricted page to Bob, 200 to Alice and to the app', async () => {
    const err = await asBob(() => user().getPage(SEED.pages.restricted)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfluenceError);
    expect(err).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    // Said once, in words that fit any `what` (issue 23: "Descendants of page … was not found", twice).
    expect((err as ConfluenceError).message).toBe(`Confluence could not find page ${SEED.pages.restricted}.`);
    expect((err as ConfluenceError).hint).toBe('It may have been deleted, or you may not have permission to see it.');

    const forAlice = await asAlice(() => user().getPage(SEED.pages.restricted));
    expect(forAlice.id).toBe(SEED.pages.restricted);
    // The app client ignores whichever user is invoking.
    const forApp = await asBob(() => app().getPage(SEED.pages.restricted));
    expect(forApp.id).toBe(SEED.pages.restricted);

    expect(sb.requests.map((r) => [r.principal, r.status])).toEqual([
      [`user:${BOB}`, 404],
      [`user:${ALICE}`, 200],
      ['app', 200],
    ]);
  });

  it('reports the database row paths verbatim: 401 FAILURE_CLIENT_SCOPE_CHECK', async () => {
    for (const client of [user(), app()]) {
      const probes = await asAlice(() => client.probeDatabaseRows(SEED.database));
      expect(probes.map((p) => p.path)).toEqual(['entries', 'content', 'children', 'export'].map((t) => `/wiki/api/v2/databases/${SEED.database}/${t}`));
      for (const p of probes) {
        expect(p).toMatchObject({ status: 401, failureCategory: 'FAILURE_CLIENT_SCOPE_CHECK', message: 'Unauthorized; scope does not match' });
      }
    }
    expect(sb.requests.map((r) => r.principal)).toEqual([...Array(4).fill(`user:${ALICE}`), ...Array(4).fill('app')]);
  });

  it('maps a scope-check 401 to SCOPE_CHECK with the "not open to apps" hint', async () => {
    const res = await asAlice(() => asUser().requestConfluence(assumeTrustedRoute(`/wiki/api/v2/databases/${SEED.database}/entries`)));
    expect(res.status).toBe(401);
    const err = await ConfluenceError.from(res, `rows of database ${SEED.database}`);
    expect(err.code).toBe('SCOPE_CHECK');
    expect(err.failureCategory).toBe('FAILURE_CLIENT_SCOPE_CHECK');
    expect(err.hint).toContain('does not open this endpoint to apps');
    expect(err.message).toContain('Unauthorized; scope does not match');
  });

  it('explains 409, 413 and a plain 401', async () => {
    const source = (status: number, body = '', headers: Record<string, string> = {}) => ({
      status,
      headers: new Headers(headers),
      text: async () => body,
    });
    const conflict = await ConfluenceError.from(source(409, JSON.stringify({ errors: [{ title: 'Version must be incremented' }] })), 'page 1');
    expect(conflict).toMatchObject({ status: 409, code: 'CONFLICT' });
    expect(conflict.hint).toMatch(/version conflict/i);
    expect(conflict.message).toBe('Confluence answered 409 for page 1: Version must be incremented');

    const tooLarge = await ConfluenceError.from(source(413, 'not json'), 'page 2');
    expect(tooLarge).toMatchObject({ status: 413, code: 'TOO_LARGE' });
    expect(tooLarge.hint).toMatch(/larger than Confluence accepts/);
    expect(tooLarge.message).toBe('Confluence answered 413 for page 2');

    const plain401 = await ConfluenceError.from(source(401), 'page 3');
    expect(plain401.code).toBe('UNAUTHORIZED');
    expect(plain401.hint).not.toContain('does not open this endpoint');

    const limited = await ConfluenceError.from(source(429, '', { 'retry-after': '12' }), 'page 4');
    expect(limited).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 12 });
  });
});

describe('bulk calls', () => {
  it('refuses more than 250 ids in pagesByIds', () => {
    const ids = Array.from({ length: 251 }, (_, i) => String(70_000 + i));
    expect(() => user().pagesByIds(ids)).toThrow(RangeError);
    expect(() => user().pagesByIds(ids.slice(0, 250))).not.toThrow();
    expect(sb.requests).toHaveLength(0);
  });

  it('asks users-bulk for at most 100 ids per request', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 248; i++) {
      const accountId = `712020:bulk-${i}`;
      sb.site.addUser({ accountId, displayName: `Bulk ${i}`, email: `bulk${i}@example.com`, accountType: 'atlassian' });
      ids.push(accountId);
    }
    const perAnswer: number[] = [];
    sb.onResponse = (_rec, body) => perAnswer.push((body as { results: unknown[] }).results.length);
    // Duplicates and ALICE as well: 249 unique ids → 100 + 100 + 49.
    const got = await asAlice(() => user().users([...ids, ids[0]!, ALICE, ids[5]!]));

    expect(got.size).toBe(249);
    expect(got.get(ALICE)?.displayName).toBe('Alice Author');
    expect(got.get('712020:bulk-247')?.displayName).toBe('Bulk 247');
    expect(sb.requests.map((r) => `${r.method} ${r.path}`)).toEqual(Array(3).fill('POST /wiki/api/v2/users-bulk'));
    expect(perAnswer).toEqual([100, 100, 49]);
  });

  it('makes no request for no users', async () => {
    expect((await asAlice(() => user().users([]))).size).toBe(0);
    expect(sb.requests).toHaveLength(0);
  });
});

describe('attachments', () => {
  it('round-trips binary bytes and versions a re-upload of the same name', async () => {
    const bytes = new Uint8Array(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) % 256; // every byte value, incl. \r \n and 0
    const name = `export ${Date.now()}.zip`;
    const target = SEED.pages.install;

    const first = await asAlice(() => user().uploadAttachment(target, { name, bytes, mediaType: 'application/zip' }));
    expect(first.title).toBe(name);
    expect(first.version?.number).toBe(1);
    expect(first.fileSize).toBe(bytes.length);
    const back = await asAlice(() => user().downloadAttachment(target, first.id));
    expect(Buffer.from(back).equals(Buffer.from(bytes))).toBe(true);

    const changed = bytes.map((b) => 255 - b);
    const second = await asAlice(() => user().uploadAttachment(target, { name, bytes: changed, mediaType: 'application/zip', comment: 'again' }));
    expect(second.id).toBe(first.id);
    expect(second.version?.number).toBe(2);
    const back2 = await asAlice(() => user().downloadAttachment(target, second.id));
    expect(Buffer.from(back2).equals(Buffer.from(changed))).toBe(true);

    const uploads = sb.requests.filter((r) => r.method === 'PUT');
    expect(uploads.map((r) => r.path)).toEqual(Array(2).fill(`/wiki/rest/api/content/${target}/child/attachment`));
    expect(uploads.every((r) => r.principal === `user:${ALICE}`)).toBe(true);
  });
});

describe('allDescendants', () => {
  it('lists a tree deeper than 10 levels once each, with depths relative to the root', async () => {
    const { site, rootId } = generateSite({ pages: 40, paragraphsPerPage: 0, fanout: 3 });
    const deep = await startConfluence({ site });
    // The same platform, pointed at the generated site for this test.
    platform.confluenceUrl = deep.url;
    try {
      // Expected depths from the site's own parent links.
      const expected = new Map<string, number>();
      const walk = (id: string, depth: number) => {
        for (const child of site.childIds(id)) {
          expected.set(child, depth + 1);
          walk(child, depth + 1);
        }
      };
      walk(rootId, 0);
      expect(Math.max(...expected.values())).toBeGreaterThan(10);

      const got = await asAlice(() => collect(allDescendants(createClient('user'), rootId)));
      expect(got).toHaveLength(expected.size);
      expect(new Set(got.map((d) => d.id)).size).toBe(expected.size);
      expect(new Map(got.map((d) => [d.id, d.depth]))).toEqual(expected);
      // It lists from the root first, then again only from pages it has already found (never twice
      // from the same one), each as a full-depth listing.
      const from = deep.requests.map((r) => /^\/wiki\/api\/v2\/pages\/(\d+)\/descendants\?depth=10&limit=250$/.exec(r.path)?.[1]);
      expect(from[0]).toBe(rootId);
      expect(from.length).toBeGreaterThan(1);
      expect(new Set(from).size).toBe(from.length);
      for (const id of from.slice(1)) expect(expected.has(id!)).toBe(true);
    } finally {
      platform.confluenceUrl = sb.url;
      await deep.close();
    }
  });
});
