/**
 * Page properties: the key/value table of each `details` macro (Confluence's "Page Properties"),
 * read straight from the ADF so they can go into front matter and into property reports
 * (`detailssummary`) without another request.
 */
import type { AdfNode } from '../adf';
import { adfText, attrString } from '../adf/types';
import type { ReportEntry } from '../report';

/** A property value as front matter holds it: text, a link's URL, or a list. */
export type PropertyValue = string | string[];
export type Properties = Record<string, PropertyValue>;

/** Lower case, letters and digits only, every other run of characters one `sep`. */
export function normaliseKey(key: string, sep: '_' | '-'): string {
  return key
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, sep)
    .replace(new RegExp(`^\\${sep}+|\\${sep}+$`, 'g'), '');
}

function children(node: AdfNode): AdfNode[] {
  return Array.isArray(node.content) ? node.content : [];
}

function* walk(node: AdfNode): Generator<AdfNode> {
  const stack: AdfNode[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (typeof n !== 'object' || n === null || typeof n.type !== 'string') continue;
    yield n;
    const c = children(n);
    for (let i = c.length - 1; i >= 0; i -= 1) stack.push(c[i] as AdfNode);
  }
}

const squash = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** One value cell: a list becomes a list, links their URLs (rewritten when exported), else its text. */
function cellValue(cell: AdfNode, rewrite: (href: string) => string): PropertyValue | undefined {
  const list = [...walk(cell)].find((n) => n.type === 'bulletList' || n.type === 'orderedList');
  if (list) return children(list).map((item) => squash(adfText(item))).filter((t) => t !== '');
  const hrefs: string[] = [];
  for (const n of walk(cell)) {
    if (n.type === 'inlineCard' || n.type === 'blockCard') {
      const url = attrString(n, 'url');
      if (url) hrefs.push(rewrite(url));
    }
    for (const m of n.marks ?? []) {
      const href = m.type === 'link' && typeof m.attrs?.href === 'string' ? m.attrs.href : undefined;
      if (href && !hrefs.includes(rewrite(href))) hrefs.push(rewrite(href));
    }
  }
  // A cell of links is its links (the text of a link names it; the URL is what a tool can use).
  if (hrefs.length === 1) return hrefs[0];
  if (hrefs.length > 1) return hrefs;
  const text = squash(adfText(cell));
  return text === '' ? undefined : text;
}

/**
 * The properties of every `details` macro of a document, the first value of a key winning.
 * Keys are normalised for front matter; a key that changed beyond case and spacing is reported.
 */
export function pageProperties(doc: AdfNode, o: { sep: '_' | '-'; rewrite?: (href: string) => string | undefined; pageId?: string }): { properties: Properties; report: ReportEntry[] } {
  const properties: Properties = Object.create(null) as Properties;
  const report: ReportEntry[] = [];
  const rewrite = (href: string): string => o.rewrite?.(href) ?? href;
  const note = (detail: string): void => {
    report.push({ kind: 'approximated', what: 'page-properties', detail, ...(o.pageId ? { pageId: o.pageId } : {}) });
  };
  for (const macro of walk(doc)) {
    if (macro.type !== 'bodiedExtension' || attrString(macro, 'extensionKey') !== 'details') continue;
    for (const row of walk(macro)) {
      if (row.type !== 'tableRow') continue;
      const [keyCell, valueCell] = children(row);
      if (!keyCell || !valueCell) continue;
      const raw = squash(adfText(keyCell));
      const key = normaliseKey(raw, o.sep);
      if (key === '') {
        if (raw !== '') note(`The page property "${raw}" has no letters or digits to make a front-matter key of; it was left out.`);
        continue;
      }
      // Properties have a front-matter key of their own (`confluence.properties`), so `id` or
      // `custom_edit_url` there is just a property: no key needs renaming.
      if (key !== raw.toLowerCase().replace(/\s+/g, o.sep)) {
        note(`The page property "${raw}" became the front-matter key "${key}".`);
      }
      if (key in properties) continue;
      const value = cellValue(valueCell, rewrite);
      if (value !== undefined) properties[key] = value;
    }
  }
  return { properties, report };
}

/** What a Page Properties Report macro asks for, from its parameters. */
export interface ReportQuery {
  labels: string[];
  /** The CQL, when it says more than labels (it cannot be evaluated offline). */
  cql?: string;
}

/**
 * Labels a report filters on: its `label` parameter (comma separated) and `label = "x"` /
 * `label in ("x", "y")` clauses of its CQL. Anything else in the CQL is kept to be reported.
 */
export function reportQuery(params: Readonly<Record<string, string>>): ReportQuery {
  const labels = (params.label ?? params.labels ?? '').split(',').map((l) => l.trim()).filter((l) => l !== '');
  const cql = params.cql?.trim();
  if (!cql) return { labels };
  let rest = cql;
  rest = rest.replace(/\blabel\s*(=|in)\s*(\(([^)]*)\)|"([^"]*)"|'([^']*)'|([\w.-]+))/gi, (_m, _op, _all, list?: string, dq?: string, sq?: string, bare?: string) => {
    const found = list !== undefined ? list.split(',').map((s) => s.trim().replace(/^["']|["']$/g, '')) : [dq ?? sq ?? bare ?? ''];
    labels.push(...found.filter((l) => l !== ''));
    return '';
  });
  rest = rest.replace(/\b(and|or)\b/gi, '').replace(/[()\s]/g, '');
  return rest === '' ? { labels } : { labels, cql };
}
