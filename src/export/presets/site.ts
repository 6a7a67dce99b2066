/**
 * What a preset adds around the pages of a tree: each page's place (slug, sibling position), the
 * MkDocs configuration with its navigation, Docusaurus `_category_.json` files, and the tables of
 * Page Properties Reports, built from the exported pages' properties at zip time.
 */
import type * as Md from 'mdast';
import { stringify } from 'yaml';
import type { TreeNode } from '../tree/plan';
import type { Preset, TreePlace } from './index';
import type { Properties } from './properties';
import { resolveHref, wikilink } from './rewrite';
import { relativeHref } from '../links';
import { mdastToMarkdown } from '../markdown';
import { htmlText, type Dialect } from '../escape';

/** URL-safe slug of one folder name: lower case, letters and digits, dashes between. */
function slugSegment(name: string): string {
  return name.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-+|-+$/g, '') || 'page';
}

/**
 * Slug path and 1-based sibling position of every page, in tree order. Siblings whose names slug
 * alike get `-2`, `-3` … in tree order, so slugs are unique and stable for the same tree.
 */
export function treePlaces(nodes: readonly TreeNode[]): Map<string, TreePlace> {
  const places = new Map<string, TreePlace>();
  const taken = new Map<string, Set<string>>();
  const count = new Map<string, number>();
  for (const n of nodes) {
    const parentSlug = n.parentId ? places.get(n.parentId)?.slug ?? '' : '';
    const key = n.parentId ?? '';
    const seen = taken.get(key) ?? new Set<string>();
    taken.set(key, seen);
    const base = slugSegment(n.dir.slice(n.dir.lastIndexOf('/') + 1));
    let seg = base;
    for (let i = 2; seen.has(seg); i += 1) seg = `${base}-${i}`;
    seen.add(seg);
    const position = (count.get(key) ?? 0) + 1;
    count.set(key, position);
    places.set(n.id, { slug: `${parentSlug}/${seg}`, position });
  }
  return places;
}

export interface SiteFile {
  path: string;
  text: string;
}

/** Children of every item, in tree order (folders too: their child pages are exported). */
function childrenOf(nodes: readonly TreeNode[]): Map<string, TreeNode[]> {
  const kids = new Map<string, TreeNode[]>();
  for (const n of nodes) {
    if (!n.parentId) continue;
    const list = kids.get(n.parentId);
    if (list) list.push(n);
    else kids.set(n.parentId, [n]);
  }
  return kids;
}

/** Items that are, or have below them, an exported page (nodes come parents first). */
function holdingPages(nodes: readonly TreeNode[], fileOf: ReadonlyMap<string, string>): Set<string> {
  const parent = new Map(nodes.map((n) => [n.id, n.parentId]));
  const out = new Set<string>();
  for (const n of nodes) {
    if (!fileOf.has(n.id)) continue;
    for (let cur: string | undefined = n.id; cur && !out.has(cur); cur = parent.get(cur)) out.add(cur);
  }
  return out;
}

type NavItem = Record<string, string | NavItem[]>;

/**
 * A title in mkdocs.yml (site_name, nav): MkDocs' themes write these into the page with Jinja2
 * without autoescaping (mkdocs/theme.py `jinja2.Environment(loader=…, auto_reload=False)`, MkDocs
 * 1.4), so a title is HTML-escaped here: the browser shows the characters, runs no tag. YAML quoting
 * is the `yaml` library's.
 */
export function navTitle(title: string): string {
  return htmlText(title.replace(/\s+/g, ' ').trim());
}

/** Plain text as one line of Markdown text, escaped by the dialect's rules (titles, table cells). */
export function inlineText(value: string, dialect: Dialect): string {
  const flat = value.replace(/\s+/g, ' ').trim();
  if (flat === '') return '';
  return mdastToMarkdown({ type: 'root', children: [{ type: 'paragraph', children: [{ type: 'text', value: flat }] }] }, dialect).trim();
}

/** `mkdocs.yml` beside the `docs` folder: the navigation follows the page tree. */
export function mkdocsConfig(root: { title: string }, nodes: readonly TreeNode[], fileOf: ReadonlyMap<string, string>, docsDir: string): SiteFile {
  const kids = childrenOf(nodes);
  const rel = (file: string): string => file.slice(docsDir.length + 1);
  const item = (n: TreeNode): NavItem | undefined => {
    const file = fileOf.get(n.id);
    const under = (kids.get(n.id) ?? []).map(item).filter((i): i is NavItem => i !== undefined);
    const title = navTitle(n.title || n.id);
    if (under.length === 0) return file ? { [title]: rel(file) } : undefined;
    // A section's own page comes first, under the same title (a folder has none).
    return { [title]: [...(file ? [{ [title]: rel(file) }] : []), ...under] };
  };
  const top = nodes[0] ? item(nodes[0]) : undefined;
  const config = {
    site_name: navTitle(root.title || 'Export'),
    docs_dir: docsDir,
    // The preset targets MkDocs Material (`pip install mkdocs-material`); admonitions and details
    // render with MkDocs' own theme too (`theme: mkdocs` in a config that INHERITs this one).
    theme: { name: 'material' },
    // admonition and pymdownx.details render panels and expands; footnotes the inline comments.
    // No attr_list: nothing exported needs it, and it would read `{: onmouseover=… }` in page text
    // or a title as attributes (page text escapes `{` too, in case a site enables it).
    markdown_extensions: ['admonition', 'pymdownx.details', 'pymdownx.superfences', 'tables', 'footnotes', 'md_in_html'],
    // The site's home (docs/index.md) comes first: every theme links its header to the site root.
    nav: [{ Home: 'index.md' }, ...(top ? [top] : [])],
  };
  return { path: 'mkdocs.yml', text: stringify(config, { lineWidth: 0 }) };
}

/**
 * `docs/index.md`: MkDocs serves it at the site root, which every page's header links to; the
 * export's pages sit in folders below it, so without it that link is broken. It leads to the root page.
 */
export function mkdocsHome(root: { title: string }, rootFile: string | undefined, docsDir: string): SiteFile {
  // Written by the serializer with Python-Markdown's escaping: the root's title is page text (issue 21:
  // `<img onerror>` and `{: onmouseover }` in it reached the site's home page).
  const title: Md.Text = { type: 'text', value: (root.title || 'Export').replace(/\s+/g, ' ').trim() };
  const href = rootFile ? rootFile.slice(docsDir.length + 1).split('/').map(encodeURIComponent).join('/') : undefined;
  const children: Md.RootContent[] = [{ type: 'heading', depth: 1, children: [title] }];
  if (href) children.push({ type: 'paragraph', children: [{ type: 'text', value: 'Start at ' }, { type: 'link', url: href, children: [{ ...title }] }, { type: 'text', value: '.' }] });
  return { path: `${docsDir}/index.md`, text: mdastToMarkdown({ type: 'root', children }, 'python-markdown') };
}

/** A `_category_.json` in every folder that holds exported child pages: its label and sidebar position. */
export function docusaurusCategories(nodes: readonly TreeNode[], fileOf: ReadonlyMap<string, string>, places: ReadonlyMap<string, TreePlace>): SiteFile[] {
  const kids = childrenOf(nodes);
  const holding = holdingPages(nodes, fileOf);
  return nodes
    .filter((n) => holding.has(n.id) && (kids.get(n.id) ?? []).some((k) => holding.has(k.id)))
    .map((n) => ({
      path: `${n.dir}/_category_.json`,
      text: `${JSON.stringify({ label: n.title || n.id, position: places.get(n.id)?.position ?? 1 }, null, 2)}\n`,
    }));
}

/** The files a preset adds to the zip. */
export function siteFiles(preset: Preset, root: { title: string }, nodes: readonly TreeNode[], fileOf: ReadonlyMap<string, string>, places: ReadonlyMap<string, TreePlace>): SiteFile[] {
  if (preset.name === 'mkdocs') return [mkdocsConfig(root, nodes, fileOf, preset.root), mkdocsHome(root, nodes[0] ? fileOf.get(nodes[0].id) : undefined, preset.root)];
  if (preset.name === 'docusaurus') return docusaurusCategories(nodes, fileOf, places);
  return [];
}

/** Marker a Page Properties Report leaves in a converted page, replaced by its table at zip time. */
export const reportMarker = (i: number): string => `<!--ct-properties-report:${i}-->`;
export const REPORT_MARKER = /<!--ct-properties-report:(\d+)-->/g;

/**
 * Table text: line breaks and pipes would end the cell, Markdown punctuation would format it, and
 * the target's own syntax (MDX `{`, Python-Markdown raw HTML, Obsidian `%%`) is escaped by its rules.
 */
function cell(value: string, dialect: Dialect): string {
  return inlineText(value, dialect).replace(/\|/g, '\\|');
}

export interface PropertyRow {
  id: string;
  title: string;
  file: string;
  properties: Properties;
  labels?: readonly string[];
}

/**
 * A Page Properties Report as a Markdown table: a row per page (linked), a column per property
 * key in order of first appearance. `labels` filters rows by page labels when they are known.
 */
export function propertiesTable(rows: readonly PropertyRow[], o: { from: string; obsidian: boolean; labels: readonly string[]; files: ReadonlySet<string>; dialect?: Dialect }): { table: string; rows: number } {
  const dialect = o.dialect ?? 'gfm';
  const cellText = (v: string): string => cell(v, dialect);
  // A link property holds a path relative to its own page (or an Obsidian wikilink): re-based here.
  const value = (v: string, row: PropertyRow): string => {
    if (o.obsidian && /^\[\[[^\]]+\]\]$/.test(v)) return v.replace(/\|/g, '\\|');
    const at = resolveHref(row.file, v);
    if (!at || !o.files.has(at.path)) return cellText(v);
    const name = at.path.replace(/\/index\.md$/, '').split('/').pop() ?? at.path;
    return `[${cellText(name)}](${relativeHref(o.from, at.path)}${at.hash ? `#${at.hash}` : ''})`;
  };
  const wanted = o.labels.map((l) => l.toLowerCase());
  const picked = rows.filter((r) => Object.keys(r.properties).length > 0 && (wanted.length === 0 || r.labels === undefined || r.labels.some((l) => wanted.includes(l.toLowerCase()))));
  const keys: string[] = [];
  for (const r of picked) for (const k of Object.keys(r.properties)) if (!keys.includes(k)) keys.push(k);
  const head = `| Title | ${keys.map(cellText).join(' | ')} |`;
  const rule = `| --- | ${keys.map(() => '---').join(' | ')} |`;
  const lines = picked.map((r) => {
    const link = o.obsidian ? wikilink(r.file, r.title, true) : `[${cellText(r.title)}](${relativeHref(o.from, r.file)})`;
    const values = keys.map((k) => {
      const v = r.properties[k];
      return v === undefined ? '' : (Array.isArray(v) ? v : [v]).map((x) => value(x, r)).join(', ');
    });
    return `| ${link} | ${values.join(' | ')} |`;
  });
  return { table: [head, rule, ...lines].join('\n'), rows: picked.length };
}
