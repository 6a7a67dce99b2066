import type * as Md from 'mdast';
import type { AdfMark, AdfNode } from './types';
import type { ReportEntry, ReportKind } from '../report';
import { createSlugger, type SlugRules } from '../slugs';
import { slug } from 'github-slugger';

/** Any mdast node a handler may return. */
export type MdNode = Md.RootContent;
export type Flow = Md.BlockContent | Md.DefinitionContent;
export type Phrasing = Md.PhrasingContent;

export type Handler = (state: State, node: AdfNode, parent?: AdfNode) => MdNode | MdNode[] | undefined;
export type Handlers = Record<string, Handler>;

/** Wraps already-converted phrasing in a mark (innermost marks are applied first). */
export type MarkHandler = (state: State, mark: AdfMark, children: Phrasing[], node: AdfNode) => Phrasing[];
export type MarkHandlers = Record<string, MarkHandler>;

/**
 * Extra rendering hints carried on mdast nodes, in the `data.hName` / `data.hProperties` convention
 * of remark-rehype: the Markdown serializer turns `hName` on phrasing into inline HTML tags, the
 * HTML serializer uses them as the element. `alert` marks a GFM alert line that HTML skips.
 */
export interface RenderData {
  hName?: string;
  hProperties?: Record<string, string>;
  alert?: boolean;
}

export function renderData(node: { data?: unknown }): RenderData {
  return (node.data ?? {}) as RenderData;
}

export function withData<T extends { data?: Md.Data }>(node: T, data: RenderData): T {
  node.data = { ...(node.data ?? {}), ...data } as Md.Data;
  return node;
}

/** What a media node points to, resolved by the caller (attachment URL, zip path …). */
export interface MediaTarget {
  href: string;
  title?: string;
  isImage: boolean;
}

export interface MediaAttrs {
  id?: string;
  type?: string;
  collection?: string;
  alt?: string;
  url?: string;
  [key: string]: unknown;
}

export type MediaResolver = (attrs: MediaAttrs) => MediaTarget | undefined;

export interface ChildLink {
  title: string;
  href: string;
}

/** Footnote bookkeeping for inline-comment annotations; see ../anchors.ts. */
export interface FootnoteSink {
  /** Label for an annotation id (`c1`), or undefined when no thread is known for it. */
  ref(markerRef: string): string | undefined;
}

export interface StateOptions {
  users?: ReadonlyMap<string, string>;
  media?: MediaResolver;
  linkRewrite?: (href: string) => string | undefined;
  /** Child pages of the page being converted, for the `children` macro. */
  children?: () => ChildLink[] | undefined;
  pageId?: string;
  footnotes?: FootnoteSink;
  handlers?: Partial<Handlers>;
  marks?: Partial<MarkHandlers>;
  /** Whose rules heading anchors follow (default GitHub's): see ../slugs. */
  slugs?: SlugRules;
  /** The site's base URL (`https://x.atlassian.net`): Jira issue keys link to `<site>/browse/<key>`. */
  siteUrl?: string;
}

export interface HeadingInfo {
  depth: number;
  text: string;
  slug: string;
}

export interface State {
  readonly handlers: Handlers;
  readonly marks: MarkHandlers;
  readonly options: StateOptions;
  /** Headings in document order, filled while converting (the toc is filled in afterwards). */
  readonly headings: HeadingInfo[];
  /** Table-of-contents lists waiting for the headings; filled by `finish`. */
  readonly tocs: Array<{ list: Md.List; minLevel: number; maxLevel: number }>;
  readonly entries: ReportEntry[];
  report(kind: ReportKind, what: string, detail: string): void;
  /** Reports a kind+what only the first time in this document (for whole-construct approximations). */
  reportOnce(kind: ReportKind, what: string, detail: string): void;
  /** Converts one node, with its path recorded for reports; malformed or too deep nodes degrade to text. */
  one(node: AdfNode, parent: AdfNode | undefined, index: number): MdNode[];
  /** Converts children in a flow context: stray phrasing is wrapped in paragraphs. */
  blocks(parent: AdfNode): Flow[];
  /** Converts children in a phrasing context: blocks are flattened, adjacent equal marks merged. */
  inlines(parent: AdfNode): Phrasing[];
  /** Applies the caller's link rewrite; undefined (and a report entry) for script-capable URLs. */
  href(url: string): string | undefined;
  /** The unique anchor the target tool gives a heading of this text and level (GitHub's by default). */
  slug(text: string, depth?: number): string;
  /** Anchor macros in document order, with the index of the heading they follow (-1: none). */
  readonly anchors: Array<{ name: string; heading: number }>;
}

const phrasingTypes = new Set([
  'text', 'emphasis', 'strong', 'delete', 'inlineCode', 'break', 'link', 'image', 'footnoteReference',
  'linkReference', 'imageReference',
]);

/** Phrasing-only node types; `html` is left out because it is flow or phrasing by context. */
export function isPhrasing(node: MdNode): boolean {
  return phrasingTypes.has(node.type);
}

/** github-slugger's slug of one text, without uniqueness. */
export const githubSlug = (text: string): string => slug(text);

export function createState(handlers: Handlers, marks: MarkHandlers, unknown: Handler, options: StateOptions): State {
  // The path to the node being converted, as parallel stacks (index -1: no parent); the
  // `type[index]` text is only built when something is reported, not for every node.
  const pathTypes: string[] = [];
  const pathIndexes: number[] = [];
  const once = new Set<string>();
  const slugger = createSlugger(options.slugs ?? 'github');
  const entries: ReportEntry[] = [];

  const state: State = {
    handlers,
    marks,
    options,
    headings: [],
    anchors: [],
    tocs: [],
    entries,
    report(kind, what, detail) {
      const path = pathTypes.map((type, i) => (pathIndexes[i] === -1 ? type : `${type}[${pathIndexes[i]}]`)).join('/');
      const entry: ReportEntry = { kind, what, detail, path };
      if (options.pageId !== undefined) entry.pageId = options.pageId;
      entries.push(entry);
    },
    reportOnce(kind, what, detail) {
      const key = `${kind}\u0000${what}`;
      if (once.has(key)) return;
      once.add(key);
      state.report(kind, what, detail);
    },
    one(raw, parent, index) {
      const node = wellFormed(raw);
      if (node === undefined) {
        pathTypes.push('?');
        pathIndexes.push(parent ? index : -1);
        state.report('unsupported-node', 'invalid', 'A malformed node (not an object with a string "type") was skipped.');
        pathTypes.pop();
        pathIndexes.pop();
        return [];
      }
      pathTypes.push(node.type);
      pathIndexes.push(parent ? index : -1);
      try {
        if (pathTypes.length > MAX_DEPTH) {
          const flat = flatText(node);
          state.report('flattened', node.type, `Content nested more than ${MAX_DEPTH} levels deep was flattened to plain text; its text is kept.`);
          return flat ? [{ type: 'text', value: flat }] : [];
        }
        if (node.attrs || (node.marks && node.type !== 'text')) oddities(state, node);
        const handler = own(handlers, node.type) ?? unknown;
        const out = handler(state, node, parent);
        const list = out === undefined ? [] : Array.isArray(out) ? out : [out];
        // Text on a node that is no text node (malformed ADF) is still text a reader should get.
        if (node.text && node.type !== 'text' && handler !== unknown) list.push({ type: 'text', value: node.text });
        return list;
      } catch (error) {
        // A handler bug must not lose the page: the node's text is kept and the failure reported.
        const flat = flatText(node);
        const why = error instanceof Error ? error.message : String(error);
        state.report('unsupported-node', node.type, `A "${node.type}" node could not be converted (${why}); its text is kept.`);
        return flat ? [{ type: 'text', value: flat }] : [];
      } finally {
        pathTypes.pop();
        pathIndexes.pop();
      }
    },
    blocks(parent) {
      const out: Flow[] = [];
      let run: Phrasing[] = [];
      const content = parent.content ?? [];
      for (let i = 0; i < content.length; i += 1) {
        for (const md of state.one(content[i] as AdfNode, parent, i)) {
          if (isPhrasing(md)) run.push(md as Phrasing);
          else {
            if (run.length > 0) wrapRun(run, out);
            run = [];
            // A list item outside a list (malformed ADF) would not serialize: it gets a list of its own.
            out.push(md.type === 'listItem' ? { type: 'list', ordered: false, spread: false, children: [md] } : (md as Flow));
          }
        }
      }
      if (run.length > 0) wrapRun(run, out);
      return out;
    },
    inlines(parent) {
      const out: Phrasing[] = [];
      const content = parent.content ?? [];
      const placed = new Set<string>();
      content.forEach((child, i) => {
        for (const md of state.one(child, parent, i)) out.push(...toPhrasing(md));
        // A footnote reference goes after the last consecutive node carrying the annotation.
        if (options.footnotes) {
          const next = annotations(content[i + 1]);
          for (const id of annotations(child)) {
            if (placed.has(id) || next.includes(id)) continue;
            const label = options.footnotes.ref(id);
            placed.add(id);
            if (label) out.push({ type: 'footnoteReference', identifier: label, label });
          }
        }
      });
      return hoistSpaces(mergePhrasing(out));
    },
    href(url) {
      if (!isSafeUrl(url)) {
        state.report('approximated', 'link', `A link to a ${url.split(':')[0]?.trim() || 'unsafe'}: URL was removed; its text is kept.`);
        return undefined;
      }
      return options.linkRewrite?.(url) ?? url;
    },
    slug(text, depth = 1) {
      return slugger.slug(text, depth);
    },
  };
  return state;
}

/** Attributes ADF defines as text: another type (a number as emoji shortName …) is read as text where it can be. */
const textAttrs = new Set(['text', 'title', 'shortName', 'language', 'panelType', 'state', 'url', 'src', 'alt', 'extensionKey']);
/** Marks ADF allows on nodes other than text (block and media marks); others mean nothing there. */
const nodeMarks = new Set(['link', 'annotation', 'alignment', 'indentation', 'breakout', 'border', 'dataConsumer', 'fragment', 'backgroundColor']);

/** Names wrong-typed attributes and marks a node cannot carry (never fatal: the node converts as well as it can). */
function oddities(state: State, node: AdfNode): void {
  const attrs = node.attrs;
  if (attrs) {
    // A node has a few attributes: walking them is cheaper than looking up every text attribute.
    for (const key in attrs) {
      const v = attrs[key];
      if (v === undefined || typeof v === 'string' || !textAttrs.has(key)) continue;
      const kind = v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
      state.report('approximated', node.type, `Attribute "${key}" holds ${kind}, not text; ${typeof v === 'number' ? 'it is read as text' : 'it is ignored'}.`);
    }
  }
  if (node.type === 'text' || !node.marks) return;
  for (const mark of node.marks) {
    const type = typeof mark?.type === 'string' ? mark.type : '?';
    if (!nodeMarks.has(type)) state.report('dropped-mark', type, `A "${type}" mark on a ${node.type} node (it takes none of that kind) was ignored.`);
  }
}

/**
 * Deeper ADF is flattened to text: the converter, the Markdown serializer and HTML parsers all
 * recurse, and real pages stay far below this (lists six deep inside a table in a layout ≈ 25).
 */
export const MAX_DEPTH = 64;

/** `table[key]` only for the table's own keys: a node type `constructor` must not find Object's. */
export function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The node itself, a copy without its malformed parts, or undefined when it is no node at all. */
function wellFormed(value: unknown): AdfNode | undefined {
  if (!isObject(value) || typeof value.type !== 'string') return undefined;
  const badContent = value.content !== undefined && !Array.isArray(value.content);
  const badMarks = value.marks !== undefined && !Array.isArray(value.marks);
  const badAttrs = value.attrs !== undefined && !isObject(value.attrs);
  const badText = value.text !== undefined && typeof value.text !== 'string';
  if (!badContent && !badMarks && !badAttrs && !badText) return value as unknown as AdfNode;
  const copy = { ...value } as Record<string, unknown>;
  if (badContent) delete copy.content;
  if (badMarks) delete copy.marks;
  if (badAttrs) delete copy.attrs;
  if (badText) delete copy.text;
  return copy as unknown as AdfNode;
}

/** Every text of a subtree, blocks separated by spaces; iterative, so depth cannot overflow it. */
export function flatText(root: AdfNode): string {
  const parts: string[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (!isObject(node)) continue;
    if (typeof node.text === 'string') parts.push(node.text);
    else if (isObject(node.attrs) && typeof node.attrs.text === 'string') parts.push(node.attrs.text);
    if (Array.isArray(node.content)) for (let i = node.content.length - 1; i >= 0; i -= 1) stack.push(node.content[i]);
  }
  return parts.join(' ').replace(/\s+/g, ' ').trim();
}

/** Stray phrasing in a flow context becomes a paragraph, unless it is only whitespace and breaks. */
function wrapRun(run: Phrasing[], out: Flow[]): void {
  const merged = mergePhrasing(run);
  if (merged.length > 0 && !merged.every(isBlank)) out.push({ type: 'paragraph', children: merged });
}

/** Schemes that can run code when clicked; removed from every export, not only from HTML. */
export function isSafeUrl(url: string): boolean {
  // Browsers ignore control characters and whitespace inside a scheme ("java\tscript:").
  const squashed = url.replace(/[\u0000-\u0020\u007f]/g, '').toLowerCase();
  return !/^(javascript|vbscript|data|file):/.test(squashed);
}

/**
 * Image sources must load, not run: only http(s) and relative URLs (a `javascript:` or `data:`
 * source is removed like a link's href, with the same filter).
 */
export function isSafeImageUrl(url: string): boolean {
  if (!isSafeUrl(url)) return false;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url.replace(/[\u0000-\u0020\u007f]/g, ''))?.[1]?.toLowerCase();
  return scheme === undefined || scheme === 'http' || scheme === 'https';
}

function annotations(node: AdfNode | undefined): string[] {
  const ids: string[] = [];
  for (const m of node?.marks ?? []) {
    const id = m.attrs?.id;
    if (m.type === 'annotation' && typeof id === 'string') ids.push(id);
  }
  return ids;
}

function isBlank(node: Phrasing): boolean {
  return (node.type === 'text' && node.value.trim() === '') || node.type === 'break';
}

const alertLabels: Record<string, string> = { NOTE: 'Note', IMPORTANT: 'Important', TIP: 'Tip', WARNING: 'Warning', CAUTION: 'Caution' };

/** "Note", "Warning" … for an alert marker (`[!NOTE]`), as GitHub titles its alerts. */
export function alertLabel(marker: string): string {
  return own(alertLabels, /\[!(\w+)\]/.exec(marker)?.[1] ?? '') ?? 'Note';
}

/** Flattens a block into phrasing when a block shows up where only inline content fits; a panel keeps its label. */
export function toPhrasing(node: MdNode): Phrasing[] {
  if (node.type === 'html' && renderData(node).alert) return [{ type: 'strong', children: [{ type: 'text', value: `${alertLabel(node.value)}:` }] }];
  if (isPhrasing(node) || node.type === 'html') return [node as Phrasing];
  switch (node.type) {
    case 'paragraph':
    case 'heading':
    case 'tableCell':
      return node.children;
    case 'code':
      return [{ type: 'inlineCode', value: node.value }];
    default: {
      if (!('children' in node)) return [];
      const parts: Phrasing[] = [];
      for (const child of node.children as MdNode[]) {
        const inner = toPhrasing(child);
        if (inner.length === 0) continue;
        if (parts.length > 0) parts.push({ type: 'text', value: ' ' });
        parts.push(...inner);
      }
      return parts;
    }
  }
}

function sameWrapper(a: Phrasing, b: Phrasing): boolean {
  if (a.type !== b.type) return false;
  if (renderData(a).hName !== renderData(b).hName) return false;
  if (JSON.stringify(renderData(a).hProperties) !== JSON.stringify(renderData(b).hProperties)) return false;
  if (a.type === 'link' && b.type === 'link') return a.url === b.url && a.title === b.title;
  return a.type === 'strong' || a.type === 'emphasis' || a.type === 'delete';
}

/**
 * Joins adjacent wrappers of the same kind, so `[**a**](x)[b](x)` (two ADF text nodes sharing a
 * link) becomes one link `[**a**b](x)`, and adjacent texts become one text node.
 */
export function mergePhrasing(nodes: Phrasing[]): Phrasing[] {
  const out: Phrasing[] = [];
  for (const node of nodes) {
    const last = out[out.length - 1];
    if (last && last.type === 'text' && node.type === 'text') {
      out[out.length - 1] = { type: 'text', value: last.value + node.value };
    } else if (last && sameWrapper(last, node) && 'children' in last && 'children' in node) {
      const merged = mergePhrasing([...(last.children as Phrasing[]), ...(node.children as Phrasing[])]);
      (last as { children: Phrasing[] }).children = merged;
    } else {
      out.push(node);
    }
  }
  return out;
}

/**
 * Moves whitespace at the edges of strong/emphasis/delete outside them: `**bold **x` is not bold
 * in Markdown (the serializer would have to write `**bold&#x20;**`), `**bold** x` is.
 */
export function hoistSpaces(nodes: Phrasing[]): Phrasing[] {
  const out: Phrasing[] = [];
  for (const node of nodes) {
    if (!('children' in node)) {
      out.push(node);
      continue;
    }
    const children = hoistSpaces(node.children as Phrasing[]);
    (node as { children: Phrasing[] }).children = children;
    if (node.type !== 'strong' && node.type !== 'emphasis' && node.type !== 'delete') {
      out.push(node);
      continue;
    }
    const first = children[0];
    const last = children[children.length - 1];
    let lead = '';
    let trail = '';
    if (first?.type === 'text') {
      lead = /^\s*/.exec(first.value)?.[0] ?? '';
      first.value = first.value.slice(lead.length);
    }
    if (last?.type === 'text') {
      trail = /\s*$/.exec(last.value)?.[0] ?? '';
      last.value = last.value.slice(0, last.value.length - trail.length);
    }
    const kept = children.filter((c) => c.type !== 'text' || c.value !== '');
    (node as { children: Phrasing[] }).children = kept;
    if (lead) out.push({ type: 'text', value: lead });
    if (kept.length > 0) out.push(node);
    if (trail) out.push({ type: 'text', value: trail });
  }
  return mergePhrasing(out);
}
