// CQL date fields of the local Confluence (lastmodified, created): the change search an incremental
// export runs, `ancestor = <root> and lastmodified > "<date>"`, over real HTTP.
import { startConfluence, type ConfluenceSandbox } from '../../sandbox/confluence/server';
import { generateSite } from '../../sandbox/confluence/generate';
import { parseCql, parseCqlDate } from '../../sandbox/confluence/cql';
import * as a from '../../sandbox/confluence/adf';
import { PointsBudget } from '../../sandbox/confluence/points';
import { call } from './helpers';

/** yyyy-MM-dd HH:mm on the wall clock of the site's zone (sv-SE prints ISO-like). */
const cqlDate = (iso: string, timeZone = 'America/Los_Angeles'): string =>
  new Date(iso).toLocaleString('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });

describe('CQL dates', () => {
  it("reads a date on the site's wall clock (CONFCLOUD-70966): DST, UTC−12 and UTC+14", () => {
    expect(parseCqlDate('2026-03-02 09:30', 'America/Los_Angeles')).toBe(Date.UTC(2026, 2, 2, 17, 30));
    expect(parseCqlDate('2026-07-02 09:30', 'America/Los_Angeles')).toBe(Date.UTC(2026, 6, 2, 16, 30));
    expect(parseCqlDate('2026-03-02 09:30', 'Etc/GMT+12')).toBe(Date.UTC(2026, 2, 2, 21, 30));
    expect(parseCqlDate('2026-03-02 09:30', 'Pacific/Kiritimati')).toBe(Date.UTC(2026, 2, 1, 19, 30));
  });

  it('reads the documented formats (as UTC when no zone is given), and refuses others', () => {
    const t = Date.UTC(2026, 2, 2, 9, 30);
    expect(parseCqlDate('2026/03/02 09:30')).toBe(t);
    expect(parseCqlDate('2026-03-02 09:30')).toBe(t);
    expect(parseCqlDate('2026-03-02')).toBe(Date.UTC(2026, 2, 2));
    for (const bad of ['2026-3-2', '2026-02-30', 'yesterday', '2026-03-02T09:30']) expect(() => parseCqlDate(bad)).toThrow(/CQL/);
    expect(() => parseCql('lastmodified ~ "2026-03-02"')).toThrow(/not supported/);
    expect(() => parseCql('title > "a"')).toThrow(/not supported/);
    expect(() => parseCql('lastmodified > "soon"')).toThrow(/invalid date/);
  });

  describe('over HTTP', () => {
    let sb: ConfluenceSandbox;
    let rootId: string;
    beforeEach(async () => {
      const gen = generateSite({ pages: 60, paragraphsPerPage: 1, seed: 3 });
      rootId = gen.rootId;
      sb = await startConfluence({ site: gen.site, points: new PointsBudget({ limit: null }) });
    });
    afterEach(async () => { await sb.close(); });

    const search = async (cql: string): Promise<{ status: number; ids: string[] }> => {
      const r = await call<{ results?: Array<{ content: { id: string } }> }>(sb, `/wiki/rest/api/search?cql=${encodeURIComponent(cql)}&limit=250`);
      return { status: r.status, ids: (r.json.results ?? []).map((x) => x.content.id).sort() };
    };

    it('finds exactly the pages under the root edited after the date', async () => {
      const site = sb.site;
      const under = [...site.contents.values()].filter((c) => site.ancestorIds(c.id).includes(rootId));
      const last = under.map((c) => c.version.createdAt).sort().at(-1) ?? '';
      const edited = [under[3], under[17], under[42]].map((c) => c?.id ?? '');
      for (const id of edited) site.updatePage(id, { adf: a.doc(a.p('changed')) }, site.contents.get(id)?.authorId ?? '');
      const since = await search(`ancestor = ${rootId} and lastmodified > "${cqlDate(last)}"`);
      expect(since).toEqual({ status: 200, ids: [...edited].sort() });
      // Nothing changed after the last edit; everything was created after the epoch.
      const newest = [...site.contents.values()].map((c) => c.version.createdAt).sort().at(-1) ?? '';
      expect((await search(`ancestor = ${rootId} and lastmodified > "${cqlDate(newest)}"`)).ids).toEqual([]);
      expect((await search(`ancestor = ${rootId} and created >= "2000/01/01"`)).ids).toHaveLength(under.length);
      expect((await search(`ancestor = ${rootId} and lastmodified > "not a date"`)).status).toBe(400);
      // The same instant written as a UTC wall clock is read 8 hours later: the edits are missed.
      expect((await search(`ancestor = ${rootId} and lastmodified > "${cqlDate(last, 'UTC')}"`)).ids).toEqual([]);
    });

    it('serves the zone in settings/systemInfo (SystemInfoEntity of the v1 spec)', async () => {
      const r = await call<{ defaultTimeZone?: string; cloudId?: string }>(sb, '/wiki/rest/api/settings/systemInfo');
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ defaultTimeZone: 'America/Los_Angeles', cloudId: expect.any(String) });
      sb.site.timeZone = 'Asia/Tokyo';
      expect((await call<{ defaultTimeZone?: string }>(sb, '/wiki/rest/api/settings/systemInfo')).json.defaultTimeZone).toBe('Asia/Tokyo');
    });

    it('answers totalSize as an estimate: deterministic, a few off, sometimes 1 for nothing (markfluence)', async () => {
      const total = async (cql: string) => (await call<{ totalSize: number; size: number }>(sb, `/wiki/rest/api/search?cql=${encodeURIComponent(cql)}&limit=1`)).json.totalSize;
      const exact = [...sb.site.contents.values()].filter((c) => sb.site.ancestorIds(c.id).includes(rootId) && c.type === 'page').length;
      const queries = [`ancestor = ${rootId} and type = page`, `ancestor = ${rootId} and type in (page)`, `type = page and ancestor = ${rootId}`, `ancestor = "${rootId}" and type = page`];
      const totals = await Promise.all(queries.map(total));
      for (const t of totals) expect(Math.abs(t - exact)).toBeLessThanOrEqual(4);
      expect(totals.some((t) => t !== exact)).toBe(true);
      expect(await Promise.all(queries.map(total))).toEqual(totals);
      const empty = await Promise.all(['title = "none at all"', 'title = "nothing here"', 'title = "no such page"', 'title = "absent"'].map(total));
      expect(empty.every((t) => t === 0 || t === 1)).toBe(true);
      expect(empty).toContain(1);
    });
  });
});
