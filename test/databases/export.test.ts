import type * as Md from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';
import { EXPORT_SCHEMA, exportInspection } from '../../src/databases/export';
import { inspectDatabase } from '../../src/databases/inspect';
import type { DatabaseInspection } from '../../src/shared/databases';
import { database, fakeClient, httpError } from './fakes';

const hostile = 'Q3 | plan *draft* <script>alert(1)</script> [x](javascript:1)';

async function sample(): Promise<DatabaseInspection> {
  const client = fakeClient({
    getDatabase: async (id) => database({ id, title: hostile }),
    databaseClassification: async () => { throw httpError(403, 'FORBIDDEN'); },
  });
  return inspectDatabase(client, '500', { now: () => new Date('2024-05-05T00:00:00Z') });
}

const textOf = (n: Md.Nodes): string => ('value' in n ? n.value : 'children' in n ? n.children.map(textOf).join('') : '');

describe('exportInspection', () => {
  it('JSON carries the inspection itself, under a schema name', async () => {
    const i = await sample();
    const out = exportInspection(i, 'json');
    expect(out.mediaType).toBe('application/json');
    expect(out.fileName.endsWith('.json')).toBe(true);
    expect(JSON.parse(out.content)).toEqual({ schema: EXPORT_SCHEMA, inspection: i });
  });

  it('Markdown has every section, with user text escaped so it reads back the same', async () => {
    const i = await sample();
    const out = exportInspection(i, 'md');
    expect(out.mediaType).toBe('text/markdown');
    expect(out.fileName).not.toMatch(/[|*<>]/);
    const tree = fromMarkdown(out.content, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
    const headings = tree.children.filter((n): n is Md.Heading => n.type === 'heading');
    expect(headings[0] && textOf(headings[0])).toBe(`Database: ${hostile}`);
    expect(headings.filter((h) => h.depth === 2).map(textOf)).toEqual([
      'Metadata', 'Breadcrumb', 'Collaborators', 'Permitted operations (for you)', 'Classification level',
      'Direct children (1)', 'Descendants (1)', 'Content properties (1)', 'Rows',
    ]);
    // No raw HTML or link leaked from the title.
    expect(tree.children.some((n) => n.type === 'html')).toBe(false);
    const tables = tree.children.filter((n): n is Md.Table => n.type === 'table');
    const probeTable = tables[tables.length - 1]!;
    expect(probeTable.children.slice(1).map((r) => r.children.map(textOf))).toEqual(
      i.rows.probes.map((p) => [p.path, String(p.status), p.failureCategory ?? '', p.message]),
    );
    expect(out.content).toContain('Rows were not read.');
    expect(out.content).toContain(i.rows.whatToDo);
    expect(out.content).toMatch(/Not available: Confluence answered 403/);
    const code = tree.children.find((n): n is Md.Code => n.type === 'code');
    expect(code).toMatchObject({ lang: 'json', value: '{\n  "a": 1\n}' });
  });

  it('Markdown says how many more items were left out', async () => {
    const i = await sample();
    if (!i.descendants.ok) throw new Error('descendants missing');
    i.descendants = { ok: true, data: { ...i.descendants.data, total: 250, more: 249, complete: false, note: 'Counting stopped at 250; there may be more.' } };
    const md = exportInspection(i, 'md').content;
    expect(md).toContain('## Descendants (250+)');
    expect(md).toContain('…and 249+ more not shown. Counting stopped at 250; there may be more.');
  });
});
