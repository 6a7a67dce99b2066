import { createLinkRewriter, pageIdFromHref, relativeHref } from '../../src/export/links';
import { adfToMarkdown } from '../../src/export/markdown';
import { assertSafeEntry } from '../../src/export/bundle';
import { FORMAT_INFO } from '../../src/export/service';
import { planTree } from '../../src/export/tree/plan';
import { chunkByBytes, VALUE_BUDGET } from '../../src/jobs/tree-store';

const site = 'https://acme.atlassian.net';

describe('pageIdFromHref', () => {
  it.each([
    [`${site}/wiki/spaces/DOC/pages/123/Some+Title`, '123'],
    [`${site}/wiki/spaces/DOC/pages/123`, '123'],
    ['/wiki/spaces/DOC/pages/77/x#part', '77'],
    [`${site}/wiki/pages/viewpage.action?pageId=42`, '42'],
    [`${site}/wiki/pages/9`, '9'],
  ])('%s → %s', (href, id) => expect(pageIdFromHref(href, site)).toBe(id));

  it.each([
    'https://other.atlassian.net/wiki/spaces/DOC/pages/123/x',
    `${site}/wiki/spaces/DOC/overview`,
    'mailto:a@b.c',
    `${site}/wiki/pages/viewpage.action?pageId=abc`,
  ])('ignores %s', (href) => expect(pageIdFromHref(href, site)).toBeUndefined());
});

describe('relativeHref', () => {
  it('walks up and down between bundle files, encoding each segment', () => {
    expect(relativeHref('A/B/C/index.md', 'A/index.md')).toBe('../../index.md');
    expect(relativeHref('A/index.md', 'A/B (2)/index.md')).toBe('B%20(2)/index.md');
    expect(relativeHref('A/X/index.md', 'A/Y #1/index.md')).toBe('../Y%20%231/index.md');
    expect(relativeHref('A/index.md', 'A/index.md')).toBe('index.md');
  });

  it('rewrites only links to exported pages and keeps the fragment', () => {
    const seen: string[] = [];
    const rewrite = createLinkRewriter({ from: 'R/a/index.md', fileOf: (id) => (id === '2' ? 'R/b/index.md' : undefined), siteUrl: site, onLink: (id) => seen.push(id) });
    expect(rewrite(`${site}/wiki/spaces/D/pages/2/B#intro`)).toBe('../b/index.md#intro');
    expect(rewrite(`${site}/wiki/spaces/D/pages/3/C`)).toBeUndefined();
    expect(seen).toEqual(['2']);
  });
});

describe('planTree', () => {
  it('keeps every zip entry of a deep tree with long titles under the entry-name limit', () => {
    const long = (i: number) => `${i} ${'Ü'.repeat(60)}`; // 122 bytes before safeSegment cuts it to 80
    const chain = Array.from({ length: 30 }, (_, i) => ({ id: String(i + 2), title: long(i), parentId: String(i + 1), depth: i + 1, type: 'page' }));
    const plan = planTree({ id: '1', title: long(99) }, chain);
    const bytes = (s: string) => new TextEncoder().encode(s).length;
    const byId = new Map(plan.nodes.map((n) => [n.id, n]));
    for (const n of plan.nodes) {
      // The longest names the tree job adds to a folder: an attachment of 80 bytes with a counter.
      expect(() => assertSafeEntry(`${n.dir}/_attachments/${'a'.repeat(76)}.png (99)`)).not.toThrow();
      expect(() => assertSafeEntry(`${n.dir}/index.${FORMAT_INFO.storage.ext}`)).not.toThrow();
      // The real parent is kept for the manifest even where the folder starts again at the root.
      if (n.id !== '1') expect(byId.get(n.parentId!)?.id).toBe(String(Number(n.id) - 1));
    }
    expect(new Set(plan.nodes.map((n) => n.dir.toLowerCase())).size).toBe(plan.nodes.length);
    expect(Math.max(...plan.nodes.map((n) => bytes(n.dir)))).toBeGreaterThan(600);
    expect(plan.pageIds).toHaveLength(31);
  });

  it('gives safe, unique folders and reports what is not a page', () => {
    const plan = planTree({ id: '1', title: 'Root/..' }, [
      { id: '2', title: 'Same', parentId: '1', depth: 1, type: 'page' },
      { id: '3', title: 'same', parentId: '1', depth: 1, type: 'page' },
      { id: '4', title: '../../etc/passwd', parentId: '2', depth: 2, type: 'page' },
      { id: '5', title: 'Board', parentId: '1', depth: 1, type: 'whiteboard' },
      { id: '6', title: 'index.md', parentId: '1', depth: 1, type: 'page' },
      { id: '7', title: '日本語のページ\u0007', parentId: '1', depth: 1, type: 'page' },
      { id: '8', title: 'Orphan', parentId: '999', depth: 3, type: 'page' },
    ]);
    const dir = Object.fromEntries(plan.nodes.map((n) => [n.id, n.dir]));
    expect(dir['2']).not.toBe(dir['3']);
    expect(dir['3']!.toLowerCase()).not.toBe(dir['2']!.toLowerCase());
    for (const d of Object.values(dir)) {
      expect(d.split('/')).not.toContain('..');
      expect(d.startsWith('/')).toBe(false);
      expect(d).not.toMatch(/[\u0000-\u001f]/);
    }
    expect(dir['4']!.startsWith(`${dir['2']}/`)).toBe(true);
    expect(dir['6']).not.toBe(`${dir['1']}/index.md`);
    expect(dir['7']).toBe(`${dir['1']}/日本語のページ`);
    expect(dir['8']!.startsWith(`${dir['1']}/`)).toBe(true);
    expect(plan.pageIds).not.toContain('5');
    expect(plan.pageIds[0]).toBe('1');
    expect(plan.pageIds.indexOf('4')).toBe(plan.pageIds.indexOf('2') + 1);
    expect(plan.skipped).toEqual([expect.objectContaining({ kind: 'page-skipped', what: 'whiteboard', pageId: '5' })]);
  });
});

describe('chunkByBytes', () => {
  it('keeps a 10,000-page node list under the KVS value limit per key', () => {
    const nodes = Array.from({ length: 10_000 }, (_, i) => ({ id: String(1e6 + i), title: `Ünïcödé title ${'x'.repeat(200)} ${i}`, type: 'page', dir: `Root/${'y'.repeat(150)}/${i}` }));
    const chunks = chunkByBytes(nodes);
    expect(chunks.flat().length).toBe(10_000);
    for (const c of chunks) expect(Buffer.byteLength(JSON.stringify(c), 'utf8')).toBeLessThanOrEqual(VALUE_BUDGET);
    expect(chunks.length).toBeGreaterThan(10);
  });
});

describe('link rewriting with a lone surrogate in a title', () => {
  it('neither throws nor produces an undecodable link', () => {
    const plan = planTree({ id: '1', title: 'Root \uD800' }, [{ id: '2', title: 'Child \uDC00 page', parentId: '1', depth: 1, type: 'page' }]);
    const dirs = new Map(plan.nodes.map((n) => [n.id, n.dir]));
    const rewrite = createLinkRewriter({ from: `${dirs.get('1')}/index.md`, fileOf: (id) => (dirs.has(id) ? `${dirs.get(id)}/index.md` : undefined), siteUrl: site });
    const href = rewrite(`${site}/wiki/spaces/DOC/pages/2/x`);
    expect(href).toBe('Child%20%EF%BF%BD%20page/index.md');
    expect(() => decodeURIComponent(href!)).not.toThrow();
    // Even a path that did not come through safeSegment is encoded, not thrown on.
    expect(relativeHref('a/index.md', 'a/b\uD800/index.md')).toBe('b%EF%BF%BD/index.md');
  });
});

describe('a link whose text is its old Confluence URL (issue 23)', () => {
  const site = 'https://example.atlassian.net';
  const guideUrl = `${site}/wiki/spaces/DEMO/pages/65600/User+Guide`;
  const rewrite = createLinkRewriter({ from: 'Home/index.md', fileOf: (id) => (id === '65600' ? 'Home/Guide/index.md' : undefined), siteUrl: site, titleOf: (id) => (id === '65600' ? 'User Guide' : undefined) });
  const para = (...content: unknown[]) => ({ type: 'doc', version: 1, content: [{ type: 'paragraph', content }] });
  const link = (text: string, href: string) => ({ type: 'text', text, marks: [{ type: 'link', attrs: { href } }] });

  it("shows the exported page's title instead of the URL, and keeps any other text", () => {
    const pasted = adfToMarkdown(para(link(guideUrl, guideUrl)), { linkRewrite: rewrite, verify: false }).markdown;
    expect(pasted.trim()).toBe('[User Guide](Guide/index.md)');
    const named = adfToMarkdown(para(link('the guide', guideUrl)), { linkRewrite: rewrite, verify: false }).markdown;
    expect(named.trim()).toBe('[the guide](Guide/index.md)');
    // Not exported: the link stays absolute, with its text.
    const other = `${site}/wiki/spaces/DEMO/pages/99/Other`;
    expect(adfToMarkdown(para(link(other, other)), { linkRewrite: rewrite, verify: false }).markdown).toContain(`<${other}>`);
  });
});

describe('the child pages macro (issue 23 part 10)', () => {
  const doc = { type: 'doc', version: 1, content: [{ type: 'extension', attrs: { extensionType: 'com.atlassian.confluence.macro.core', extensionKey: 'children' } }] };
  it('lists the exported children, shows nothing for a leaf of a tree export, and a placeholder only when the tree is unknown', () => {
    const withKids = adfToMarkdown(doc, { verify: false, children: () => [{ title: 'Child', href: 'Child/index.md' }] });
    expect(withKids.markdown.trim()).toBe('- [Child](Child/index.md)');
    const leaf = adfToMarkdown(doc, { verify: false, children: () => [] });
    expect(leaf.markdown.trim()).toBe('');
    expect(leaf.report).toEqual([]);
    const alone = adfToMarkdown(doc, { verify: false });
    expect(alone.markdown).toContain('Child pages');
    expect(alone.report.map((e) => e.what)).toEqual(['children']);
  });
});
