/**
 * Every link of every preset's export of the seed site resolves inside the output: relative links
 * and embeds to a file of the export, and each `#fragment` to an anchor the target tool gives the
 * target file — computed here from the output's own headings with that tool's slug rules
 * (src/export/slugs), plus raw-HTML ids. Links out of the export stay absolute Confluence URLs.
 */
import { strFromU8, unzipSync } from 'fflate';
import type * as Md from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { SEED } from '../../sandbox/confluence/seed';
import { downloadZip } from '../../sandbox/forge/download';
import type { Envelope } from '../../src/shared/envelope';
import { EXPORT_PRESETS, type ExportPreset, type TreeDownloadResult, type TreeStartResult, type TreeStatus } from '../../src/shared/export';
import { PRESETS } from '../../src/export/presets';
import { createSlugger } from '../../src/export/slugs';
import { ok } from '../envelope';

const alice = SEED.users.alice;
const home = { id: SEED.pages.home, type: 'page' as const };

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(async () => {
  await sb.close();
});

const globalPage = { key: 'database-inspector', type: 'confluence:globalPage' };

/** The home page's tree, or (`space`) the whole seed space from the global page. */
async function exportTree(preset: ExportPreset | 'html', space?: string): Promise<{ status: TreeStatus; files: Map<string, string | Uint8Array> }> {
  const who = space ? { accountId: alice, module: globalPage } : { accountId: alice, content: home };
  const payload = preset === 'html' ? { format: 'html', attachments: true, frontMatter: true } : { format: 'md', preset, attachments: true, frontMatter: true };
  const started = ok(
    space
      ? await sb.invoke<Envelope<TreeStartResult>>('export/space/start', { ...who, payload: { ...payload, space } })
      : await sb.invoke<Envelope<TreeStartResult>>('export/tree/start', { ...who, payload }),
  );
  await sb.platform.drain();
  const status = ok(await sb.invoke<Envelope<TreeStatus>>('export/tree/status', { ...who, payload: { jobId: started.jobId } }));
  const { zip } = await downloadZip((part) => sb.invoke<Envelope<TreeDownloadResult>>('export/tree/download', { ...who, payload: { jobId: started.jobId, part } }));
  const files = new Map<string, string | Uint8Array>();
  for (const [name, bytes] of Object.entries(unzipSync(zip))) files.set(name, /\.(md|html)$/.test(name) ? strFromU8(bytes) : bytes);
  return { status, files };
}

type Node = Md.Root | Md.RootContent;

function walk(node: Node, visit: (n: Node, parents: Node[]) => void, parents: Node[] = []): void {
  visit(node, parents);
  if ('children' in node) for (const c of node.children as Md.RootContent[]) walk(c, visit, [...parents, node]);
}

/** What a reader sees of a heading: its text, without raw HTML tags. */
function headingText(node: Node): string {
  if (node.type === 'text' || node.type === 'inlineCode') return node.value;
  if (node.type === 'html') return '';
  return 'children' in node ? (node.children as Md.RootContent[]).map(headingText).join('') : '';
}

/** The anchors a tool gives one output file: its headings slugged by the preset's rules, and raw-HTML ids. */
function anchorsOf(preset: ExportPreset, tree: Md.Root): Set<string> {
  const out = new Set<string>();
  const slugger = createSlugger(PRESETS[preset].slugs);
  const body = tree.children.filter((c) => c.type !== 'yaml' && c.type !== 'thematicBreak');
  let first = true;
  walk(tree, (n) => {
    if (n.type === 'html') for (const m of n.value.matchAll(/\sid="([^"]+)"/g)) out.add(m[1] ?? '');
    if (n.type !== 'heading') return;
    // Docusaurus's rules read an explicit `{#id}` themselves.
    const slug = slugger.slug(headingText(n).trim(), n.depth);
    // Docusaurus shows a leading `# Title` as the page title: it keeps no anchor.
    const title = preset === 'docusaurus' && first && n.depth === 1 && body[0] === n;
    first = false;
    if (!title) out.add(slug);
  });
  return out;
}

function parse(md: string): Md.Root {
  const text = md.replace(/^---\n[\s\S]*?\n---\n/, '');
  return fromMarkdown(text, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
}

/** `from`'s folder joined with a relative href, percent-decoded; undefined when it leaves the export. */
function resolvePath(from: string, path: string): string | undefined {
  const parts = from.split('/').slice(0, -1);
  for (const raw of path.split('/')) {
    const seg = decodeURIComponent(raw);
    if (seg === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else if (seg !== '.' && seg !== '') parts.push(seg);
  }
  return parts.join('/');
}

interface Checked {
  files: number;
  anchors: number;
  absolute: string[];
  unresolved: string[];
}

function check(preset: ExportPreset, files: Map<string, string | Uint8Array>): Checked {
  const trees = new Map<string, Md.Root>();
  const anchors = new Map<string, Set<string>>();
  for (const [name, text] of files) if (name.endsWith('.md') && typeof text === 'string') trees.set(name, parse(text));
  const anchorSet = (file: string): Set<string> => {
    let set = anchors.get(file);
    if (!set) anchors.set(file, (set = anchorsOf(preset, trees.get(file) ?? { type: 'root', children: [] })));
    return set;
  };
  const seen: Checked = { files: 0, anchors: 0, absolute: [], unresolved: [] };
  // Docusaurus serves each page at its front-matter slug.
  const bySlug = new Map<string, string>();
  for (const [name, text] of files) {
    const slug = typeof text === 'string' ? /^---\n[\s\S]*?^slug: (.+)$/m.exec(text)?.[1] : undefined;
    if (slug) bySlug.set(slug.replace(/^["']|["']$/g, ''), name);
  }
  const slugOf = new Map([...bySlug].map(([slug, name]) => [name, slug]));
  /** A raw-HTML href of MkDocs or Docusaurus is a site address (those tools rewrite only Markdown links). */
  const served = (from: string, path: string): string | undefined => {
    if (preset === 'docusaurus') return bySlug.get(decodeURIComponent(new URL(path, `http://site${slugOf.get(from) ?? '/'}`).pathname));
    const dir = resolvePath(from, path);
    return dir === undefined ? undefined : `${dir}/index.md`;
  };
  const target = (from: string, href: string, html = false): void => {
    if (/^[a-z][a-z0-9+.-]*:/i.test(href)) {
      if (/\/wiki\//.test(href)) seen.absolute.push(href);
      return;
    }
    const cut = href.indexOf('#');
    const path = cut >= 0 ? href.slice(0, cut) : href;
    const hash = cut >= 0 ? decodeURIComponent(href.slice(cut + 1)) : undefined;
    const file = path === '' ? from : html && (preset === 'mkdocs' || preset === 'docusaurus') ? served(from, path) : resolvePath(from, path);
    if (file === undefined || !files.has(file)) return void seen.unresolved.push(`${from}: ${href} (no file)`);
    seen.files += 1;
    if (hash === undefined) return;
    if (anchorSet(file).has(hash)) seen.anchors += 1;
    else seen.unresolved.push(`${from}: ${href} (no anchor "${hash}" in ${file}: ${[...anchorSet(file)].join(', ')})`);
  };
  /** Obsidian: `[[path#Heading#Sub]]` names a note by its vault path, then headings by their text. */
  const wikilink = (from: string, link: string, embed: boolean): void => {
    const [path = '', ...headings] = link.split('#');
    const file = path === '' ? from : [path, `${path}.md`].find((p) => files.has(p));
    if (!file || !files.has(file)) return void seen.unresolved.push(`${from}: [[${link}]] (no file)`);
    seen.files += 1;
    if (headings.length === 0 || embed) return;
    // Each heading must be found after (and below) the one before it.
    const tree = trees.get(file);
    const list: Array<{ depth: number; text: string }> = [];
    if (tree) walk(tree, (n) => void (n.type === 'heading' && list.push({ depth: n.depth, text: headingText(n).replace(/[[\]|#^]/g, ' ').replace(/\s+/g, ' ').trim() })));
    let at = -1;
    let depth = 0;
    for (const h of headings) {
      const next = list.findIndex((x, i) => i > at && x.text === h && x.depth > depth);
      if (next < 0) return void seen.unresolved.push(`${from}: [[${link}]] (no heading "${h}")`);
      at = next;
      depth = list[next]?.depth ?? 0;
    }
    seen.anchors += 1;
  };
  for (const [from, tree] of trees) {
    walk(tree, (n) => {
      if (n.type === 'link' || n.type === 'image') target(from, n.url);
      if (n.type === 'html') {
        for (const m of n.value.matchAll(/\s(?:href|src)="([^"]+)"/g)) target(from, (m[1] ?? '').replace(/&amp;/g, '&'), true);
        if (preset === 'obsidian') for (const m of n.value.matchAll(/(!?)\[\[([^\]|]+?)(?:\\?\|[^\]]*)?\]\]/g)) wikilink(from, m[2] ?? '', m[1] === '!');
      }
      if (preset === 'obsidian' && n.type === 'text') for (const m of n.value.matchAll(/(!?)\[\[([^\]|]+?)(?:\\?\|[^\]]*)?\]\]/g)) wikilink(from, m[2] ?? '', m[1] === '!');
    });
  }
  return seen;
}

/** The anchor each target gives the FAQ headings Installation links to (../../sandbox/confluence/seed.ts). */
const EXPECTED: Record<ExportPreset, string[]> = {
  gfm: ['#überblick', '#setup-1', '#whats-new', '#known-issues', '#常见问题'],
  docusaurus: ['#überblick', '#setup-1', '#whats-new', '#known-issues', '#常见问题'],
  mkdocs: ['#uberblick', '#setup_1', '#whats-new', '#known-issues', '#_1'],
  obsidian: ['#Überblick', '#Linux#Setup', "#What's new?", "#What's new?", '#常见问题'],
};

describe.each(EXPORT_PRESETS.map((p) => [p]))('%s export of the seed site', (preset) => {
  it('resolves every relative link, heading anchor and embed inside the output', async () => {
    const { status, files } = await exportTree(preset);
    expect(status.phase).toBe('done');
    const seen = check(preset, files);
    expect(seen.unresolved).toEqual([]);
    expect(seen.files).toBeGreaterThanOrEqual(15);
    // The FAQ links of Installation (5), the rich page's table of contents (12), Installation's own top.
    expect(seen.anchors).toBeGreaterThanOrEqual(preset === 'docusaurus' ? 16 : 17);
    // Nothing left unresolved by the exporter either.
    expect(status.report.some((e) => e.what === 'link' && /not in the export/.test(e.detail))).toBe(false);
    const install = [...files].find(([n]) => /Installation\/(index|Installation)\.md$/.test(n))?.[1];
    expect(typeof install).toBe('string');
    for (const anchor of EXPECTED[preset]) expect(install).toContain(`${anchor}${preset === 'obsidian' ? '|' : ')'}`);
    expect(install).not.toMatch(/ct-(anchor|attachment)-/);
    // The attachment of another page is the exported file; a page outside the export stays on Confluence.
    expect(install).toMatch(/Rich(%20| )Page\/_attachments\/spec\.pdf/);
    expect(seen.absolute.some((h) => h.endsWith(`/wiki/spaces/OPS/pages/${SEED.pages.opsHome}/Operations+Home#Operations-Home`))).toBe(true);
  });
});

describe.each(EXPORT_PRESETS.map((p) => [p]))('%s export of the whole seed space', (preset) => {
  it('resolves every relative link, heading anchor and embed, blog posts and pages outside the home tree included', async () => {
    const { status, files } = await exportTree(preset, SEED.space.key);
    expect(status.phase).toBe('done');
    const seen = check(preset, files);
    expect(seen.unresolved).toEqual([]);
    expect([...files.keys()].some((n) => n.includes(preset === 'docusaurus' ? '/blog/' : '/_blog/'))).toBe(true);
    expect(seen.anchors).toBeGreaterThanOrEqual(preset === 'docusaurus' ? 16 : 17);
  });
});

describe('html tree export of the seed site', () => {
  it('links to headings of other pages name the ids of their headings', async () => {
    const { status, files } = await exportTree('html');
    expect(status.phase).toBe('done');
    let anchors = 0;
    for (const [from, text] of files) {
      if (typeof text !== 'string' || !from.endsWith('.html')) continue;
      expect(text).not.toMatch(/ct-(anchor|attachment)-/);
      for (const m of text.matchAll(/href="([^"#:]*)#([^"]+)"/g)) {
        const file = (m[1] ?? '') === '' ? from : resolvePath(from, (m[1] ?? '').replace(/&amp;/g, '&'));
        const target = file === undefined ? undefined : files.get(file);
        expect(typeof target).toBe('string');
        expect(target).toContain(`id="${decodeURIComponent(m[2] ?? '')}"`);
        anchors += 1;
      }
    }
    expect(anchors).toBeGreaterThanOrEqual(17);
  });
});
