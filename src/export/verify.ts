/**
 * The independent check behind every export: what a reader sees in the source ADF (text, mention
 * names, status text, dates, emoji, card and link URLs, code lines, expand titles, macro titles)
 * must appear in the output. It reads the ADF and the output string on its own and shares no code
 * with the converter's handlers, so a handler bug cannot hide its own loss.
 *
 * Comparison is on "squashed" text: letters and digits only, after decoding character references,
 * so Markdown escapes, emphasis markers, HTML tags and line breaks between them do not matter.
 */
import type { ReportEntry } from './report';

export interface VerifyOptions {
  /** accountId → display name: a mention shows the name when it is known. */
  users?: ReadonlyMap<string, string>;
  /** The same rewrite the export applied to links: a rewritten URL is looked for instead. */
  linkRewrite?: (href: string) => string | undefined;
  pageId?: string;
}

export interface Verification {
  /** Visible units found in the source. */
  units: number;
  /** One entry per unit not found in the output, with its node path. */
  missing: ReportEntry[];
}

/**
 * The walk's record, as parallel arrays (no object per node or per unit): node `i` of the walk has
 * its parent's index, its index among its siblings and its type; unit `u` has its squashed value,
 * the node it came from and what it is. Paths are built only for the units that are missing.
 */
interface Walk {
  parent: number[];
  index: number[];
  type: string[];
  value: string[];
  node: number[];
  what: string[];
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

const references: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Letters and digits only, character references decoded first. */
export function squash(text: string): string {
  return keepLettersAndDigits(text.includes('&') ? decodeReferences(text) : text);
}

const notLetterOrDigit = /[^\p{L}\p{N}]+/gu;

/** The reference definition of `squash`, one Unicode regex over the whole text (tests compare). */
export function squashByRegex(text: string): string {
  return (text.includes('&') ? decodeReferences(text) : text).replace(notLetterOrDigit, '');
}

/**
 * Same result as `squashByRegex`, in fewer instructions: ASCII is classified by char code (its
 * only letters and digits are A-Z, a-z, 0-9) and kept as slices of the input; only runs of
 * non-ASCII code units (which keep surrogate pairs together) go through the Unicode regex.
 * (Measured: slices joined by `+=` beat an array join and beat the regex on long text.)
 */
function keepLettersAndDigits(text: string): string {
  let out = '';
  let start = 0; // start of the pending run of kept ASCII characters
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c < 128) {
      if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90)) {
        i += 1;
        continue;
      }
      if (start < i) out += text.slice(start, i);
      i += 1;
      start = i;
      continue;
    }
    if (start < i) out += text.slice(start, i);
    let end = i + 1;
    while (end < n && text.charCodeAt(end) >= 128) end += 1;
    out += text.slice(i, end).replace(notLetterOrDigit, '');
    i = end;
    start = end;
  }
  if (start === 0) return text; // nothing dropped (start only moves past a dropped or regexed run)
  return start < n ? out + text.slice(start, n) : out;
}

/**
 * Character references of the output decoded, as its reader decodes them. A reference whose `&` is
 * backslash-escaped (`\&amp;`: an odd run of backslashes before it) is literal text in Markdown.
 */
function decodeReferences(text: string): string {
  return text.replace(/(\\*)&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, slashes: string, ref: string) => {
    if (slashes.length % 2 === 1) return m;
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? slashes + String.fromCodePoint(code) : m;
    }
    return Object.hasOwn(references, ref.toLowerCase()) ? slashes + (references[ref.toLowerCase()] as string) : m;
  });
}

/** Schemes an export removes on purpose (script-capable): their URLs are not expected. */
function removedOnPurpose(url: string): boolean {
  return /^(javascript|vbscript|data|file):/.test(url.replace(/[\u0000-\u0020\u007f]/g, '').toLowerCase());
}

function isoDay(timestamp: unknown): string | undefined {
  const n = typeof timestamp === 'number' ? timestamp : typeof timestamp === 'string' && timestamp.trim() !== '' ? Number(timestamp) : NaN;
  if (!Number.isFinite(n)) return undefined;
  const d = new Date(n);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString().slice(0, 10);
}

/** ADF a macro carries in its parameters (a nested table's inner document). */
function embedded(attrs: Obj): unknown[] {
  const params = attrs.parameters;
  if (!isObj(params)) return [];
  const out: unknown[] = [];
  const values: unknown[] = Object.values(params);
  if (isObj(params.macroParams)) for (const p of Object.values(params.macroParams)) values.push(isObj(p) ? p.value : p);
  for (const v of values) {
    if (isObj(v) && v.type === 'doc') out.push(v);
    else if (typeof v === 'string' && v.startsWith('{') && v.includes('"doc"')) {
      try {
        const doc: unknown = JSON.parse(v);
        if (isObj(doc) && doc.type === 'doc') out.push(doc);
      } catch {
        // Not JSON: the converter shows a placeholder; nothing visible to expect.
      }
    }
  }
  return out;
}

function macroTitle(attrs: Obj): string | undefined {
  const params = isObj(attrs.parameters) ? attrs.parameters : undefined;
  const title = params && isObj(params.macroParams) ? params.macroParams.title : undefined;
  return str(isObj(title) ? title.value : title);
}

const noAttrs: Obj = Object.freeze({});

/** Visible units of a document, in document order, walking iteratively (any depth). */
function collect(doc: unknown, options: VerifyOptions): Walk {
  const walk: Walk = { parent: [], index: [], type: [], value: [], node: [], what: [] };
  const addLine = (line: string, id: number, what: string): void => {
    // Source text is literal: `&amp;` typed on a page is what the reader must see, not `&`.
    const s = keepLettersAndDigits(line);
    if (!s) return;
    walk.value.push(s);
    walk.node.push(id);
    walk.what.push(what);
  };
  const add = (value: string | undefined, id: number, what: string): void => {
    if (value === undefined) return;
    if (!value.includes('\n')) return addLine(value, id, what);
    for (const line of value.split('\n')) addLine(line, id, what);
  };
  const url = (href: unknown, id: number, what: string): void => {
    const raw = str(href);
    if (!raw || removedOnPurpose(raw)) return;
    // Markdown writes a mail link whose text is its address as the autolink `<a@b.c>`: no "mailto:".
    const shown = options.linkRewrite?.(raw) ?? raw;
    add(/^mailto:/i.test(shown) ? shown.slice(7) : shown, id, what);
  };
  // The stack, also as parallel arrays: node, parent's walk index, index among siblings.
  const stackNode: unknown[] = [doc];
  const stackParent: number[] = [-1];
  const stackIndex: number[] = [-1];
  while (stackNode.length > 0) {
    const node = stackNode.pop();
    const parent = stackParent.pop() as number;
    const index = stackIndex.pop() as number;
    if (!isObj(node) || typeof node.type !== 'string') continue;
    const id = walk.parent.length;
    walk.parent.push(parent);
    walk.index.push(index);
    walk.type.push(parent === -1 ? 'doc' : node.type);
    const attrs = isObj(node.attrs) ? node.attrs : noAttrs;
    switch (node.type) {
      case 'text':
        add(str(node.text), id, 'text');
        if (Array.isArray(node.marks)) {
          for (const m of node.marks) if (isObj(m) && m.type === 'link' && isObj(m.attrs)) url(m.attrs.href, id, 'link URL');
        }
        break;
      case 'mention': {
        const name = options.users?.get(str(attrs.id) ?? '');
        add(name ?? (str(attrs.text) || str(attrs.id)), id, 'mention');
        break;
      }
      case 'status':
        add(str(attrs.text), id, 'status');
        break;
      case 'date':
        add(isoDay(attrs.timestamp) ?? str(attrs.timestamp), id, 'date');
        break;
      case 'emoji':
        add(str(attrs.text) || str(attrs.shortName), id, 'emoji');
        break;
      case 'inlineCard':
      case 'blockCard':
      case 'embedCard':
        url(attrs.url ?? (isObj(attrs.data) ? attrs.data.url : undefined), id, 'card URL');
        break;
      case 'expand':
      case 'nestedExpand':
        add(str(attrs.title), id, 'expand title');
        break;
      case 'extension':
      case 'bodiedExtension':
      case 'inlineExtension':
      case 'multiBodiedExtension': {
        add(macroTitle(attrs), id, 'macro title');
        const docs = embedded(attrs);
        for (let i = docs.length - 1; i >= 0; i -= 1) {
          stackNode.push(docs[i]); // a `doc` (embedded() checks), so its path step is `doc[i]`
          stackParent.push(id);
          stackIndex.push(i);
        }
        break;
      }
      case 'placeholder':
        // Editor-only hint text, not shown on published pages.
        continue;
      default:
        break;
    }
    if (Array.isArray(node.content)) {
      for (let i = node.content.length - 1; i >= 0; i -= 1) {
        stackNode.push(node.content[i]);
        stackParent.push(id);
        stackIndex.push(i);
      }
    }
  }
  return walk;
}

function pathOf(walk: Walk, id: number): string {
  const parts: string[] = [];
  for (let f = id; f >= 0; f = walk.parent[f] as number) {
    const type = walk.type[f] as string;
    parts.push(walk.parent[f] === -1 ? type : `${type}[${walk.index[f] as number}]`);
  }
  return parts.reverse().join('/');
}

/**
 * Every visible unit of `doc` must occur in `output` (Markdown or HTML). Units are looked for in
 * document order from where the previous one was found (cheap: the output mostly follows the
 * source), then anywhere (a table of contents or footnotes reorder text).
 */
export function verifyExport(doc: unknown, output: string, options: VerifyOptions = {}): Verification {
  const walk = collect(doc, options);
  const seen = squash(output);
  const missing: ReportEntry[] = [];
  let cursor = 0;
  const count = walk.value.length;
  for (let u = 0; u < count; u += 1) {
    const value = walk.value[u] as string;
    let at = seen.indexOf(value, cursor);
    if (at < 0) at = seen.indexOf(value);
    if (at >= 0) {
      cursor = at + value.length;
      continue;
    }
    const id = walk.node[u] as number;
    const entry: ReportEntry = {
      kind: 'content-missing',
      what: walk.type[id] as string,
      // The text itself stays out of the report (reports travel into job state and summaries).
      detail: `A ${walk.what[u] as string} (${value.length} letters and digits) of the page was not found in the export.`,
      path: pathOf(walk, id),
    };
    if (options.pageId !== undefined) entry.pageId = options.pageId;
    missing.push(entry);
  }
  return { units: count, missing };
}
