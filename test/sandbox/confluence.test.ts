// Behaviour of the local Confluence: paging, cursors, permissions, versions, limits, faults,
// uploads and body formats, checked over real HTTP with global fetch.
import { SESSION_COOKIE, startConfluence, type ConfluenceSandbox } from '../../sandbox/confluence/server';
import { SEED } from '../../sandbox/confluence/seed';
import { generateSite } from '../../sandbox/confluence/generate';
import { call, collect, multipart, type ListBody } from './helpers';

const P = SEED.pages;
const C = SEED.comments;
const alice = `user:${SEED.users.alice}` as const;
const bob = `user:${SEED.users.bob}` as const;
type Obj = Record<string, unknown>;

describe('seed site over HTTP', () => {
  let sb: ConfluenceSandbox;
  beforeEach(async () => { sb = await startConfluence(); });
  afterEach(async () => { await sb.close(); });

  describe('identity', () => {
    it('answers bad credentials as real sites do: a bare v2 404 "Not Found", a v1 403', async () => {
      // ../shared/real-responses/v2/error-404.pages-get.md2conf-issue113.json; markfluence docs/confluence/api.md.
      for (const who of [null, 'user:nobody' as const]) {
        const v2 = await call(sb, `/wiki/api/v2/pages/${P.home}`, who);
        expect([v2.status, v2.json]).toEqual([404, { errors: [{ status: 404, code: 'NOT_FOUND', title: 'Not Found', detail: null }] }]);
        const v1 = await call<{ message: string }>(sb, '/wiki/rest/api/search?cql=type%3Dpage', who);
        expect([v1.status, v1.json.message]).toEqual([403, 'caller cannot access Confluence']);
      }
      expect((await call(sb, `/wiki/api/v2/pages/${P.home}`, bob)).status).toBe(200);
    });

    it('records every request with its principal and status', async () => {
      await call(sb, `/wiki/api/v2/pages/${P.home}?body-format=storage`, bob);
      await call(sb, '/wiki/api/v2/nothing-here', 'app');
      expect(sb.requests).toEqual([
        { method: 'GET', path: `/wiki/api/v2/pages/${P.home}?body-format=storage`, principal: bob, status: 200, points: 2, at: expect.any(Number) },
        { method: 'GET', path: '/wiki/api/v2/nothing-here', principal: 'app', status: 404, points: 1, at: expect.any(Number) },
      ]);
      sb.resetRequests();
      expect(sb.requests).toHaveLength(0);
    });
  });

  describe('paging', () => {
    const many = `/wiki/api/v2/pages/${P.manyComments}/footer-comments`;

    it('defaults to 25, accepts 250, rejects 0 and 251 with 400', async () => {
      const def = await call<ListBody>(sb, many);
      expect(def.json.results).toHaveLength(25);
      expect(def.json._links.next).toMatch(/^\/wiki\/api\/v2\/pages\/\d+\/footer-comments\?/);
      expect(def.json._links.base).toBe(`${sb.url}/wiki`);
      const max = await call<ListBody>(sb, `${many}?limit=250`);
      expect(max.json.results).toHaveLength(SEED.manyCommentsCount);
      expect(max.json._links.next).toBeUndefined();
      expect(max.headers.get('link')).toBeNull();
      for (const bad of ['0', '251', '-1', 'ten']) expect((await call(sb, `${many}?limit=${bad}`)).status).toBe(400);
    });

    it('walks 4 pages at limit=10 via Link and _links.next, with no gaps or repeats', async () => {
      const { items, pages } = await collect(sb, `${many}?limit=10&body-format=storage`);
      expect(pages).toBe(4);
      const ids = items.map((c) => String(c['id']));
      expect(new Set(ids).size).toBe(SEED.manyCommentsCount);
      expect(ids[0]).toBe(C.manyFirst);
      // The next link keeps the other query parameters.
      expect(items.every((c) => typeof (c['body'] as { storage?: { value?: string } }).storage?.value === 'string')).toBe(true);
    });

    it('rejects tampered, forged and foreign cursors with 400', async () => {
      const first = await call<ListBody>(sb, `${many}?limit=10`);
      const next = first.json._links.next ?? '';
      const cursor = new URL(next, sb.url).searchParams.get('cursor') ?? '';
      expect((await call(sb, next)).status).toBe(200);
      const [payload, sig] = cursor.split('.');
      const edited = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()), o: 0 })).toString('base64url');
      expect((await call(sb, `${many}?limit=10&cursor=${edited}.${sig ?? ''}`)).status).toBe(400);
      expect((await call(sb, `${many}?limit=10&cursor=${cursor.slice(0, -2)}xx`)).status).toBe(400);
      expect((await call(sb, `${many}?limit=10&cursor=abc`)).status).toBe(400);
      // A cursor from one list is not valid for another.
      expect((await call(sb, `/wiki/api/v2/pages/${P.rich}/footer-comments?cursor=${cursor}`)).status).toBe(400);
    });

    it('pages database properties: 32 properties are 2 pages at the default limit', async () => {
      const { items, pages } = await collect(sb, `/wiki/api/v2/databases/${SEED.database}/properties`);
      expect(pages).toBe(2);
      expect(items).toHaveLength(SEED.databasePropertyCount);
    });
  });

  describe('permissions', () => {
    it('hides the restricted page from Bob (404) but not from Alice or the app', async () => {
      const path = `/wiki/api/v2/pages/${P.restricted}`;
      expect((await call(sb, path, bob)).status).toBe(404);
      expect((await call(sb, `/wiki/api/v2/pages/${P.restrictedChild}`, bob)).status).toBe(404);
      expect((await call(sb, path, alice)).status).toBe(200);
      expect((await call(sb, path, 'app')).status).toBe(200);
    });

    it('lets Bob read but not edit the edit-restricted FAQ: operations, PUT and uploads say so', async () => {
      const ops = async (who: typeof alice | typeof bob) =>
        ((await call<{ operations: Array<{ operation: string }> }>(sb, `/wiki/api/v2/pages/${P.faq}/operations`, who)).json.operations ?? []).map((o) => o.operation);
      expect(await ops(alice)).toContain('update');
      expect(await ops(bob)).toEqual(['read']);
      const put = await call(sb, `/wiki/api/v2/pages/${P.faq}`, bob, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: P.faq, status: 'current', title: 'FAQ', body: { representation: 'storage', value: '<p>x</p>' }, version: { number: 99 } }),
      });
      expect(put.status).toBe(403);
      const upload = await call(sb, `/wiki/rest/api/content/${P.faq}/child/attachment`, bob, {
        method: 'PUT',
        headers: { 'x-atlassian-token': 'nocheck', 'content-type': 'multipart/form-data; boundary=b' },
        body: '--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhi\r\n--b--\r\n',
      });
      expect(upload.status).toBe(403);
    });

    it('omits restricted content from lists, trees, bulk fetches, comments and search for Bob', async () => {
      const ids = (r: { json: ListBody }): string[] => r.json.results.map((x) => String(x['id']));
      const desc = `/wiki/api/v2/pages/${P.home}/descendants?depth=5&limit=250`;
      expect(ids(await call<ListBody>(sb, desc, 'app'))).toEqual(expect.arrayContaining([P.restricted, P.restrictedChild, SEED.restrictedDatabase]));
      const bobDesc = ids(await call<ListBody>(sb, desc, bob));
      expect(bobDesc).not.toContain(P.restricted);
      expect(bobDesc).not.toContain(P.restrictedChild);
      expect(bobDesc).not.toContain(SEED.restrictedDatabase);
      expect(bobDesc).toContain(P.guide);
      expect(ids(await call<ListBody>(sb, `/wiki/api/v2/pages/${P.home}/direct-children`, bob))).not.toContain(P.restricted);
      const bulk = await call<ListBody>(sb, `/wiki/api/v2/pages?id=${P.restricted}&id=${P.home}`, bob);
      expect(ids(bulk)).toEqual([P.home]);
      expect((await call(sb, `/wiki/api/v2/footer-comments/${C.restrictedReply}`, bob)).status).toBe(404);
      expect((await call(sb, `/wiki/api/v2/footer-comments/${C.restrictedReply}`, alice)).status).toBe(200);
      expect((await call(sb, `/wiki/api/v2/footer-comments/${C.restrictedRoot}/children`, bob)).status).toBe(404);
      expect((await call(sb, `/wiki/api/v2/databases/${SEED.restrictedDatabase}`, bob)).status).toBe(404);
      const cql = encodeURIComponent(`type=page AND ancestor=${P.home}`);
      const found = await call<{ results: { content: { id: string } }[] }>(sb, `/wiki/rest/api/search?cql=${cql}&limit=100`, bob);
      expect(found.json.results.map((r) => r.content.id)).not.toContain(P.restricted);
    });

    it('answers 401 FAILURE_CLIENT_SCOPE_CHECK on database row paths for everyone', async () => {
      for (const who of ['app', alice, bob] as const) {
        for (const sub of ['entries', 'content', 'children', 'export', 'entries/1']) {
          for (const method of ['GET', 'POST']) {
            const r = await call(sb, `/wiki/api/v2/databases/${SEED.database}/${sub}`, who, { method, ...(method === 'POST' ? { body: '{}' } : {}) });
            expect([sub, method, r.status, r.headers.get('x-failure-category')]).toEqual([sub, method, 401, 'FAILURE_CLIENT_SCOPE_CHECK']);
            expect(r.json).toEqual({ code: 401, message: 'Unauthorized; scope does not match' });
          }
        }
      }
      // …while the reachable database routes work.
      expect((await call(sb, `/wiki/api/v2/databases/${SEED.database}`)).status).toBe(200);
    });
  });

  describe('pages and versions', () => {
    it('returns 409 on a stale version and stores a new version on current+1', async () => {
      const path = `/wiki/api/v2/pages/${P.faq}`;
      const put = (n: number, title: string): Promise<{ status: number; json: Obj }> => call<Obj>(sb, path, alice, {
        method: 'PUT', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: P.faq, status: 'current', title, body: { representation: 'storage', value: `<p>${title}</p>` }, version: { number: n, message: 'edit' } }),
      });
      expect((await put(1, 'Stale')).status).toBe(409);
      expect((await put(3, 'Too far')).status).toBe(409);
      const ok = await put(2, 'FAQ v2');
      expect(ok.status).toBe(200);
      expect((ok.json['version'] as Obj)['number']).toBe(2);
      const now = await call<Obj>(sb, `${path}?body-format=storage`);
      expect(now.json['title']).toBe('FAQ v2');
      expect(((now.json['body'] as Obj)['storage'] as Obj)['value']).toBe('<p>FAQ v2</p>');
      const old = await call<Obj>(sb, `${path}?version=1`);
      expect(old.json['title']).toBe('FAQ');
      const versions = await call<ListBody>(sb, `${path}/versions`);
      expect(versions.json.results.map((v) => v['number'])).toEqual([2, 1]);
      expect((await put(2, 'Again')).status).toBe(409);
      expect((await call(sb, path, alice, { method: 'PUT', body: 'not json' })).status).toBe(400);
    });

    it('serves ADF as a JSON string plus storage and rendered views of the same content', async () => {
      const get = async (f: string): Promise<string> => {
        const r = await call<{ body: Record<string, { representation: string; value: string }> }>(sb, `/wiki/api/v2/pages/${P.rich}?body-format=${f}`);
        expect(r.json.body[f]?.representation).toBe(f);
        return r.json.body[f]?.value ?? '';
      };
      const adf = JSON.parse(await get('atlas_doc_format')) as { type: string; content: unknown[] };
      expect(adf.type).toBe('doc');
      const raw = JSON.stringify(adf);
      for (const t of ['"panel"', '"expand"', '"nestedExpand"', '"taskList"', '"decisionList"', '"layoutSection"', '"mediaSingle"', '"mediaGroup"', '"blockCard"', '"inlineCard"', '"status"', '"mention"', '"emoji"', '"date"', '"extension"', '"rowspan"', '"colspan"', '"subsup"', '"textColor"', '"annotation"']) {
        expect([t, raw.includes(t)]).toEqual([t, true]);
      }
      expect(raw).toContain(SEED.markers.orphan);
      expect(raw).not.toContain(SEED.markers.dangling);
      // Links to seed pages were rebased to this server's URL.
      expect(raw).toContain(`${sb.url}/wiki/spaces/DEMO/pages/${P.install}/`);
      const storage = await get('storage');
      expect(storage).toContain('<ac:structured-macro ac:name="toc"');
      expect(storage).toContain(`<ac:inline-comment-marker ac:ref="${SEED.markers.open}">`);
      expect(storage).toContain('<ol start="3">');
      const view = await get('view');
      expect(view).not.toContain('<ac:');
      expect(view).toContain('Alice Author');
      expect(view).toContain('Unknown macro: {mystery-widget}');
      expect(await get('export_view')).toContain(`${sb.url}/wiki/download/attachments/${P.rich}/diagram.png`);
      expect(await get('styled_view')).toMatch(/^<html><head><style>/);
      expect((await call(sb, `/wiki/api/v2/pages/${P.rich}?body-format=wiki`)).status).toBe(400);
      expect((await call(sb, `/wiki/api/v2/pages?body-format=view`)).status).toBe(400);
    });

    it('fetches up to 250 pages by id in one call and rejects 251', async () => {
      const gen = generateSite({ pages: 300, paragraphsPerPage: 2 });
      const big = await startConfluence({ site: gen.site });
      try {
        const ids = [...gen.site.contents.keys()].slice(0, 250);
        const r = await call<ListBody<{ id: string; body: { atlas_doc_format: { value: string } } }>>(big, `/wiki/api/v2/pages?limit=250&body-format=atlas_doc_format&${ids.map((i) => `id=${i}`).join('&')}`);
        expect(r.status).toBe(200);
        expect(r.json.results.map((p) => p.id).sort()).toEqual([...ids].sort());
        expect(r.json.results.every((p) => (JSON.parse(p.body.atlas_doc_format.value) as { type: string }).type === 'doc')).toBe(true);
        const more = [...gen.site.contents.keys()].slice(0, 251);
        expect((await call(big, `/wiki/api/v2/pages?${more.map((i) => `id=${i}`).join('&')}`)).status).toBe(400);
        expect(big.requests).toHaveLength(2);
      } finally {
        await big.close();
      }
    });
  });

  describe('comments', () => {
    it('lists only root comments and nests replies three levels deep', async () => {
      const roots = await call<ListBody>(sb, `/wiki/api/v2/pages/${P.rich}/footer-comments`);
      expect(roots.json.results.map((c) => c['id'])).toEqual([C.footerRoot, C.footerRoot2]);
      const l1 = await call<ListBody>(sb, `/wiki/api/v2/footer-comments/${C.footerRoot}/children`);
      expect(l1.json.results.map((c) => c['id'])).toEqual([C.footerReply]);
      const l2 = await call<ListBody>(sb, `/wiki/api/v2/footer-comments/${C.footerReply}/children`);
      expect(l2.json.results.map((c) => c['id'])).toEqual([C.footerReplyReply]);
      const one = await call<Obj>(sb, `/wiki/api/v2/footer-comments/${C.footerReplyReply}?body-format=storage`);
      expect(one.json['parentCommentId']).toBe(C.footerReply);
      // Kinds do not mix: a footer id is not an inline comment.
      expect((await call(sb, `/wiki/api/v2/inline-comments/${C.footerRoot}`)).status).toBe(404);
    });

    it('has inline comments in every resolution state, filterable', async () => {
      const all = await call<ListBody>(sb, `/wiki/api/v2/pages/${P.rich}/inline-comments`);
      const states = Object.fromEntries(all.json.results.map((c) => [c['id'], c['resolutionStatus']]));
      expect(states).toEqual({
        [C.inlineOpen]: 'open', [C.inlineResolved]: 'resolved', [C.inlineReopened]: 'reopened', [C.inlineDangling]: 'dangling', [C.inlineChanged]: 'open',
      });
      const resolved = await call<ListBody>(sb, `/wiki/api/v2/pages/${P.rich}/inline-comments?resolution-status=resolved&resolution-status=dangling`);
      expect(resolved.json.results.map((c) => c['id']).sort()).toEqual([C.inlineResolved, C.inlineDangling].sort());
      expect((await call(sb, `/wiki/api/v2/pages/${P.rich}/inline-comments?resolution-status=closed`)).status).toBe(400);
      const one = await call<Obj>(sb, `/wiki/api/v2/inline-comments/${C.inlineResolved}`);
      expect(one.json['resolutionLastModifierId']).toBe(SEED.users.alice);
      expect(typeof one.json['resolutionLastModifiedAt']).toBe('string');
      const changed = await call<Obj>(sb, `/wiki/api/v2/inline-comments/${C.inlineChanged}`);
      expect(changed.json['properties']).toEqual({ inlineMarkerRef: SEED.markers.changed, inlineOriginalSelection: 'original wording' });
      const replies = await call<ListBody>(sb, `/wiki/api/v2/inline-comments/${C.inlineOpen}/children`);
      expect(replies.json.results.map((c) => c['id'])).toEqual([C.inlineOpenReply]);
    });
  });

  describe('trees', () => {
    it('returns ancestors top-down and the spec default descendant depth of 2', async () => {
      const anc = await call<ListBody>(sb, `/wiki/api/v2/pages/${P.section}/ancestors`);
      expect(anc.json.results).toEqual([{ id: P.home, type: 'page' }, { id: P.guide, type: 'page' }, { id: P.chapter, type: 'page' }]);
      const d = await call<ListBody>(sb, `/wiki/api/v2/pages/${P.home}/descendants?limit=250`);
      expect(Math.max(...d.json.results.map((x) => Number(x['depth'])))).toBe(2);
      const types = new Set((await call<ListBody>(sb, `/wiki/api/v2/pages/${P.home}/descendants?depth=3&limit=250`)).json.results.map((x) => x['type']));
      expect([...types].sort()).toEqual(['database', 'folder', 'page', 'whiteboard']);
    });

    it('caps descendants at depth 10 in a generated tree deeper than 10', async () => {
      const gen = generateSite({ pages: 1200, paragraphsPerPage: 1 });
      const big = await startConfluence({ site: gen.site });
      try {
        const { items } = await collect(big, `/wiki/api/v2/pages/${gen.rootId}/descendants?depth=10&limit=250`);
        expect(Math.max(...items.map((x) => Number(x['depth'])))).toBe(10);
        const deepest = Math.max(...[...gen.site.contents.keys()].map((id) => gen.site.ancestorIds(id).length));
        expect(deepest).toBeGreaterThan(10);
        expect(items.length).toBeLessThan(1199); // deeper pages need a second call
        expect((await call(big, `/wiki/api/v2/pages/${gen.rootId}/descendants?depth=11`)).status).toBe(400);
        expect((await call(big, `/wiki/api/v2/pages/${gen.rootId}/descendants?depth=0`)).status).toBe(400);
      } finally {
        await big.close();
      }
    });
  });

  describe('limits and faults', () => {
    it('answers 429 with Retry-After after the budget, then recovers', async () => {
      sb.setRateLimit({ budget: 3, retryAfterSeconds: 1 });
      const path = `/wiki/api/v2/pages/${P.home}`;
      const first = await call(sb, path);
      expect(first.headers.get('x-ratelimit-limit')).toBe('3');
      expect(first.headers.get('x-ratelimit-remaining')).toBe('2');
      await call(sb, path);
      await call(sb, path);
      const limited = await call(sb, path);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('1');
      expect(Date.parse(limited.headers.get('x-ratelimit-reset') ?? '')).toBeGreaterThan(Date.now() - 1000);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await call(sb, path)).status).toBe(200);
      sb.setRateLimit(null);
      // Back to the points budget's own headers (points.test.ts covers them) and the burst's.
      const after = await call(sb, path);
      expect(after.headers.get('x-ratelimit-limit')).toBe('350');
      expect(after.headers.get('beta-ratelimit-policy')).toContain(`q=${String(sb.points.limit)}`);
    });

    it('injects 503, 429 and dropped sockets only on matching requests, the given number of times', async () => {
      sb.injectFault({ match: /^GET \/wiki\/api\/v2\/pages\/65537$/, kind: 503, times: 2 });
      expect((await call(sb, `/wiki/api/v2/pages/${P.guide}`)).status).toBe(200);
      expect((await call(sb, `/wiki/api/v2/pages/${P.home}`)).status).toBe(503);
      expect((await call(sb, `/wiki/api/v2/pages/${P.home}`)).status).toBe(503);
      expect((await call(sb, `/wiki/api/v2/pages/${P.home}`)).status).toBe(200);
      sb.injectFault({ kind: 429, times: 1, retryAfter: '7' });
      const r = await call(sb, `/wiki/api/v2/pages/${P.home}`);
      expect([r.status, r.headers.get('retry-after')]).toEqual([429, '7']);
      sb.injectFault({ kind: 'drop', times: 1 });
      await expect(fetch(`${sb.url}/wiki/api/v2/pages/${P.home}`, { headers: { 'x-sandbox-principal': 'app' } })).rejects.toThrow();
      expect(sb.requests[sb.requests.length - 1]?.status).toBe(0);
      expect((await call(sb, `/wiki/api/v2/pages/${P.home}`)).status).toBe(200);
    });

    it('waits the configured latency before answering', async () => {
      sb.setLatency(150);
      const t = Date.now();
      await call(sb, `/wiki/api/v2/pages/${P.home}`);
      expect(Date.now() - t).toBeGreaterThanOrEqual(140);
    });
  });

  describe('attachments', () => {
    const bytes = Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0xff, 0x0d, 0x0a, 0x2d, 0x2d, 0x0d, 0x0a, 0x80, 0x00, 0xfe]);
    const upload = (method: string, token: boolean, name = 'export.zip', data: Uint8Array = bytes): Promise<{ status: number; json: Obj }> => {
      const mp = multipart([{ name: 'file', filename: name, type: 'application/zip', data }, { name: 'minorEdit', data: 'true' }, { name: 'comment', data: 'Exported' }]);
      return call<Obj>(sb, `/wiki/rest/api/content/${P.guide}/child/attachment`, alice, {
        method, headers: { 'content-type': mp.contentType, ...(token ? { 'x-atlassian-token': 'nocheck' } : {}) }, body: mp.body,
      });
    };

    it('refuses uploads without X-Atlassian-Token: nocheck (403)', async () => {
      const r = await upload('POST', false);
      expect(r.status).toBe(403);
      expect(r.json).toBe('XSRF check failed');
    });

    it('round-trips binary bytes exactly and versions same-named files on PUT', async () => {
      const created = await upload('POST', true);
      expect(created.status).toBe(200);
      const result = (created.json['results'] as Obj[])[0] ?? {};
      expect(result['title']).toBe('export.zip');
      const list = await call<ListBody<{ id: string; downloadLink: string; fileSize: number; mediaType: string }>>(sb, `/wiki/api/v2/pages/${P.guide}/attachments`);
      const att = list.json.results.find((x) => x.id === result['id']);
      expect(att?.fileSize).toBe(bytes.length);
      expect(att?.mediaType).toBe('application/zip');
      // The v2 downloadLink (the servlet) takes a browser session, and answers API callers 401.
      const servlet = `${list.json._links.base ?? ''}${att?.downloadLink ?? ''}`;
      const dl = await fetch(servlet, { headers: { cookie: `${SESSION_COOKIE}=${SEED.users.alice}` } });
      expect(new Uint8Array(await dl.arrayBuffer())).toEqual(bytes);
      const api = await fetch(servlet, { headers: { 'x-sandbox-principal': alice } });
      expect([api.status, api.headers.get('www-authenticate')]).toEqual([401, `OAuth realm="${sb.url}/wiki"`]);
      // Same name again: POST refuses, PUT makes version 2.
      expect((await upload('POST', true)).status).toBe(400);
      const v2bytes = Uint8Array.from([...bytes, 1, 2, 3]);
      const updated = await upload('PUT', true, 'export.zip', v2bytes);
      expect(((updated.json['results'] as Obj[])[0]?.['version'] as Obj)['number']).toBe(2);
      // The REST download: 302 to a signed URL on the media host (another origin), which serves the
      // bytes with no credentials, as recorded (../shared/real-responses/v1/attachment-download.redirect.txt).
      const rest = `${sb.url}/wiki/rest/api/content/${P.guide}/child/attachment/${String(result['id'])}/download`;
      const redirect = await fetch(rest, { headers: { 'x-sandbox-principal': alice }, redirect: 'manual' });
      expect(redirect.status).toBe(302);
      const location = new URL(redirect.headers.get('location') ?? '');
      expect(location.origin).toBe(sb.media.url);
      expect(location.origin).not.toBe(sb.url);
      expect(location.searchParams.get('token')).toBeTruthy();
      const v1dl = await fetch(location);
      expect(v1dl.status).toBe(200);
      expect(new Uint8Array(await v1dl.arrayBuffer())).toEqual(v2bytes);
      expect(sb.media.requests.at(-1)).toMatchObject({ status: 200, credentials: false });
      location.searchParams.set('token', 'forged');
      expect((await fetch(location)).status).toBe(401);
      const old = await fetch(`${rest}?version=1`, { headers: { 'x-sandbox-principal': alice } });
      expect(new Uint8Array(await old.arrayBuffer())).toEqual(bytes);
    });

    it('serves seed attachment bytes, and 404s them for users who cannot see the page', async () => {
      const a = await call<{ downloadLink: string; _links: { base: string } }>(sb, `/wiki/api/v2/attachments/${SEED.attachments.image}`);
      const session = (accountId: string) => ({ headers: { cookie: `${SESSION_COOKIE}=${accountId}` } });
      const png = new Uint8Array(await (await fetch(a.json._links.base + a.json.downloadLink, session(SEED.users.bob))).arrayBuffer());
      expect([...png.slice(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
      sb.site.restrict(P.rich, [SEED.users.alice]);
      expect((await call(sb, `/wiki/api/v2/attachments/${SEED.attachments.image}`, bob)).status).toBe(404);
      expect((await fetch(a.json._links.base + a.json.downloadLink, session(SEED.users.bob))).status).toBe(404);
      expect((await fetch(a.json._links.base + a.json.downloadLink)).status).toBe(401); // no session
    });
  });

  describe('search, users, spaces', () => {
    it('supports type, space, ancestor, title~ and id in (…) combined with AND', async () => {
      const q = async (cql: string): Promise<string[]> => {
        const r = await call<{ results: { content: { id: string } }[] }>(sb, `/wiki/rest/api/search?cql=${encodeURIComponent(cql)}&limit=100`);
        expect([cql, r.status]).toEqual([cql, 200]);
        return r.json.results.map((x) => x.content.id);
      };
      expect(await q(`type=page AND space=DEMO AND ancestor=${P.guide}`)).toEqual([P.chapter, P.section, P.rich].sort());
      expect(await q('type = page AND title ~ "chapter"')).toEqual([P.chapter]);
      expect(await q(`id in (${P.faq}, ${P.install}) AND type=page`)).toEqual([P.install, P.faq].sort());
      expect(await q('type=blogpost AND space=DEMO')).toEqual([SEED.blog]);
      expect(await q('space=OPS')).toEqual([P.opsHome]);
      expect((await call(sb, `/wiki/rest/api/search?cql=${encodeURIComponent('type=page OR space=DEMO')}`)).status).toBe(400);
      expect((await call(sb, '/wiki/rest/api/search')).status).toBe(400);
    });

    it('pages search results with an opaque cursor', async () => {
      const first = await call<{ results: unknown[]; totalSize: number; _links: { next?: string; base: string } }>(sb, `/wiki/rest/api/search?cql=${encodeURIComponent('space=DEMO')}&limit=5`);
      expect(first.json.results).toHaveLength(5);
      const next = first.json._links.next ?? '';
      expect(next).toMatch(/^\/rest\/api\/search\?/);
      const second = await call<{ results: unknown[]; start: number }>(sb, `/wiki${next}`);
      expect(second.json.start).toBe(5);
    });

    it('resolves account ids in bulk and finds spaces by key', async () => {
      const r = await call<{ results: { accountId: string; displayName: string }[] }>(sb, '/wiki/api/v2/users-bulk', 'app', {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accountIds: [SEED.users.bob, 'missing'] }),
      });
      expect(r.json.results).toEqual([expect.objectContaining({ accountId: SEED.users.bob, displayName: 'Bob Builder' })]);
      expect((await call(sb, '/wiki/api/v2/users-bulk', 'app', { method: 'POST', body: JSON.stringify({ accountIds: [] }) })).status).toBe(400);
      const s = await call<ListBody>(sb, '/wiki/api/v2/spaces?keys=DEMO');
      expect(s.json.results.map((x) => [x['id'], x['homepageId']])).toEqual([[SEED.space.id, P.home]]);
    });
  });
});

describe('generator', () => {
  // Plain node (tsx) builds 10,000 pages in about 3 s; jest's transformed modules are slower,
  // hence the looser bound here.
  it('builds 10,000 realistic pages deterministically', () => {
    const t = Date.now();
    const { site, rootId } = generateSite({ pages: 10_000, seed: 7 });
    expect(Date.now() - t).toBeLessThan(25_000);
    expect(site.contents.size).toBe(10_000);
    const sizes = [...site.contents.values()].slice(0, 100).map((c) => JSON.stringify(c.adf).length);
    expect(Math.min(...sizes)).toBeGreaterThan(5_000);
    expect(Math.max(...sizes)).toBeLessThan(20_000);
    const again = generateSite({ pages: 50, seed: 7 });
    const first = generateSite({ pages: 50, seed: 7 });
    expect(JSON.stringify([...again.site.contents.values()].map((c) => [c.id, c.parentId, c.title, c.adf])))
      .toBe(JSON.stringify([...first.site.contents.values()].map((c) => [c.id, c.parentId, c.title, c.adf])));
    expect(site.content(rootId)?.parentId).toBeNull();
  });
});
