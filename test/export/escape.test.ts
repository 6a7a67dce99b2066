/**
 * Issue 21: page text escaped by the rules of the tool that reads each preset's output, with every
 * word still reaching the reader. Hostile payloads from the issue go through the real converter and
 * serializer; the exact output is asserted, and the independent verifier must find every unit.
 * (The MDX and Python-Markdown outputs were also compiled with @mdx-js/mdx 3.1.1 and Python-Markdown
 * 3.4.1 outside the repo: no ESM, expression or `on*` attribute, no `<script>`/`<svg>`/`<img onerror>`.)
 */
import { parse } from 'yaml';
import type { AdfNode } from '../../src/export/adf';
import { adfToMarkdown } from '../../src/export/markdown';
import type { Dialect } from '../../src/export/escape';
import { jsxSafe } from '../../src/export/escape';
import { squash } from '../../src/export/verify';
import { frontMatter } from '../../src/export/frontmatter';
import { pageProperties } from '../../src/export/presets/properties';
import { rewriteTree } from '../../src/export/presets/rewrite';
import { mkdocsConfig, mkdocsHome, propertiesTable } from '../../src/export/presets/site';
import { docusaurusSegment, nameKey, obsidianSegment, safeSegment, uniqueName } from '../../src/export/names';
import { withoutUnderscores } from '../../src/export/presets/tree';
import type { TreeNode } from '../../src/export/tree/plan';

const RCE = "{globalThis.process?.getBuiltinModule?.('child_process').execSync('touch /tmp/x')}";
const t = (text: string): AdfNode => ({ type: 'text', text });
const para = (...content: AdfNode[]): AdfNode => ({ type: 'paragraph', content });
const heading = (text: string): AdfNode => ({ type: 'heading', attrs: { level: 2 }, content: [t(text)] });
const doc = (...content: AdfNode[]): AdfNode => ({ type: 'doc', content });
const cellTable = (text: string): AdfNode => ({ type: 'table', content: [
  { type: 'tableRow', content: [{ type: 'tableHeader', content: [para(t('H'))] }] },
  { type: 'tableRow', content: [{ type: 'tableCell', content: [para(t(text))] }] },
] });
const users = new Map([['u1', '{alert(1)} <b>Eve</b>']]);
const mention: AdfNode = { type: 'mention', attrs: { id: 'u1', text: '@x' } };

function md(dialect: Dialect, ...content: AdfNode[]): string {
  const out = adfToMarkdown(doc(...content), { dialect, users });
  // Escaped, never dropped: the verifier (character references decoded) finds every unit.
  expect(out.fidelity?.missing).toBe(0);
  return out.markdown;
}

/** Every word of the source reaches the output (letters and digits, references decoded). */
function survives(source: string, output: string): void {
  for (const word of source.split(/\s+/)) if (squash(word)) expect(squash(output)).toContain(squash(word));
}

describe('MDX (Docusaurus, default markdown.format)', () => {
  test('an expression in a paragraph, a heading, a table cell and a mention name is text', () => {
    const out = md('mdx', para(t(RCE)), heading(`Head ${RCE}`), cellTable(RCE), para(mention));
    const escaped = "\\{globalThis.process?.getBuiltinModule?.('child_process').execSync('touch /tmp/x')\\}";
    expect(out).toBe(`${escaped}\n\n## Head ${escaped}\n\n| H${' '.repeat(escaped.length - 1)} |\n| ${'-'.repeat(escaped.length)} |\n| ${escaped} |\n\n@\\{alert(1)\\} \\<b>Eve\\</b>\n`);
    survives(RCE, out);
  });

  test('import/export at a line start is not ESM; inside a line it stays', () => {
    const out = md('mdx', para(t('export const x = 1')), para(t('import fs from "fs"')), para(t('a'), { type: 'hardBreak' }, t('export default 1')), para(t('we export data')), para(t('important')));
    expect(out).toBe('&#x65;xport const x = 1\n\n&#x69;mport fs from "fs"\n\na\\\n&#x65;xport default 1\n\nwe export data\n\nimportant\n');
  });

  test('raw HTML in text, `<`, and image alt are text', () => {
    const image: AdfNode = { type: 'mediaSingle', content: [{ type: 'media', attrs: { type: 'external', url: 'https://x.test/a.png', alt: 'alt {x} <img>' } }] };
    const out = md('mdx', para(t('<img src=x onerror=alert(1)> <svg onload=alert(1)> <script>alert(1)</script>')), image);
    expect(out).toBe('\\<img src=x onerror=alert(1)> \\<svg onload=alert(1)> \\<script>alert(1)\\</script>\n\n![alt \\{x\\} \\<img>](https://x.test/a.png)\n');
  });

  test('a bare URL is a resource link (MDX reads `<https://…>` as JSX)', () => {
    const link = { type: 'link', attrs: { href: 'https://example.com' } };
    expect(md('mdx', para({ type: 'text', text: 'https://example.com', marks: [link] }))).toBe('[https://example.com](https://example.com)\n');
    expect(md('gfm', para({ type: 'text', text: 'https://example.com', marks: [link] }))).toBe('<https://example.com>\n');
  });

  test('the converter\'s raw HTML is valid JSX, its text escaped for MDX', () => {
    const merged: AdfNode = { type: 'table', content: [
      { type: 'tableRow', content: [{ type: 'tableCell', attrs: { colspan: 2 }, content: [para(t(`${RCE} [x](javascript:alert(1)) <b>`), { type: 'hardBreak' }, t('x'))] }] },
    ] };
    const out = md('mdx', merged, { type: 'expand', attrs: { title: `Exp ${RCE}` }, content: [para(t('body'))] });
    const inHtml = "&#123;globalThis.process?.getBuiltinModule?.('child&#95;process').execSync('touch /tmp/x')&#125;";
    expect(out).toBe(`<table>\n<tr>\n<td colSpan="2">${inHtml} &#91;x&#93;(javascript:alert(1)) &lt;b&gt;<br />x</td>\n</tr>\n</table>\n\n<details>\n<summary>Exp ${inHtml}</summary>\n\nbody\n\n</details>\n`);
    survives(RCE, out);
  });

  test('jsxSafe closes void elements, renames attributes for React, keeps the report marker', () => {
    expect(jsxSafe('<td class="a" rowspan="2"><input type="checkbox" disabled checked> x<hr></td>')).toBe('<td className="a" rowSpan="2"><input type="checkbox" disabled checked /> x<hr /></td>');
    expect(jsxSafe('<!--ct-properties-report:0-->')).toBe('<!--ct-properties-report:0-->');
    expect(jsxSafe('<img src="a{b}.png" alt="x">')).toBe('<img src="a&#123;b&#125;.png" alt="x" />');
  });
});

describe('Python-Markdown (MkDocs)', () => {
  test('`<` and entity-like `&` become references (it ignores `\\<`), `{` cannot start an attribute list', () => {
    const out = md('python-markdown', para(t('<img src=x onerror=alert(1)> <svg onload=alert(1)> <script>alert(1)</script>')), heading('Title {: onmouseover=alert(1) }'), para(t('AT&amp;T & co')), para(mention));
    expect(out).toBe('&#x3C;img src=x onerror=alert(1)> &#x3C;svg onload=alert(1)> &#x3C;script>alert(1)&#x3C;/script>\n\n## Title &#x7B;: onmouseover=alert(1) }\n\nAT&#x26;amp;T & co\n\n@&#x7B;alert(1)} &#x3C;b>Eve&#x3C;/b>\n');
    survives('img src x onerror alert 1 svg onload script Title onmouseover AT amp T co Eve', out);
  });

  test('a URL keeps GFM\'s escapes (a reference there would be literal to Python-Markdown)', () => {
    const link = { type: 'link', attrs: { href: 'https://x.test/?a=1&b=2' } };
    expect(md('python-markdown', para({ type: 'text', text: 'x', marks: [link] }))).toBe('[x](https://x.test/?a=1\\&b=2)\n');
  });

  test('mkdocs.yml: no attr_list, titles HTML-escaped (MkDocs themes print them unescaped), home page escaped', () => {
    const root = { id: '1', title: 'Root <img src=x onerror=alert(1)> {: onmouseover=alert(1) }', type: 'page', dir: 'docs/Root' };
    const child = { id: '2', title: '<script>alert(1)</script>', type: 'page', parentId: '1', dir: 'docs/Root/script' };
    const fileOf = new Map([['1', 'docs/Root/index.md'], ['2', 'docs/Root/script/index.md']]);
    const config = parse(mkdocsConfig(root, [root, child], fileOf, 'docs').text) as { site_name: string; markdown_extensions: string[]; nav: unknown[] };
    expect(config.markdown_extensions).not.toContain('attr_list');
    expect(config.site_name).toBe('Root &lt;img src=x onerror=alert(1)&gt; {: onmouseover=alert(1) }');
    expect(JSON.stringify(config.nav)).toContain('"&lt;script&gt;alert(1)&lt;/script&gt;":"Root/script/index.md"');
    expect(mkdocsHome(root, 'docs/Root/index.md', 'docs').text).toBe('# Root &#x3C;img src=x onerror=alert(1)> &#x7B;: onmouseover=alert(1) }\n\nStart at [Root &#x3C;img src=x onerror=alert(1)> &#x7B;: onmouseover=alert(1) }](Root/index.md).\n');
  });
});

describe('Obsidian', () => {
  test('%%comments%%, #tags, ==highlights==, ^block ids and $math$ are text', () => {
    const out = md('obsidian', para(t('see %%hidden%% and #tag and ==mark== and ^block-1 and $x$ and [[Link]]')));
    expect(out).toBe('see &#x25;%hidden&#x25;% and &#x23;tag and &#x3D;=mark&#x3D;= and &#x5E;block-1 and &#x24;x&#x24; and \\[\\[Link]]\n');
    survives('see hidden and tag and mark and block-1 and x and Link', out);
  });

  test('a lone % or = and a # before a space are left alone', () => {
    expect(md('obsidian', para(t('50% off, a = b, # 1')))).toBe('50% off, a = b, # 1\n');
  });
});

test('GFM output is unchanged by the dialects', () => {
  expect(md('gfm', para(t(`${RCE} <b> %%x%% #t`)))).toBe(`${RCE} \\<b> %%x%% #t\n`);
});

describe('titles the presets write into Markdown syntax', () => {
  const expand = (title: string): AdfNode => ({ type: 'expand', attrs: { title }, content: [para(t('body'))] });
  const panel: AdfNode = { type: 'panel', attrs: { panelType: 'info' }, content: [para(t(RCE))] };
  const run = (style: 'obsidian' | 'mkdocs' | 'docusaurus', dialect: Dialect, ...content: AdfNode[]): string =>
    adfToMarkdown(doc(...content), { dialect, rewrite: (tree, serialize) => rewriteTree(tree, { style, file: 'R/P/index.md', exists: () => false, serialize }) }).markdown;

  test('MkDocs admonition title and body', () => {
    expect(run('mkdocs', 'python-markdown', expand('<img src=x onerror=alert(1)> {: x }'))).toBe('??? note "&#x3C;img src=x onerror=alert(1)> &#x7B;: x }"\n\n    body\n');
  });

  test('MkDocs link: the destination percent-encoded and the title in references, so Python-Markdown reads both whole', () => {
    const link = { type: 'link', attrs: { href: "https://x.test/a('b') c", title: `it's "x" <svg onload=alert(1)> & (y)` } };
    const out = run('mkdocs', 'python-markdown', para({ type: 'text', text: 'x', marks: [link] }));
    expect(out).toBe('[x](https://x.test/a%28%27b%27%29%20c "it&#x27;s &#x22;x&#x22; &#x3C;svg onload=alert&#x28;1&#x29;&#x3E; &#x26; &#x28;y&#x29;")\n');
  });

  test('Obsidian callout title', () => {
    expect(run('obsidian', 'obsidian', expand('%%gone%% #tag'))).toBe('> [!note]- &#x25;%gone&#x25;% &#x23;tag\n> body\n');
  });

  test('Docusaurus admonition body', () => {
    expect(run('docusaurus', 'mdx', panel)).toBe(":::info\n\n\\{globalThis.process?.getBuiltinModule?.('child_process').execSync('touch /tmp/x')\\}\n\n:::\n");
  });
});

describe('front matter: a fixed set of keys, properties under confluence.properties', () => {
  const row = (k: string, v: string): AdfNode => ({ type: 'tableRow', content: [
    { type: 'tableHeader', content: [para(t(k))] }, { type: 'tableCell', content: [para(t(v))] },
  ] });
  const details: AdfNode = { type: 'bodiedExtension', attrs: { extensionKey: 'details' }, content: [{ type: 'table', content: [
    row('custom_edit_url', 'javascript:alert(document.domain)'), row('draft', 'true'), row('toc_max_heading_level', '99'),
    row('template', 'evil.html'), row('Keywords', 'release'), row('title', 'Not the title'), row('slug', '/elsewhere'),
  ] }] };

  test('no page property becomes a top-level key (a tool option)', () => {
    const { properties } = pageProperties(details, { sep: '_' });
    const fm = parse(frontMatter({ id: '1', title: 'T' }, { slug: '/t', sidebar_position: 1 }, properties).replace(/^---\n|---\n$/g, '')) as Record<string, unknown>;
    expect(Object.keys(fm)).toEqual(['id', 'title', 'slug', 'sidebar_position', 'confluence']);
    expect(fm).toMatchObject({ title: 'T', slug: '/t', confluence: { properties: {
      custom_edit_url: 'javascript:alert(document.domain)', draft: 'true', toc_max_heading_level: '99', template: 'evil.html', keywords: 'release', title: 'Not the title', slug: '/elsewhere',
    } } });
  });
});

describe('names every target can read', () => {
  test.each([
    ['We shipped it!', 'We shipped it-'],
    ['C# #1 100%', 'C- -1 100-'],
    ['_blog', 'blog'],
    ['__', 'page'],
    [safeSegment('CON'), 'CON_'],
    [safeSegment('nul.md'), 'nul_.md'],
    [safeSegment('_CON'), 'CON_'],
    ['Keep_me', 'Keep_me'],
  ])('docusaurusSegment(%j) → %j', (name, expected) => {
    expect(docusaurusSegment(name)).toBe(expected);
  });

  test('no name from a title keeps `!` (a webpack loader separator), whatever the preset', () => {
    expect(safeSegment('We shipped it!')).toBe('We shipped it-');
  });

  test.each([
    ['Obsidian syntax %%h%% #tag [[link]] a|b ^id', 'Obsidian syntax %%h%% -tag --link-- a-b -id'],
    ['Plain', 'Plain'],
  ])('obsidianSegment(%j) → %j: nothing that would end a wikilink path', (name, expected) => {
    expect(obsidianSegment(name)).toBe(expected);
  });

  test('siblings that differ only by case or Unicode normalisation get distinct names', () => {
    const taken = new Set<string>();
    expect(uniqueName(taken, 'Café')).toBe('Café');
    expect(uniqueName(taken, 'Cafe\u0301')).toBe('Cafe\u0301 (2)');
    expect(uniqueName(taken, 'CAFÉ')).toBe('CAFÉ (3)');
    expect(uniqueName(taken, 'Straße')).toBe('Straße');
    expect(uniqueName(taken, 'STRASSE')).toBe('STRASSE (2)');
    expect(nameKey('ΟΔΟΣ')).toBe(nameKey('οδοσ'));
  });

  test('the Docusaurus layout renames folders, unique among siblings, children follow', () => {
    const node = (id: string, dir: string, parentId?: string): TreeNode => ({ id, title: id, type: 'page', dir, ...(parentId ? { parentId } : {}) });
    const out = withoutUnderscores([node('r', 'R'), node('a', 'R/We shipped it!', 'r'), node('b', 'R/We shipped it-', 'r'), node('c', 'R/We shipped it!/Child', 'a'), node('d', 'R/_CON', 'r')]);
    expect(out.map((n) => n.dir)).toEqual(['R', 'R/We shipped it- (2)', 'R/We shipped it-', 'R/We shipped it- (2)/Child', 'R/CON_']);
  });
});

test('a Page Properties Report table escapes values by the target\'s rules', () => {
  const rows = [{ id: '1', title: 'P {x}', file: 'R/P/index.md', properties: { note: '<img src=x onerror=alert(1)> {y} %%z%%' } }];
  const table = (dialect: Dialect): string => propertiesTable(rows, { from: 'R/index.md', obsidian: false, labels: [], files: new Set(['R/P/index.md']), dialect }).table;
  expect(table('mdx')).toBe('| Title | note |\n| --- | --- |\n| [P \\{x\\}](P/index.md) | \\<img src=x onerror=alert(1)> \\{y\\} %%z%% |');
  expect(table('python-markdown')).toBe('| Title | note |\n| --- | --- |\n| [P &#x7B;x}](P/index.md) | &#x3C;img src=x onerror=alert(1)> &#x7B;y} %%z%% |');
  expect(table('obsidian')).toContain('&#x25;%z&#x25;%');
});
