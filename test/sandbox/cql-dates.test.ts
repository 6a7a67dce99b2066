// CQL date fields of the local Confluence (lastmodified, created): the change search an incremental
// export runs, `ancestor = <root> and lastmodified > "<date>"`, over real HTTP.
import { startConfluence, type ConfluenceSandbox } from '../../sandbox/confluence/server';
import { generateSite } from '../../sandbox/confluence/generate';
import { parseCql, parseCqlDate } from '../../sandbox/confluence/cql';
import * as a from '../../sandbox/confluence/adf';
import { PointsBudget } from '../../sandbox/confluence/points';
import { call } from './helpers';

const cqlDate = (iso: string): string => iso.slice(0, 16).replace('T', ' '); // yyyy-MM-dd HH:mm

describe('CQL dates', () => {
  it('reads the documented formats as UTC, and refuses others', () => {
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
    });
  });
});
