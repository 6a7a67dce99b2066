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
  /**
   * The converter's own report: a structural finding is only a loss nobody named when no entry of
   * the converter already names that kind of structure (a `flattened` list, an approximated table).
   */
  report?: readonly ReportEntry[];
  /**
   * Panels and expands are checked as themselves (GitHub alerts, `panel-<type>` boxes,
   * `<summary>`): false when a tree-export preset rewrote them into its own admonitions.
   */
  containers?: boolean;
}

export interface Verification {
  /** Visible units found in the source. */
  units: number;
  /** One entry per unit not found in the output, with its node path. */
  missing: ReportEntry[];
  /** One entry per kind of structure the output holds less of than the source, not named in `report`. */
  structure: ReportEntry[];
}

/**
 * Structure of the source, counted in the same walk. Each kind keeps the walk index of its first
 * node, for the finding's path. Counted, not matched one by one: counting keeps the check linear.
 */
interface Structure {
  tasks: [done: number, todo: number];
  taskAt: number;
  /** Deepest nesting of lists (bullet, ordered, task, decision), restarting inside table cells. */
  depth: number;
  depthAt: number;
  /** Code-block languages (fence info or `language-` class expected), with their node. */
  langs: string[];
  langAt: number[];
  cells: number;
  merged: number;
  cellAt: number;
  panels: Map<string, number>;
  panelAt: number;
  expands: number;
  expandAt: number;
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

const listTypes = new Set(['bulletList', 'orderedList', 'taskList', 'decisionList']);

function emptyStructure(): Structure {
  return { tasks: [0, 0], taskAt: -1, depth: 0, depthAt: -1, langs: [], langAt: [], cells: 0, merged: 0, cellAt: -1, panels: new Map(), panelAt: -1, expands: 0, expandAt: -1 };
}

function span(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : 1;
  return Number.isFinite(n) ? n : 1;
}

/** The code macro's language as Confluence stores it: `language`, or wiki markup's unnamed `{code:cpp}`. */
function macroLanguage(attrs: Obj): string | undefined {
  const params = isObj(attrs.parameters) ? attrs.parameters.macroParams : undefined;
  const mp = isObj(params) ? params : isObj(attrs.macroParams) ? attrs.macroParams : undefined;
  if (!mp) return undefined;
  for (const k of ['language', 'lang', '']) {
    const v = mp[k];
    const lang = str(isObj(v) ? v.value : v);
    if (lang) return lang;
  }
  return undefined;
}

/** Visible units of a document, in document order, walking iteratively (any depth). */
function collect(doc: unknown, options: VerifyOptions, shape: Structure = emptyStructure()): Walk {
  const walk: Walk = { parent: [], index: [], type: [], value: [], node: [], what: [] };
  // List nesting per walked node, parallel to walk.parent.
  const depthOf: number[] = [];
  const lang = (value: string | undefined, id: number): void => {
    // What a fence's info string can hold: no fence characters, up to the first space.
    const word = value?.replace(/[`~]/g, '').trim().split(/\s/)[0]?.toLowerCase();
    if (!word || word === 'none') return;
    shape.langs.push(word);
    shape.langAt.push(id);
  };
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
    const outer = parent === -1 || node.type === 'tableCell' || node.type === 'tableHeader' ? 0 : (depthOf[parent] as number);
    const depth = listTypes.has(node.type) && Array.isArray(node.content) && node.content.length > 0 ? outer + 1 : outer;
    depthOf.push(depth);
    if (depth > shape.depth) {
      shape.depth = depth;
      shape.depthAt = id;
    }
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
        if (shape.expandAt < 0) shape.expandAt = id;
        shape.expands += 1;
        break;
      case 'taskItem':
      case 'blockTaskItem':
        if (shape.taskAt < 0) shape.taskAt = id;
        shape.tasks[attrs.state === 'DONE' ? 0 : 1] += 1;
        break;
      case 'codeBlock':
        lang(str(attrs.language), id);
        break;
      case 'tableCell':
      case 'tableHeader':
        if (shape.cellAt < 0) shape.cellAt = id;
        shape.cells += 1;
        if (span(attrs.colspan) > 1 || span(attrs.rowspan) > 1) shape.merged += 1;
        break;
      case 'panel': {
        const type = str(attrs.panelType) ?? 'info';
        if (shape.panelAt < 0) shape.panelAt = id;
        shape.panels.set(type, (shape.panels.get(type) ?? 0) + 1);
        break;
      }
      case 'media':
      case 'mediaInline':
      case 'image':
        // A link on an image or file must survive even when the file does not. A node holds one link
        // (ProseMirror keeps one mark of a type): a second link mark in malformed ADF is not expected.
        if (Array.isArray(node.marks)) {
          const link = node.marks.find((m) => isObj(m) && m.type === 'link');
          if (isObj(link) && isObj(link.attrs)) url(link.attrs.href, id, 'link URL on media');
        }
        if (node.type === 'image') url(attrs.src, id, 'image source');
        break;
      case 'extension':
      case 'bodiedExtension':
      case 'inlineExtension':
      case 'multiBodiedExtension': {
        add(macroTitle(attrs), id, 'macro title');
        const key = str(attrs.extensionKey);
        if (key === 'code' || key === 'code-block') lang(macroLanguage(attrs), id);
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
  const shape = emptyStructure();
  const walk = collect(doc, options, shape);
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
  return { units: count, missing, structure: checkStructure(shape, walk, output, options) };
}

/** Report `what`s that already name a loss of each kind of structure (see the converter's handlers). */
const named: Record<string, readonly string[]> = {
  tasks: ['taskList', 'taskItem', 'blockTaskItem'],
  depth: ['bulletList', 'orderedList', 'taskList', 'decisionList', 'listItem', 'taskItem', 'blockTaskItem'],
  code: ['codeBlock', 'code', 'code-block', 'noformat'],
  cells: ['table', 'tableRow', 'tableCell', 'tableHeader', 'nested-table'],
  panels: ['panel'],
  expands: ['expand', 'nestedExpand'],
};

/** GitHub's alert for each panel type that has one of its own (others are reported approximations). */
const alertOf: Record<string, string> = { info: 'NOTE', note: 'IMPORTANT', tip: 'TIP', warning: 'WARNING', error: 'CAUTION' };

function count(text: string, re: RegExp): number {
  let n = 0;
  re.lastIndex = 0;
  while (re.exec(text) !== null) n += 1;
  return n;
}

function occurrences(text: string, needle: string): number {
  let n = 0;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) n += 1;
  return n;
}

// `- - [x]`: a task whose list is the first thing in an item carries every marker on its line.
const mdTask = /^[ \t>]*(?:(?:[-*+]|\d+[.)])[ \t]+)+\[([ xX])\](?=[ \t]|$)/gm;
const htmlTask = /<input type="checkbox"[^>]*>/g;
const listMarker = /^((?:[ \t]*>)*)( *)([-*+]|\d{1,9}[.)])(?: |$)/;
const sameLineMarker = /^([-*+]|\d{1,9}[.)])(?: |$)/;
const htmlList = /<(\/?)(?:ul|ol)\b/g;
const htmlCell = /<t[dh][\s>]/g;
const mergedCell = /\s(?:colspan|rowspan)="/g;
const panelBox = /\[![A-Za-z]+\]|class="panel panel-|^\s*(?:!!!|\?\?\?) |^\s*:::+\w/gm;

/** Checked and unchecked task boxes in Markdown (`- [x]`) and HTML (`<input … checked>`). */
function taskBoxes(output: string): [number, number] {
  let done = 0;
  let todo = 0;
  mdTask.lastIndex = 0;
  for (let m = mdTask.exec(output); m !== null; m = mdTask.exec(output)) {
    if (m[1] === ' ') todo += 1;
    else done += 1;
  }
  htmlTask.lastIndex = 0;
  for (let m = htmlTask.exec(output); m !== null; m = htmlTask.exec(output)) {
    if (/\schecked/.test(m[0])) done += 1;
    else todo += 1;
  }
  return [done, todo];
}

/**
 * Deepest list nesting in the output: Markdown list markers by their indentation (an item is
 * inside the previous one when it starts at or past that item's content column; `>` prefixes of
 * blockquotes are set aside), and HTML `<ul>`/`<ol>` nesting (tables, HTML exports), whichever is deeper.
 */
function listDepth(output: string): number {
  let deepest = 0;
  const columns: number[] = [];
  // Code blocks are not set aside: a list-like line in code can only make the output look deeper.
  for (const line of output.split('\n')) {
    const m = listMarker.exec(line);
    if (!m) continue;
    const indent = (m[2] as string).length;
    while (columns.length > 0 && indent < (columns[columns.length - 1] as number)) columns.pop();
    let column = indent + (m[3] as string).length + 1;
    columns.push(column);
    // `- - item`: an item whose content starts with another list, on the same line.
    let rest = line.slice(m[0].length);
    for (let next = sameLineMarker.exec(rest); next; next = sameLineMarker.exec(rest)) {
      column += (next[1] as string).length + 1;
      columns.push(column);
      rest = rest.slice(next[0].length);
    }
    if (columns.length > deepest) deepest = columns.length;
  }
  let open = 0;
  htmlList.lastIndex = 0;
  for (let m = htmlList.exec(output); m !== null; m = htmlList.exec(output)) {
    open = m[1] ? Math.max(0, open - 1) : open + 1;
    if (open > deepest) deepest = open;
  }
  return deepest;
}

/** Cells of GFM pipe tables (a row's unescaped pipes minus one; the delimiter row is not cells) and of HTML tables. */
function tableCells(output: string): number {
  let cells = count(output, htmlCell);
  if (!output.includes('|')) return cells;
  for (const line of output.split('\n')) {
    const row = line.replace(/^(?:[ \t]*>)*[ \t]*/, '');
    if (row[0] !== '|' || /^\|(?:\s*:?-+:?\s*\|)+\s*$/.test(row)) continue;
    let pipes = 0;
    for (let i = 0; i < row.length; i += 1) if (row[i] === '|' && row[i - 1] !== '\\') pipes += 1;
    cells += Math.max(0, pipes - 1);
  }
  return cells;
}

/**
 * The source's structure against the output's: fewer task boxes of a state, shallower lists, a
 * code language not written, fewer cells or merged cells, panels or expands, each one finding —
 * unless the converter's report already names that kind of loss.
 */
function checkStructure(shape: Structure, walk: Walk, output: string, options: VerifyOptions): ReportEntry[] {
  const findings: ReportEntry[] = [];
  const report = options.report ?? [];
  const flattened = report.some((e) => e.kind === 'flattened');
  const isNamed = (kind: string): boolean => flattened || report.some((e) => (named[kind] ?? []).includes(e.what));
  const find = (kind: string, at: number, detail: string): void => {
    if (isNamed(kind)) return;
    const id = at < 0 ? 0 : at;
    const entry: ReportEntry = { kind: 'structure-missing', what: walk.type[id] ?? 'doc', detail, path: pathOf(walk, id) };
    if (options.pageId !== undefined) entry.pageId = options.pageId;
    findings.push(entry);
  };
  if (shape.tasks[0] + shape.tasks[1] > 0) {
    const [done, todo] = taskBoxes(output);
    if (done < shape.tasks[0] || todo < shape.tasks[1]) {
      find('tasks', shape.taskAt, `${shape.tasks[0]} done and ${shape.tasks[1]} open tasks in the page, ${done} and ${todo} checkboxes in the export.`);
    }
  }
  if (shape.depth >= 2) {
    const depth = listDepth(output);
    if (depth < shape.depth) find('depth', shape.depthAt, `Lists nested ${shape.depth} deep in the page are ${depth} deep in the export.`);
  }
  if (shape.langs.length > 0) {
    const lower = output.toLowerCase();
    shape.langs.forEach((lang, i) => {
      const cls = lang.replace(/[^\w+#.-]/g, '');
      if (!lower.includes(`\`\`\`${lang}`) && !lower.includes(`~~~${lang}`) && !lower.includes(`language-${cls}`)) {
        find('code', shape.langAt[i] as number, `A code block's language (${lang.length} characters) is not in the export.`);
      }
    });
  }
  if (shape.cells > 0) {
    const cells = tableCells(output);
    const merged = shape.merged > 0 ? count(output, mergedCell) : 0;
    if (cells < shape.cells) find('cells', shape.cellAt, `${shape.cells} table cells in the page, ${cells} in the export.`);
    else if (merged < shape.merged) find('cells', shape.cellAt, `${shape.merged} merged table cells in the page, ${merged} in the export.`);
  }
  if (shape.panels.size > 0) {
    let total = 0;
    for (const n of shape.panels.values()) total += n;
    const boxes = count(output, panelBox);
    if (boxes < total) find('panels', shape.panelAt, `${total} panels in the page, ${boxes} in the export.`);
    else if (options.containers !== false) {
      for (const [type, n] of shape.panels) {
        const alert = Object.hasOwn(alertOf, type) ? alertOf[type] : undefined;
        if (!alert) continue; // success and custom panels: the converter reports their approximation
        const shown = occurrences(output, `[!${alert}]`) + occurrences(output, `panel-${type}"`);
        if (shown < n) find('panels', shape.panelAt, `${n} ${type} panels in the page, ${shown} in the export.`);
      }
    }
  }
  if (shape.expands > 0 && options.containers !== false) {
    const shown = occurrences(output, '<summary');
    if (shown < shape.expands) find('expands', shape.expandAt, `${shape.expands} expands in the page, ${shown} in the export.`);
  }
  return findings;
}
