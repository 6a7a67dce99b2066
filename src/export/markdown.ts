import type * as Md from 'mdast';
import { toMarkdown, type Join, type Options } from 'mdast-util-to-markdown';
import { gfmToMarkdown } from 'mdast-util-gfm';
import { adfToMdast } from './adf';
import type { ChildLink, Handlers, MarkHandlers, MdastResult, MediaResolver } from './adf';
import type { SlugRules } from './slugs';
import { renderData, type Flow, type Phrasing } from './adf/state';
import { createFootnotes, type InlineThread } from './anchors';
import { frontMatter, type PageMeta } from './frontmatter';
import { textHandler } from './md-text';
import { DIALECTS, encodingHandlers, jsxSafe, type Dialect } from './escape';
import type { ReportEntry } from './report';
import { verifyExport } from './verify';

export { AdfError } from './adf';

export interface MarkdownOptions {
  /** accountId → display name, for mentions. */
  users?: ReadonlyMap<string, string>;
  media?: MediaResolver;
  /** Rewrites links between exported pages (return undefined to keep the link). */
  linkRewrite?: (href: string) => string | undefined;
  /** Inline-comment threads, shown as footnotes on their annotations. */
  comments?: readonly InlineThread[];
  /** Footnote anchors for comments; default true when comments are given. False lists them at the end. */
  anchors?: boolean;
  frontMatter?: PageMeta;
  pageId?: string;
  /** Child pages, for the `children` macro. */
  children?: () => ChildLink[] | undefined;
  handlers?: Partial<Handlers>;
  marks?: Partial<MarkHandlers>;
  /** Rewrites the converted tree before it is serialized (tree-export presets); `serialize` writes blocks. */
  rewrite?: (tree: Md.Root, serialize: (children: Flow[]) => string) => void;
  /** How the verifier predicts a link in the output, when a rewrite changed links (Obsidian wikilinks). */
  verifyHref?: (href: string) => string | undefined;
  /** The preset's own front-matter fields (Docusaurus: slug, sidebar_position); the page's own fields win. */
  extraFrontMatter?: Record<string, unknown>;
  /** Page properties: written under one namespaced key (see ./frontmatter), never as top-level keys. */
  properties?: Record<string, unknown>;
  /** Whose parser reads the output: text is escaped by its rules (./escape; default GFM). */
  dialect?: Dialect;
  /** Front-matter `title` and `author` as the target's theme prints them (MkDocs: HTML-escaped). */
  metaText?: (text: string) => string;
  /** A label as the target's front-matter tag (presets that read `tags`); absent: no `tags`. */
  tag?: (label: string) => string | undefined;
  /** Whose rules heading anchors follow (default GitHub's). */
  slugs?: SlugRules;
  /** Receives the page's headings (with their anchors) and anchor macros once converted. */
  onAnchors?: (headings: MdastResult['headings'], names: MdastResult['anchors']) => void;
  /** The site's base URL, for links the page only implies (a Jira issue key → `<site>/browse/<key>`). */
  siteUrl?: string;
  /** Check the output against the source with the independent verifier (default true). */
  verify?: boolean;
}

export interface ConversionResult {
  tree: Md.Root;
  report: ReportEntry[];
}

/** ADF → mdast with comments attached: the tree both the Markdown and the HTML exports serialize. */
export function convert(doc: unknown, options: MarkdownOptions = {}): ConversionResult {
  const anchors = options.comments && options.comments.length > 0 && options.anchors !== false;
  const footnotes = anchors ? createFootnotes(options.comments ?? []) : undefined;
  const { tree, report, headings, anchors: names } = adfToMdast(doc, {
    users: options.users,
    media: options.media,
    linkRewrite: options.linkRewrite,
    children: options.children,
    pageId: options.pageId ?? options.frontMatter?.id,
    footnotes,
    handlers: options.handlers,
    marks: options.marks,
    ...(options.slugs ? { slugs: options.slugs } : {}),
    ...(options.siteUrl ? { siteUrl: options.siteUrl } : {}),
  });
  options.onAnchors?.(headings, names);
  if (footnotes) {
    tree.children.push(...footnotes.definitions(), ...footnotes.unanchored());
  } else if (options.comments && options.comments.length > 0) {
    tree.children.push(...createFootnotes(options.comments).unanchored('Comments'));
  }
  return { tree, report };
}

/** GitHub alerts want the `[!NOTE]` line directly above the content, without a blank line. */
const alertJoin: Join = (left, right) => {
  if (left.type !== 'html' || !renderData(left).alert) return undefined;
  if (right.type === 'paragraph' || right.type === 'code' || right.type === 'heading') return 0;
  if (right.type === 'list' && (!right.ordered || (right.start ?? 1) === 1)) return 0;
  // HTML blocks of CommonMark kind 6 (table, details) may interrupt a paragraph too.
  if (right.type === 'html' && /^<(table|details)[\s>]/.test(right.value)) return 0;
  return undefined;
};

/** Inline tags Markdown lacks (underline, sub, sup) become raw HTML around their content. */
function expandTags<T extends { children: unknown[] }>(parent: T): T {
  // Children arrays are only copied where a tag is expanded (rare), not for every parent.
  let out: unknown[] | undefined;
  const children = parent.children as Array<Flow | Phrasing>;
  for (let i = 0; i < children.length; i += 1) {
    const child = children[i] as Flow | Phrasing;
    if ('children' in child) expandTags(child as { children: unknown[] });
    const tag = child.type === 'emphasis' ? renderData(child).hName : undefined;
    if (tag && child.type === 'emphasis') {
      out ??= children.slice(0, i);
      out.push({ type: 'html', value: `<${tag}>` }, ...child.children, { type: 'html', value: `</${tag}>` });
    } else if (out) {
      out.push(child);
    }
  }
  if (out) parent.children = out;
  return parent;
}

/**
 * Built once per dialect: `gfmToMarkdown()` makes fresh unsafe patterns on every call, and the
 * library caches each pattern's compiled regex on the pattern object, so sharing them avoids
 * recompiling per page. A dialect adds its unsafe patterns and the handlers that write its
 * references (../escape). MDX has no autolinks (`<https://…>` is JSX to it): links stay `[url](url)`.
 */
function optionsFor(dialect: Dialect): Options {
  const rules = DIALECTS[dialect];
  return {
    extensions: [gfmToMarkdown(), { unsafe: rules.unsafe }],
    bullet: '-',
    fences: true,
    rule: '-',
    listItemIndent: 'one',
    join: [alertJoin],
    ...(dialect === 'mdx' ? { resourceLink: true } : {}),
    handlers: { ...encodingHandlers(rules.encode), text: textHandler(rules.encode) },
  };
}
const serializeOptions = new Map<Dialect, Options>();

function forEachHtml(node: Md.Nodes, f: (n: Md.Html) => void): void {
  if (node.type === 'html') f(node);
  if ('children' in node) for (const c of node.children) forEachHtml(c, f);
}

/** Serializes a tree made by `convert`; the tree is rewritten in place (inline tags expanded). */
export function mdastToMarkdown(tree: Md.Root, dialect: Dialect = 'gfm'): string {
  let options = serializeOptions.get(dialect);
  if (!options) serializeOptions.set(dialect, (options = optionsFor(dialect)));
  return toMarkdown(expandTags(tree), options);
}

/**
 * ADF → GitHub-flavoured Markdown plus the fidelity report. Throws AdfError when `doc` is not an
 * ADF document.
 */
export function adfToMarkdown(doc: unknown, options: MarkdownOptions = {}): { markdown: string; report: ReportEntry[]; fidelity?: Fidelity } {
  const { tree, report } = convert(doc, options);
  // The converter's raw HTML as MDX reads it; before a rewrite, whose admonitions hold serialized Markdown in html nodes.
  if (options.dialect === 'mdx') forEachHtml(tree, (n) => (n.value = jsxSafe(n.value)));
  options.rewrite?.(tree, (children) => mdastToMarkdown({ type: 'root', children }, options.dialect));
  const body = mdastToMarkdown(tree, options.dialect);
  const head = options.frontMatter ? `${frontMatter(options.frontMatter, options.extraFrontMatter, options.properties, options.metaText, options.tag)}\n` : '';
  const fidelity = verified(doc, body, options, report);
  return fidelity ? { markdown: head + body, report, fidelity } : { markdown: head + body, report };
}

/** How many visible units of the source the verifier looked for, and how many it missed. */
export interface Fidelity {
  units: number;
  missing: number;
}

/** Runs the independent verifier on an export's output; its findings join the report. */
export function verified(doc: unknown, output: string, options: MarkdownOptions, report: ReportEntry[]): Fidelity | undefined {
  if (options.verify === false) return undefined;
  const { units, missing, structure } = verifyExport(doc, output, {
    users: options.users,
    linkRewrite: options.verifyHref ?? options.linkRewrite,
    pageId: options.pageId ?? options.frontMatter?.id,
    report,
    // A preset's rewrite turns panels and expands into its own admonitions (./presets/rewrite).
    containers: options.rewrite === undefined,
  });
  report.push(...missing, ...structure);
  return { units, missing: missing.length };
}
