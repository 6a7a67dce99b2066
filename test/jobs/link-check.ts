/**
 * Checks that every link of a preset's Markdown export resolves inside the output: relative links
 * and embeds to a file of the export, each `#fragment` to an anchor the target tool gives the target
 * file (from the output's own headings, with that tool's slug rules), Obsidian wikilinks to a note
 * and its headings. Shared by ./preset-links.test.ts and ./tree-incremental-presets.test.ts.
 */
import type * as Md from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';
import type { ExportPreset } from '../../src/shared/export';
import { PRESETS } from '../../src/export/presets';
import { createSlugger } from '../../src/export/slugs';

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
export function resolvePath(from: string, path: string): string | undefined {
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

export interface Checked {
  files: number;
  anchors: number;
  absolute: string[];
  unresolved: string[];
}

export function check(preset: ExportPreset, files: Map<string, string | Uint8Array>): Checked {
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
