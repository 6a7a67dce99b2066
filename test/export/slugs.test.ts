/**
 * Heading anchors per target tool (src/export/slugs) and Confluence heading links resolved against
 * them (src/export/refs). Expected values are the tools' documented outputs: github-slugger's test
 * fixtures, Python-Markdown's toc examples, Obsidian's heading-link syntax.
 */
import { createSlugger, explicitId, mkdocsSlug } from '../../src/export/slugs';
import GithubSlugger, { slug } from 'github-slugger';
import { anchorMarker, attachmentMarker, confluenceKey, pageAnchors, resolveFragment, resolveRefs } from '../../src/export/refs';
import { attachmentFromHref, createLinkRewriter } from '../../src/export/links';
import { renderPage } from '../../src/export/service';
import type { Page } from '../../src/confluence/types';
import { withoutUnderscores } from '../../src/export/presets/tree';

const all = (rules: Parameters<typeof createSlugger>[0], texts: Array<[string, number]>): string[] => {
  const s = createSlugger(rules);
  return texts.map(([t, d]) => s.slug(t, d));
};

describe('github-slugger rules (GitHub, Docusaurus)', () => {
  it.each([
    ['Hello World', 'hello-world'],
    ["What's new?", 'whats-new'],
    ['Überblick', 'überblick'],
    ['常见问题', '常见问题'],
    ['a - b', 'a---b'],
    ['C++ & Rust', 'c--rust'],
    ['Emoji 😄 here', 'emoji--here'],
    ['x²', 'x'],
    ['snake_case', 'snake_case'],
  ])('%j → %j', (text, expected) => {
    expect(slug(text)).toBe(expected);
  });

  it('numbers repeats from -1 and skips slugs a heading already took', () => {
    const s = new GithubSlugger();
    expect(['a', 'a', 'a-1', 'a'].map((t) => s.slug(t))).toEqual(['a', 'a-1', 'a-1-1', 'a-2']);
    s.reset();
    expect(s.slug('a')).toBe('a');
  });
});

describe('Python-Markdown toc rules (MkDocs)', () => {
  it.each([
    ['Hello World', 'hello-world'],
    ["What's new?", 'whats-new'],
    ['Überblick', 'uberblick'],
    ['a - b', 'a-b'],
    ['  Trim me  ', 'trim-me'],
    ['snake_case', 'snake_case'],
    ['常见问题', ''],
  ])('%j → %j', (text, expected) => {
    expect(mkdocsSlug(text)).toBe(expected);
  });

  it('makes ids unique with _1, _2 and gives an empty slug one too', () => {
    expect(all('mkdocs', [['Setup', 2], ['Setup', 2], ['Setup', 2], ['常见问题', 2], ['日本', 2]])).toEqual(['setup', 'setup_1', 'setup_2', '_1', '_2']);
  });
});

describe('Obsidian heading links', () => {
  it('names a heading by its text, a repeated one through the headings above it', () => {
    expect(all('obsidian', [['Guide', 1], ['Windows', 2], ['Setup', 3], ['Linux', 2], ['Setup', 3], ['A [b] | c', 2]])).toEqual([
      'Guide', 'Windows', 'Setup', 'Linux', 'Guide#Linux#Setup', 'A b c',
    ]);
  });
});

describe('Docusaurus explicit ids', () => {
  it('reads `{#id}` at the end of a heading', () => {
    expect(explicitId('Install {#setup}')).toEqual({ text: 'Install', id: 'setup' });
    expect(explicitId('Plain')).toEqual({ text: 'Plain' });
    expect(explicitId('Odd {#a b }')).toEqual({ text: 'Odd', id: 'a b' });
  });

  it('an explicit id wins and leaves the numbering of repeats alone', () => {
    expect(all('docusaurus', [['Setup {#install}', 2], ['Setup', 2], ['Setup', 2]])).toEqual(['install', 'setup', 'setup-1']);
    expect(all('github', [['Setup {#install}', 2]])).toEqual(['setup-install']);
  });
});

describe('Confluence heading links', () => {
  const headings = [
    { text: 'FAQ', slug: 'faq' },
    { text: 'Setup', slug: 'setup' },
    { text: 'Setup', slug: 'setup-1' },
    { text: "What's new?", slug: 'whats-new' },
    { text: 'Version 2.1', slug: 'version-21' },
  ];
  const page = pageAnchors('FAQ', headings, [{ name: 'known-issues', heading: 3 }], 'github');

  it.each([
    ['Setup', 'setup'],
    ['Setup.1', 'setup-1'],
    ['FAQ-Setup.1', 'setup-1'],
    ["What's-new?", 'whats-new'],
    ['What%27s-new%3F', 'whats-new'],
    ["FAQ-What'snew?", 'whats-new'],
    ['Version-2.1', 'version-21'],
    ['known-issues', 'known-issues'],
    ['FAQ-known-issues', 'known-issues'],
  ])('#%s → #%s', (fragment, anchor) => {
    expect(resolveFragment(page, fragment)).toBe(anchor);
  });

  it('finds nothing for a heading that is gone', () => {
    expect(resolveFragment(page, 'Setup.2')).toBeUndefined();
    expect(resolveFragment(page, 'Nowhere')).toBeUndefined();
  });

  it('sends Obsidian links to an anchor macro to the heading above it', () => {
    const obs = pageAnchors('FAQ', headings, [{ name: 'top', heading: -1 }, { name: 'ki', heading: 3 }], 'obsidian');
    expect(obs.names).toEqual([['top', ''], ['ki', 'whats-new']]);
    expect(confluenceKey(' A-b C ')).toBe('abc');
  });
});

describe('link markers', () => {
  const site = 'https://acme.atlassian.net';
  const fileOf = new Map([['1', 'A/index.md'], ['2', 'A/B/index.md']]);
  const rewrite = createLinkRewriter({ from: 'A/index.md', fileOf: (id) => fileOf.get(id), siteUrl: site, self: '1', attachments: true });

  it('marks heading and attachment links of exported pages, keeps the rest', () => {
    expect(rewrite('#Setup')).toBe(`#${anchorMarker('1', 'Setup')}`);
    expect(rewrite(`${site}/wiki/spaces/D/pages/2/B#Setup.1`)).toBe(`B/index.md#${anchorMarker('2', 'Setup.1')}`);
    expect(rewrite(`${site}/wiki/spaces/D/pages/1/A#Top`)).toBe(`#${anchorMarker('1', 'Top')}`);
    expect(rewrite(`${site}/wiki/download/attachments/2/spec%20v1.pdf?version=1`)).toBe(attachmentMarker('2', 'spec v1.pdf'));
    expect(rewrite(`${site}/wiki/spaces/D/pages/2/B?preview=/2/att9/x.png`)).toBe(attachmentMarker('2', 'x.png'));
    // Outside the export, or on another site: untouched (absolute).
    expect(rewrite(`${site}/wiki/spaces/D/pages/3/C#Setup`)).toBeUndefined();
    expect(rewrite(`${site}/wiki/download/attachments/3/a.pdf`)).toBeUndefined();
    expect(rewrite('https://other.atlassian.net/wiki/download/attachments/2/a.pdf')).toBeUndefined();
    expect(attachmentFromHref('/wiki/download/thumbnails/5/%E2%9C%93.png')).toEqual({ pageId: '5', name: '✓.png' });
  });

  it('replaces markers once targets are known, keeps them while they are not, and counts misses', () => {
    const text = `[a](B/index.md#${anchorMarker('2', 'Setup.1')}) [b](${attachmentMarker('2', 'spec.pdf')}) [c](#${anchorMarker('1', 'Gone')})`;
    const anchors = pageAnchors('B', [{ text: 'Setup', slug: 'setup' }, { text: 'Setup', slug: 'setup-1' }], [], 'github');
    const early = resolveRefs(text, { from: 'A/index.md', anchors: () => undefined, attachment: () => undefined, final: false, siteUrl: site });
    expect(early).toEqual({ text, pending: true, broken: 0 });
    const done = resolveRefs(text, {
      from: 'A/index.md',
      anchors: (id) => (id === '2' ? anchors : { title: 'a', headings: [], names: [] }),
      attachment: (id, name) => (id === '2' && name === 'spec.pdf' ? 'A/B/_attachments/spec.pdf' : undefined),
      final: true,
      siteUrl: site,
      self: { id: '1', link: 'index.md' },
    });
    expect(done).toEqual({ text: '[a](B/index.md#setup-1) [b](B/_attachments/spec.pdf) [c](index.md)', pending: false, broken: 1 });
  });
});

describe('one-page exports', () => {
  const text = (t: string, href?: string) => ({ type: 'text', text: t, ...(href ? { marks: [{ type: 'link', attrs: { href } }] } : {}) });
  const heading = (level: number, t: string) => ({ type: 'heading', attrs: { level }, content: [text(t)] });
  const doc = {
    type: 'doc',
    version: 1,
    content: [
      { type: 'paragraph', content: [text('second', '#Setup.1'), text(' '), text('issues', '#known-issues'), text(' '), text('gone', '#Nowhere')] },
      heading(2, 'Setup'),
      heading(2, 'Setup'),
      { type: 'extension', attrs: { extensionType: 'com.atlassian.confluence.macro.core', extensionKey: 'anchor', parameters: { macroParams: { '': { value: 'known-issues' } } } } },
    ],
  };
  const page = { id: '42', title: 'Guide', body: { atlas_doc_format: { value: JSON.stringify(doc), representation: 'atlas_doc_format' } } } as unknown as Page;
  const options = { frontMatter: false, comments: false, anchors: true, attachments: false } as const;

  it.each([['md' as const], ['html' as const]])('%s: links to the page\'s own headings name their anchors; a missing one is reported', (format) => {
    const out = renderPage({ page, type: 'page', users: new Map() }, { ...options, format });
    const href = (h: string) => (format === 'md' ? `](${h})` : `href="${h}"`);
    expect(out.text).toContain(href('#setup-1'));
    expect(out.text).toContain(href('#known-issues'));
    expect(out.text).toContain(href('#'));
    expect(out.text).not.toContain('ct-anchor');
    expect(out.report.filter((e) => e.what === 'link' && /not in the export/.test(e.detail))).toHaveLength(1);
  });
});

describe('Docusaurus folders', () => {
  it('drops leading underscores (Docusaurus skips those folders), unique among siblings, children following', () => {
    const node = (id: string, dir: string) => ({ id, title: id, type: 'page', dir }) as const;
    const out = withoutUnderscores([node('s', 'Space'), node('b', 'Space/_blog'), node('p', 'Space/_blog/Post'), node('x', 'Space/Blog'), node('d', 'Space/__'), node('k', 'Space/Keep_me')]);
    expect(out.map((n) => n.dir)).toEqual(['Space', 'Space/blog (2)', 'Space/blog (2)/Post', 'Space/Blog', 'Space/page', 'Space/Keep_me']);
  });
});
