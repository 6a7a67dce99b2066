/**
 * Preset rewrites of a converted page (mdast), before serialization: panels become the target's
 * callouts or admonitions, expands its collapsible blocks, and (Obsidian) links and images between
 * exported files become `[[wikilinks]]` and `![[embeds]]`. Works on what the converter builds:
 * panels are blockquotes led by an alert marker, expands `<details>` … `</details>` html siblings.
 */
import type * as Md from 'mdast';
import { githubSlug, own, renderData, withData, type Flow, type MdNode, type Phrasing } from '../adf/state';
import { plainText } from '../adf/build';
import { ATTACHMENT_MARKER } from '../refs';

export interface RewriteContext {
  style: 'obsidian' | 'mkdocs' | 'docusaurus';
  /** Bundle path of the page being written. */
  file: string;
  /** Whether a bundle path is a file of the export (page or attachment). */
  exists(path: string): boolean;
  /** Serializes blocks to Markdown by the target's escaping rules (admonition bodies, titles). */
  serialize(children: Flow[]): string;
  /**
   * The address a site generator serves an exported page at, relative to this page, for a link in
   * raw HTML (a table that needs HTML): MkDocs and Docusaurus rewrite Markdown links, never these.
   */
  htmlHref?(href: string): string | undefined;
  /** Called when Docusaurus takes the leading `# Title` as the page title (it then has no anchor). */
  onTitle?(): void;
}

/** Confluence panel types to each target's kinds (MkDocs Material and Obsidian share theirs). */
const kinds: Record<RewriteContext['style'], Record<string, string>> = {
  obsidian: { info: 'info', note: 'note', tip: 'tip', success: 'success', warning: 'warning', error: 'danger' },
  mkdocs: { info: 'info', note: 'note', tip: 'tip', success: 'success', warning: 'warning', error: 'danger' },
  docusaurus: { info: 'info', note: 'note', tip: 'tip', success: 'tip', warning: 'warning', error: 'danger' },
};

function kindOf(style: RewriteContext['style'], node: Md.Blockquote): string {
  const type = /\bpanel-(\w+)/.exec(renderData(node).hProperties?.class ?? '')?.[1] ?? 'info';
  return own(kinds[style], type) ?? 'note';
}

const isAlertMarker = (n: MdNode | undefined): boolean => n?.type === 'html' && renderData(n).alert === true;
const DETAILS_OPEN = /^<details>\n<summary>([\s\S]*)<\/summary>$/;

function unescapeHtml(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** A title the rewrite writes into Markdown syntax (admonition, callout), escaped as page text is. */
function titleText(ctx: RewriteContext, title: string): string {
  const flat = title.replace(/\s+/g, ' ').trim();
  return flat === '' ? '' : ctx.serialize([{ type: 'paragraph', children: [{ type: 'text', value: flat }] }]).trim();
}

const indent = (md: string): string => md.replace(/\n+$/, '').split('\n').map((l) => (l === '' ? '' : `    ${l}`)).join('\n');
/** A title inside `"…"` of an MkDocs admonition line. */
const quoted = (t: string): string => `"${t.replace(/\s+/g, ' ').replace(/"/g, "'")}"`;

/** `:::` fences one colon longer than any fence inside, so nested admonitions close right. */
function fence(body: string): string {
  let longest = 2;
  for (const m of body.matchAll(/^\s*(:{3,})/gm)) longest = Math.max(longest, m[1]?.length ?? 0);
  return ':'.repeat(longest + 1);
}

function admonition(ctx: RewriteContext, kind: string, title: string | undefined, body: Flow[], collapsed: boolean): Flow {
  const md = body.length > 0 ? ctx.serialize(body) : '';
  if (ctx.style === 'mkdocs') {
    const head = `${collapsed ? '???' : '!!!'} ${kind}${title !== undefined ? ` ${quoted(titleText(ctx, title))}` : ''}`;
    return { type: 'html', value: md.trim() === '' ? head : `${head}\n\n${indent(md)}` };
  }
  // Docusaurus (v3 syntax: `:::note[Title]`).
  const f = fence(md);
  const head = `${f}${kind}${title !== undefined ? `[${titleText(ctx, title.replace(/[[\]\n]/g, ' '))}]` : ''}`;
  return { type: 'html', value: md.trim() === '' ? `${head}\n${f}` : `${head}\n\n${md.replace(/\n+$/, '')}\n\n${f}` };
}

function callout(ctx: RewriteContext, kind: string, title: string | undefined, body: Flow[], foldable: boolean): Md.Blockquote {
  const shown = title ? titleText(ctx, title) : '';
  const marker = withData<Md.Html>({ type: 'html', value: `[!${kind}]${foldable ? '-' : ''}${shown ? ` ${shown}` : ''}` }, { alert: true });
  return { type: 'blockquote', children: [marker, ...body] };
}

function panel(ctx: RewriteContext, node: Md.Blockquote): Flow {
  const kind = kindOf(ctx.style, node);
  const body = node.children.slice(1) as Flow[];
  if (ctx.style === 'obsidian') return callout(ctx, kind, undefined, body, false);
  return admonition(ctx, kind, undefined, body, false);
}

function expand(ctx: RewriteContext, title: string, body: Flow[]): Flow[] | undefined {
  if (ctx.style === 'obsidian') return [callout(ctx, 'note', title, body, true)];
  if (ctx.style === 'mkdocs') return [admonition(ctx, 'note', title, body, true)];
  return undefined; // Docusaurus renders <details> itself.
}

/** Rewrites a flow container's children: nested first, then panels and expands at this level. */
function flow(ctx: RewriteContext, children: MdNode[], inTable: boolean): MdNode[] {
  const out: MdNode[] = [];
  const opens: Array<{ at: number; title: string }> = [];
  for (const child of children) {
    visit(ctx, child, inTable);
    if (child.type === 'blockquote' && isAlertMarker(child.children[0])) {
      out.push(panel(ctx, child));
      continue;
    }
    const open = child.type === 'html' ? DETAILS_OPEN.exec(child.value) : null;
    if (open) {
      opens.push({ at: out.length, title: unescapeHtml(open[1] ?? '') });
      out.push(child);
      continue;
    }
    if (child.type === 'html' && child.value === '</details>' && opens.length > 0) {
      const { at, title } = opens.pop()!;
      const replaced = expand(ctx, title, out.slice(at + 1) as Flow[]);
      if (replaced) {
        out.splice(at, out.length - at, ...replaced);
        continue;
      }
    }
    out.push(child);
  }
  return out;
}

function visit(ctx: RewriteContext, node: MdNode, inTable: boolean): void {
  if (!('children' in node)) return;
  const table = inTable || node.type === 'table';
  if (node.type === 'paragraph' || node.type === 'heading' || node.type === 'tableCell' || node.type === 'link' || node.type === 'emphasis' || node.type === 'strong' || node.type === 'delete') {
    (node as { children: MdNode[] }).children = phrasing(ctx, node.children as Phrasing[], table);
    return;
  }
  (node as { children: MdNode[] }).children = flow(ctx, node.children as MdNode[], table);
}

// ---------------------------------------------------------------------------------------------
// Obsidian links

/** The bundle path a relative href from `file` points to (percent-decoding each segment), or undefined. */
export function resolveHref(file: string, href: string): { path: string; hash: string } | undefined {
  if (href === '' || href.startsWith('#') || href.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(href)) return undefined;
  const cut = href.search(/[?#]/);
  const path = cut >= 0 ? href.slice(0, cut) : href;
  const hash = cut >= 0 && href[cut] === '#' ? href.slice(cut + 1) : '';
  const parts = file.split('/').slice(0, -1);
  for (const raw of path.split('/')) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (seg === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else if (seg !== '.' && seg !== '') parts.push(seg);
  }
  return { path: parts.join('/'), hash };
}

/** Characters Obsidian does not allow in a link target. */
const BAD_TARGET = /[[\]|#^\n]/;

/** `[[target|label]]` (the `|` escaped inside tables); a page's target drops its `.md`. */
export function wikilink(path: string, label: string, inTable: boolean): string {
  const target = path.replace(/\.md$/, '');
  const alias = label.replace(/[[\]|\s]+/g, ' ').trim();
  const shown = target.slice(target.lastIndexOf('/') + 1);
  const bar = inTable ? '\\|' : '|';
  return alias === '' || alias === shown ? `[[${target}]]` : `[[${target}${bar}${alias}]]`;
}

/**
 * An Obsidian embed, `![[path|alt]]`: the text after the bar is the image's alt text (or its size when
 * it is only digits, `100` or `100x50`, so such an alt is left out rather than resizing the image;
 * so is an alt that only repeats the file's name).
 * Brackets and bars would end the embed early, so they become spaces.
 */
function embed(path: string, alt: string, inTable: boolean): string {
  const text = alt.replace(/[[\]|\s]+/g, ' ').trim();
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (text === '' || text === name || /^\d+(x\d+)?$/.test(text)) return `![[${path}]]`;
  return `![[${path}${inTable ? '\\|' : '|'}${text}]]`;
}

/**
 * A link destination Python-Markdown reads whole. Its inline link pattern does not honour CommonMark's
 * backslash escapes in a destination and takes a quote after it as the start of a title, so an
 * attachment named `x('y') <svg onload=…>.png` broke out of its link and the rest became raw HTML on
 * the built site (issue 21, .ci/real-tools). Quotes, parentheses, angle brackets, backslashes and
 * white space are percent-encoded: MkDocs unquotes a destination before it looks for the file.
 */
function pythonMarkdownUrl(url: string): string {
  return url.replace(/['"()<>\\\s]/g, (c) => (c === "'" ? '%27' : c === '(' ? '%28' : c === ')' ? '%29' : encodeURIComponent(c)));
}

function phrasing(ctx: RewriteContext, nodes: Phrasing[], inTable: boolean): Phrasing[] {
  if (ctx.style !== 'obsidian') {
    for (const n of nodes) {
      if (ctx.style === 'mkdocs' && (n.type === 'link' || n.type === 'image')) {
        n.url = pythonMarkdownUrl(n.url);
      }
      visit(ctx, n, inTable);
    }
    return nodes;
  }
  const out: Phrasing[] = [];
  for (const n of nodes) {
    if (n.type === 'image') {
      const at = resolveHref(ctx.file, n.url);
      out.push(at && ctx.exists(at.path) && !BAD_TARGET.test(at.path) ? { type: 'html', value: embed(at.path, n.alt ?? '', inTable) } : n);
      continue;
    }
    if (n.type === 'link' && ATTACHMENT_MARKER.test(n.url) && n.children.every((c) => c.type !== 'image')) {
      // Another page's file: its vault path replaces the marker in the zip phase (../refs).
      out.push({ type: 'html', value: wikilink(n.url, plainText(n.children), inTable) });
      continue;
    }
    if (n.type === 'link' && n.url.startsWith('#') && n.url.length > 1 && n.children.every((c) => c.type !== 'image')) {
      // A heading of this note: Obsidian links to it by its text, `[[#Heading]]`, not by a slug.
      out.push({ type: 'html', value: wikilink(decodeHash(n.url), plainText(n.children), inTable) });
      continue;
    }
    if (n.type === 'link') {
      const at = resolveHref(ctx.file, n.url);
      if (at && ctx.exists(at.path) && !BAD_TARGET.test(at.path)) {
        // A linked image (a diagram linking to its source) keeps its embed, then the link.
        const images = phrasing(ctx, n.children.filter((c) => c.type === 'image'), inTable);
        const label = plainText(n.children.filter((c) => c.type !== 'image'));
        const heading = at.hash ? `#${at.hash.replace(/[[\]|#^]/g, ' ')}` : '';
        out.push(...images, { type: 'html', value: wikilink(at.path + heading, label || at.path.slice(at.path.lastIndexOf('/') + 1), inTable).replace(/\.md(?=#)/, '') });
        continue;
      }
    }
    visit(ctx, n, inTable);
    out.push(n);
  }
  return out;
}

function decodeHash(hash: string): string {
  try {
    return decodeURIComponent(hash);
  } catch {
    return hash;
  }
}

/** Applies a preset's rewrites to a whole page, in place. */
export function rewriteTree(tree: Md.Root, ctx: RewriteContext): void {
  tree.children = flow(ctx, tree.children, false) as Md.RootContent[];
  if (ctx.htmlHref) rewriteHtmlLinks(tree, ctx.htmlHref);
  if (ctx.style === 'docusaurus' && unlinkTitleAnchor(tree)) ctx.onTitle?.();
}

const HREF = /(\shref=")([^"]*)(")/g;

/** Every `href="…"` in raw HTML pointing at an exported page, as the site serves it. */
function rewriteHtmlLinks(node: MdNode | Md.Root, htmlHref: (href: string) => string | undefined): void {
  if (node.type === 'html') node.value = node.value.replace(HREF, (all, pre: string, href: string, post: string) => {
    const to = htmlHref(href.replace(/&amp;/g, '&'));
    return to === undefined ? all : `${pre}${to.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}${post}`;
  });
  if ('children' in node) for (const c of node.children as MdNode[]) rewriteHtmlLinks(c, htmlHref);
}

/**
 * Docusaurus makes a page's leading `# Title` its title, with no anchor: a link to it (a table of
 * contents listing the title) would be broken, so it keeps its text without the link.
 */
function unlinkTitleAnchor(tree: Md.Root): boolean {
  const first = tree.children.find((c) => c.type !== 'html' && c.type !== 'yaml');
  if (first?.type !== 'heading' || first.depth !== 1) return false;
  const target = `#${githubSlug(plainText(first.children))}`;
  const strip = (node: MdNode | Md.Root): void => {
    if (!('children' in node)) return;
    const kids = node.children as MdNode[];
    for (let i = 0; i < kids.length; i++) {
      const k = kids[i]!;
      if (k.type === 'link' && k.url === target) kids.splice(i, 1, ...(k.children as MdNode[]));
      else strip(k);
    }
  };
  strip(tree);
  return true;
}
