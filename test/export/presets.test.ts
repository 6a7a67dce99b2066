/** The pure parts of tree-export presets: page properties, report queries, rewrites, tables, slugs. */
import { adfToMarkdown } from '../../src/export/markdown';
import { normaliseKey, pageProperties, reportQuery } from '../../src/export/presets/properties';
import { resolveHref, rewriteTree, wikilink } from '../../src/export/presets/rewrite';
import { propertiesTable, treePlaces, type PropertyRow } from '../../src/export/presets/site';
import type { AdfNode } from '../../src/export/adf';
import { presetRun, relativeUrl } from '../../src/export/presets/tree';
import { mkdocsHome } from '../../src/export/presets/site';

const row = (k: string, v: AdfNode[]): AdfNode => ({ type: 'tableRow', content: [
  { type: 'tableHeader', content: [{ type: 'paragraph', content: [{ type: 'text', text: k }] }] },
  { type: 'tableCell', content: v },
] });
const para = (...content: AdfNode[]): AdfNode => ({ type: 'paragraph', content });
const t = (text: string): AdfNode => ({ type: 'text', text });
const details = (...rows: AdfNode[]): AdfNode => ({ type: 'bodiedExtension', attrs: { extensionKey: 'details' }, content: [{ type: 'table', content: rows }] });

describe('page properties', () => {
  it('normalises keys per preset and reports keys changed beyond case and spacing', () => {
    expect(normaliseKey('Review Date', '_')).toBe('review_date');
    expect(normaliseKey('  Über-Größe (cm) ', '-')).toBe('über-größe-cm');
    const doc = details(
      row('Review Date', [para(t('2024-07-01'))]),
      row('Cost (€)', [para(t('12'))]),
      row('Title', [para(t('Not the page title'))]),
      row('%%', [para(t('no key'))]),
      row('review date', [para(t('second value loses'))]),
    );
    const { properties, report } = pageProperties(doc, { sep: '_' });
    // Properties have their own front-matter key (confluence.properties): `title` there is just a property.
    expect(properties).toEqual({ review_date: '2024-07-01', cost: '12', title: 'Not the page title' });
    expect(report.map((e) => e.detail)).toEqual([
      'The page property "Cost (€)" became the front-matter key "cost".',
      'The page property "%%" has no letters or digits to make a front-matter key of; it was left out.',
    ]);
  });

  it('reads lists as lists and links as their (rewritten) URLs', () => {
    const link = (href: string, text: string): AdfNode => ({ type: 'text', text, marks: [{ type: 'link', attrs: { href } }] });
    const doc = details(
      row('Tags', [{ type: 'bulletList', content: [{ type: 'listItem', content: [para(t('a'))] }, { type: 'listItem', content: [para(t('b c'))] }] }]),
      row('Spec', [para(link('https://x.test/wiki/spaces/D/pages/1/P', 'the spec'))]),
      row('Both', [para(link('https://a.test/', 'A'), t(' and '), { type: 'inlineCard', attrs: { url: 'https://b.test/' } })]),
    );
    const { properties } = pageProperties(doc, { sep: '-', rewrite: (h) => (h.includes('/pages/1/') ? '../P/index.md' : undefined) });
    expect(properties).toEqual({ tags: ['a', 'b c'], spec: '../P/index.md', both: ['https://a.test/', 'https://b.test/'] });
  });

  it('takes labels from the report parameters and label clauses of its CQL, keeping the rest', () => {
    expect(reportQuery({ label: 'docs, setup' })).toEqual({ labels: ['docs', 'setup'] });
    expect(reportQuery({ cql: 'label = "docs" and label in ("a", b)' })).toEqual({ labels: ['docs', 'a', 'b'] });
    expect(reportQuery({ cql: 'label = docs and space = DEMO' })).toEqual({ labels: ['docs'], cql: 'label = docs and space = DEMO' });
  });

  it('a properties table links pages, re-bases link values, escapes cells, filters by known labels', () => {
    const rows: PropertyRow[] = [
      { id: '1', title: 'A | B', file: 'R/A/index.md', properties: { owner: 'x*y', see: '../C/index.md' }, labels: ['docs'] },
      { id: '2', title: 'C', file: 'R/C/index.md', properties: { owner: 'z' }, labels: ['other'] },
    ];
    const files = new Set(['R/A/index.md', 'R/C/index.md', 'R/index.md']);
    const all = propertiesTable(rows, { from: 'R/index.md', obsidian: false, labels: [], files });
    expect(all.table).toBe('| Title | owner | see |\n| --- | --- | --- |\n| [A \\| B](A/index.md) | x\\*y | [C](C/index.md) |\n| [C](C/index.md) | z |  |');
    expect(propertiesTable(rows, { from: 'R/index.md', obsidian: false, labels: ['DOCS'], files }).rows).toBe(1);
    expect(propertiesTable(rows, { from: 'R/index.md', obsidian: true, labels: [], files }).table).toContain('| [[R/A/index\\|A B]] |');
  });
});

describe('preset rewrites', () => {
  const convert = (style: 'obsidian' | 'mkdocs' | 'docusaurus', content: AdfNode[], exists: (p: string) => boolean = () => false, linkRewrite?: (h: string) => string | undefined): string =>
    adfToMarkdown({ type: 'doc', content }, { verify: false, linkRewrite, rewrite: (tree, ser) => rewriteTree(tree, { style, file: 'R/P/index.md', exists, serialize: ser }) }).markdown;
  const panel = (type: string, ...content: AdfNode[]): AdfNode => ({ type: 'panel', attrs: { panelType: type }, content });
  const expand = (title: string, ...content: AdfNode[]): AdfNode => ({ type: 'expand', attrs: { title }, content });

  it('docusaurus: nested admonitions get longer fences so the inner one does not close the outer', () => {
    const md = convert('docusaurus', [expand('x', para(t('y'))), panel('warning', para(t('outer')), panel('error', para(t('inner'))))]);
    expect(md).toContain('::::warning\n\nouter\n\n:::danger\n\ninner\n\n:::\n\n::::');
    // Expands stay <details>, which Docusaurus renders.
    expect(md).toContain('<details>\n<summary>x</summary>');
  });

  it('mkdocs: titles are quoted, bodies indented (blank lines inside code stay blank)', () => {
    const md = convert('mkdocs', [expand('Say "hi"', para(t('a')), { type: 'codeBlock', attrs: { language: 'js' }, content: [t('x()\n\ny()')] }), panel('tip', para(t('t')))]);
    expect(md).toContain('??? note "Say \'hi\'"\n\n    a\n\n    ```js\n    x()\n\n    y()\n    ```');
    expect(md).toContain('!!! tip\n\n    t\n');
  });

  it('obsidian: callouts, foldable expands, wikilinks only to files of the export', () => {
    const exists = (p: string) => p === 'R/Q/Q.md' || p === 'R/P/_attachments/a b.png';
    const link = (href: string, text: string): AdfNode => ({ type: 'text', text, marks: [{ type: 'link', attrs: { href } }] });
    const md = convert('obsidian', [
      panel('success', para(t('ok'))),
      expand('More', para(link('../Q/Q.md#Install', 'Q page'), t(' '), link('../Gone/Gone.md', 'gone'), t(' '), link('https://e.test/', 'web'))),
      { type: 'mediaSingle', content: [{ type: 'media', attrs: { type: 'file', id: 'f1', alt: 'a b.png' } }] },
    ], exists);
    expect(md).toContain('> [!success]\n> ok');
    expect(md).toContain('> [!note]- More\n> [[R/Q/Q#Install|Q page]] [gone](../Gone/Gone.md) [web](https://e.test/)');
    expect(wikilink('R/Q/Q.md', 'Q', false)).toBe('[[R/Q/Q]]');
    expect(resolveHref('R/P/P.md', '_attachments/a%20b.png')).toEqual({ path: 'R/P/_attachments/a b.png', hash: '' });
    expect(resolveHref('R/P.md', '../../x.md')).toBeUndefined();
  });

  it('slugs follow the tree, unique among siblings, positions in tree order', () => {
    const places = treePlaces([
      { id: '1', title: 'Root', type: 'page', dir: 'Root' },
      { id: '2', title: 'A b', type: 'page', parentId: '1', dir: 'Root/A b' },
      { id: '3', title: 'A-B', type: 'page', parentId: '1', dir: 'Root/A-B' },
      { id: '4', title: 'c', type: 'page', parentId: '3', dir: 'Root/A-B/c' },
    ]);
    expect([...places.values()]).toEqual([
      { slug: '/root', position: 1 },
      { slug: '/root/a-b', position: 1 },
      { slug: '/root/a-b-2', position: 2 },
      { slug: '/root/a-b-2/c', position: 1 },
    ]);
  });
});

describe('preset layout', () => {
  it('an Obsidian folder note gives way to index.md when a child page\'s folder has its name', () => {
    const run = presetRun({ format: 'md', preset: 'obsidian', frontMatter: true, comments: false, anchors: false, attachments: false }, [
      { id: '1', title: 'Foo', type: 'page', dir: 'Foo' },
      { id: '2', title: 'Foo.md', type: 'page', parentId: '1', dir: 'Foo/Foo.md' },
    ]);
    expect(run.pageFile('Foo', 'md')).toBe('Foo/index.md');
    expect(run.pageFile('Foo/Foo.md', 'md')).toBe('Foo/Foo.md/Foo.md.md');
    // MkDocs puts every page under docs/, beside mkdocs.yml.
    const mk = presetRun({ format: 'md', preset: 'mkdocs', frontMatter: true, comments: false, anchors: false, attachments: false }, [{ id: '1', title: 'R', type: 'page', dir: 'R' }]);
    expect(mk.nodes[0]?.dir).toBe('docs/R');
    // Presets shape Markdown only: an HTML tree keeps the generic layout.
    expect(presetRun({ format: 'html', preset: 'mkdocs', frontMatter: true, comments: false, anchors: false, attachments: false }, []).preset.name).toBe('gfm');
  });
});

describe('addresses as the site generators serve pages (links in raw HTML)', () => {
  it('relates two URL paths', () => {
    expect(relativeUrl('/demo-home/installation', '/demo-home/faq')).toBe('./faq');
    expect(relativeUrl('/demo-home', '/demo-home/faq')).toBe('./demo-home/faq');
    expect(relativeUrl('/a/b/c', '/a/x')).toBe('../x');
    expect(relativeUrl('/a/b/c', '/a/b')).toBe('../b');
  });

  it('rewrites href in raw HTML, and Docusaurus drops the link to its title anchor', () => {
    const tree = {
      type: 'root' as const,
      children: [
        { type: 'heading' as const, depth: 1 as const, children: [{ type: 'text' as const, value: 'Rich page' }] },
        { type: 'list' as const, ordered: false, spread: false, children: [{ type: 'listItem' as const, spread: false, children: [{ type: 'paragraph' as const, children: [{ type: 'link' as const, url: '#rich-page', children: [{ type: 'text' as const, value: 'Rich page' }] }] }] }] },
        { type: 'html' as const, value: '<table><tr><td><a href="../FAQ/index.md">FAQ</a> <a href="https://x.test/?a=1&amp;b=2">out</a></td></tr></table>' },
      ],
    };
    rewriteTree(tree, { style: 'docusaurus', file: 'A/Rich/index.md', exists: () => true, serialize: () => '', htmlHref: (h) => (h === '../FAQ/index.md' ? './faq' : undefined) });
    const html = tree.children[2] as { value: string };
    expect(html.value).toContain('href="./faq"');
    expect(html.value).toContain('href="https://x.test/?a=1&amp;b=2"');
    expect(JSON.stringify(tree.children[1])).not.toContain('#rich-page');
    expect(JSON.stringify(tree.children[1])).toContain('Rich page');
  });

  it('gives MkDocs a home page at the docs root that leads to the root page', () => {
    const home = mkdocsHome({ title: 'Demo [Home]' }, 'docs/Demo Home/index.md', 'docs');
    expect(home.path).toBe('docs/index.md');
    expect(home.text).toBe('# Demo \\[Home]\n\nStart at [Demo \\[Home\\]](Demo%20Home/index.md).\n');
  });
});
