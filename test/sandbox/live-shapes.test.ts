/**
 * Shapes live sites give that the specs do not show (../shared/real-responses/FINDINGS.md §7–8),
 * served by the sandbox by default, and the app reading them.
 */
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { SEED } from '../../sandbox/confluence/seed';
import { createClient } from '../../src/confluence/client';
import { collect } from '../../src/confluence/paginate';
import { isoTime, plainSearchTitle } from '../../src/confluence/normalize';
import { call } from './helpers';

const P = SEED.pages;
const alice = SEED.users.alice;
let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(async () => {
  await sb.close();
});

const asAlice = <T>(fn: () => Promise<T>): Promise<T> => sb.platform.run({ moduleKey: 'test', accountId: alice }, fn);

describe('live shapes in the sandbox, and the app reading them', () => {
  it('a root page and a trashed page have parentId and parentType null', async () => {
    const root = await call<Record<string, unknown>>(sb.confluence, `/wiki/api/v2/pages/${P.home}`);
    expect(root.json).toMatchObject({ parentId: null, parentType: null });
    sb.confluence.site.content(P.faq)!.status = 'trashed';
    try {
      const trashed = await call<{ results: unknown[] }>(sb.confluence, `/wiki/api/v2/pages?id=${P.faq}&status=trashed`);
      expect(trashed.json.results).toEqual([expect.objectContaining({ status: 'trashed', parentId: null, parentType: null, position: null })]);
    } finally {
      sb.confluence.site.content(P.faq)!.status = 'current';
    }
    const page = await asAlice(() => createClient('user').getPage(P.home));
    expect(page.parentId ?? undefined).toBeUndefined();
  });

  it('direct-children rows carry no spaceId', async () => {
    const rows = await call<{ results: Array<Record<string, unknown>> }>(sb.confluence, `/wiki/api/v2/pages/${P.home}/direct-children`);
    expect(rows.json.results.length).toBeGreaterThan(0);
    expect(rows.json.results.filter((r) => 'spaceId' in r)).toEqual([]);
  });

  it('v1 search titles carry escaped highlight markup; the client yields them plain', async () => {
    const cql = 'type = page AND title ~ "guide"';
    const raw = await call<{ results: Array<{ title: string; content: { title: string } }> }>(sb.confluence, `/wiki/rest/api/search?cql=${encodeURIComponent(cql)}`);
    expect(raw.json.results.map((r) => [r.title, r.content.title])).toEqual([['User @@@hl@@@Guide@@@endhl@@@', 'User Guide']]);
    const rows = await asAlice(() => collect(createClient('user').search(cql)));
    expect(rows.map((r) => r.title)).toEqual(['User Guide']);
    expect(plainSearchTitle('@@@hl@@@Apple@@@endhl@@@ - 15&quot; @@@hl@@@Macbook@@@endhl@@@ Air (M4) &amp; &#39;x&#39;')).toBe('Apple - 15" Macbook Air (M4) & \'x\'');
  });

  it("a folder's createdAt is epoch milliseconds; the app reads it as an ISO time", async () => {
    const folder = await call<{ createdAt: unknown }>(sb.confluence, `/wiki/api/v2/folders/${SEED.folder}`);
    expect(typeof folder.json.createdAt).toBe('number');
    expect(isoTime(folder.json.createdAt as number)).toBe(new Date(sb.confluence.site.content(SEED.folder)!.createdAt).toISOString());
    expect(isoTime('2024-02-01T02:34:14.885Z')).toBe('2024-02-01T02:34:14.885Z');
  });

  it('a bad cursor answers 400 INVALID_REQUEST_PARAMETER with the recorded title and detail', async () => {
    const bad = await call<{ errors: Array<Record<string, unknown>> }>(sb.confluence, `/wiki/api/v2/pages/${P.home}/direct-children?cursor=forged`);
    expect(bad.status).toBe(400);
    expect(bad.json.errors[0]).toMatchObject({ status: 400, code: 'INVALID_REQUEST_PARAMETER', title: "Provided value for 'cursor' is not the correct type. Expected type is Cursor." });
    expect(bad.json.errors[0]?.['detail']).toMatch(/making the original pagination request again/);
  });
});
