/**
 * Escaping by the rules of the tool that reads the export. Page text is user text: what one
 * Markdown reader shows as text, another runs as code (MDX), renders as HTML (Python-Markdown) or
 * hides (Obsidian). Each target lists the characters its parser reads as syntax, as unsafe patterns
 * for mdast-util-to-markdown (so every place the serializer writes text — paragraphs, headings,
 * table cells, link text, image alt, titles — is covered), and which of them must be written as
 * character references because that parser does not honour a backslash before them. Text is
 * escaped, never dropped: the reader sees every character.
 */
import type { ConstructName, Handle, Handlers, State, Unsafe } from 'mdast-util-to-markdown';
import { defaultHandlers } from 'mdast-util-to-markdown';

/** Whose parser reads the Markdown: GFM (today's output), MDX 3 (Docusaurus), Python-Markdown (MkDocs), Obsidian. */
export type Dialect = 'gfm' | 'mdx' | 'python-markdown' | 'obsidian';

/** Constructs whose text is not parsed as phrasing (URLs, link titles): left as GFM escapes them. */
const notText: ConstructName[] = ['autolink', 'destinationLiteral', 'destinationRaw', 'reference', 'titleQuote', 'titleApostrophe'];
/** URLs: a character reference there is taken literally by Python-Markdown, so they keep GFM's escapes. */
const urls: ConstructName[] = ['autolink', 'destinationLiteral', 'destinationRaw', 'reference'];
const titles: ConstructName[] = ['titleQuote', 'titleApostrophe'];
/** A line start, as the serializer sees it: the start of its string or after a line ending. */
const lineStart = '(?:^|[\\r\\n])[\\t ]*';

export interface DialectRules {
  unsafe: Unsafe[];
  /** Characters written as character references (`&#x3C;`) instead of `\<` wherever they are escaped. */
  encode: string[];
}

/**
 * MDX 3 (Docusaurus 3's default `markdown.format: 'mdx'`): `{` starts a JavaScript expression and
 * `<` JSX anywhere in text, and a line starting with `import`/`export` is ESM — all run at build
 * time. micromark-extension-mdx-expression and -jsx honour CommonMark's backslash escapes, so `\{`,
 * `\}`, `\<` stay text (checked with @mdx-js/mdx 3.1.1, the version .ci/docusaurus pins); a
 * keyword's first letter is no punctuation, so it becomes a reference (`&#x65;xport`). The same
 * output is plain CommonMark under `markdown.format: 'detect'`.
 */
const mdx: DialectRules = {
  unsafe: [
    { character: '{', notInConstruct: notText },
    { character: '}', notInConstruct: notText },
    { character: '<', notInConstruct: notText },
    { character: 'i', before: lineStart, after: 'mport\\b', notInConstruct: notText },
    { character: 'e', before: lineStart, after: 'xport\\b', notInConstruct: notText },
  ],
  encode: [],
};

/**
 * Python-Markdown (MkDocs) honours backslash escapes only before ``\`*_{}[]()>#+-.!`` (its
 * ESCAPED_CHARS), so GFM's `\<` leaves raw HTML in place and `\&` a live entity: both are
 * written as references. `{` is too, wherever it is: the generated mkdocs.yml no longer enables
 * `attr_list`, but a site that adds it back must not get `{: onmouseover=… }` from page text.
 */
const pythonMarkdown: DialectRules = {
  unsafe: [
    { character: '<', notInConstruct: notText },
    { character: '&', after: '[#A-Za-z]', notInConstruct: notText },
    { character: '{', notInConstruct: notText },
    // A link title: Python-Markdown finds its end by its own rules (a `'` inside a `"…"` title ended
    // it, and the rest of an attachment's name became raw HTML on the built site; .ci/real-tools)
    // and keeps backslashes there, so these are references, which it leaves for the browser to read.
    ...['"', "'", '(', ')', '<', '>', '&'].map((character): Unsafe => ({ character, inConstruct: titles })),
  ],
  encode: ['<', '&', '{', '"', "'", '(', ')', '>'],
};

/**
 * Obsidian's own syntax on top of GFM: `%%` comments hide text, `==` highlights, `#tag` makes a
 * tag, ` ^id` at a block's end a hidden block id, `$` LaTeX. Its extensions are recognised on the
 * source, where a backslash is not reliably honoured, so the syntax character is written as a
 * reference (`&#x25;%`), which reading view shows as the character. `[[` needs nothing more: GFM's
 * rules already escape every `[` of text (`\[\[`), and a wikilink needs two bare brackets.
 */
const obsidian: DialectRules = {
  unsafe: [
    { character: '%', after: '%', notInConstruct: notText },
    { character: '=', after: '=', notInConstruct: notText },
    { character: '#', after: '[^\\s#]', notInConstruct: notText },
    { character: '^', after: '[\\w-]', notInConstruct: notText },
    { character: '$', notInConstruct: notText },
  ],
  encode: ['%', '=', '#', '^', '$'],
};

export const DIALECTS: Readonly<Record<Dialect, DialectRules>> = {
  gfm: { unsafe: [], encode: [] },
  mdx,
  'python-markdown': pythonMarkdown,
  obsidian,
};

/** A view of `state` whose `safe` also writes `encode`'s characters as references. */
export function encoding(state: State, encode: readonly string[]): State {
  if (encode.length === 0) return state;
  const view = Object.create(state) as State;
  view.safe = function safe(value, config) {
    // A URL keeps GFM's escapes: a reference there would be taken literally by Python-Markdown.
    if (this.stack.some((name) => (urls as string[]).includes(name))) return state.safe.call(this, value, config);
    return state.safe.call(this, value, { ...config, encode: [...(config.encode ?? []), ...encode] });
  };
  return view;
}

/** Handlers that escape text themselves (alt, titles, labels) with the dialect's references. */
export function encodingHandlers(encode: readonly string[]): Partial<Handlers> {
  if (encode.length === 0) return {};
  const wrap = (h: Handle): Handle => (node, parent, state, info) => h(node, parent, encoding(state, encode), info);
  return { image: wrap(defaultHandlers.image), imageReference: wrap(defaultHandlers.imageReference), link: wrap(defaultHandlers.link), linkReference: wrap(defaultHandlers.linkReference) };
}

const references: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '{': '&#123;', '}': '&#125;' };

/** Text for HTML a tool's template prints unescaped (MkDocs nav titles): `&<>"'` as references. */
export function htmlText(value: string): string {
  return value.replace(/[&<>"']/g, (c) => references[c] ?? c);
}

/** HTML elements without content: JSX wants them closed (`<br />`). */
const VOID = /<(br|hr|img|input|col|wbr)\b((?:[^>"']|"[^"]*"|'[^']*')*?)\s*\/?>/gi;
/** HTML attribute names as React (Docusaurus' MDX runtime) spells them. */
const REACT_ATTRS: Record<string, string> = { class: 'className', colspan: 'colSpan', rowspan: 'rowSpan', for: 'htmlFor', tabindex: 'tabIndex' };

/**
 * Raw HTML the converter wrote (tables with merged cells, `<details>`, anchors, status spans), made
 * valid MDX: void elements closed, attribute names React's, and `{` `}` as references. MDX parses the
 * text between JSX tags as Markdown (a GFM reader does not, inside an HTML block), so the Markdown
 * punctuation of that text is written as references too: a cell's `[x](javascript:…)` stays text.
 * Page text in it was HTML-escaped already, so every `<` left is a tag the converter wrote. Checked
 * by compiling hostile pages with @mdx-js/mdx 3.1.1 (no ESM, no expression, no `on*` attribute).
 * HTML comments are left alone: the only one is the report marker, replaced at zip time (../presets/site).
 */
export function jsxSafe(html: string): string {
  return html
    // MDX reads a line that starts with a tag as a block and text after it as a paragraph, so a cell
    // over several lines (a hard break, a list) would end inside a paragraph before `</td>`. On one
    // line the cell is one JSX element with its children as written. (Cells hold no tables, and
    // text newlines are `&#10;` in these tables, so every newline here is between tags.)
    .replace(/<t([dh])\b[^>]*>[\s\S]*?<\/t\1>/g, (cell) => cell.replace(/\n/g, ''))
    .replace(/<[a-z][^>]*>|<\/[a-z][\w-]*>|<!--[\s\S]*?-->|[^<]+/gi, (part) => {
      if (!part.startsWith('<')) return part.replace(/[{}[\]*_`~\\]/g, (c) => references[c] ?? `&#${c.charCodeAt(0)};`);
      if (part.startsWith('<!--') || part.startsWith('</')) return part;
      return part
        .replace(/[{}]/g, (c) => references[c] ?? c)
        .replace(/(\s)([a-z-]+)(?==|\s|\/?>$)/gi, (m, sp: string, name: string) => {
          const react = REACT_ATTRS[name.toLowerCase()];
          return react ? `${sp}${react}` : m;
        })
        .replace(VOID, (_all, tag: string, attrs: string) => `<${tag}${attrs.replace(/\s+$/, '')} />`);
    });
}

