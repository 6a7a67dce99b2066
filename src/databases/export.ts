/**
 * An inspection as a file: JSON (the inspection as is, for tools) or Markdown (for people). The
 * Markdown is built as an mdast tree and serialized with mdast-util-to-markdown + GFM tables, so
 * titles, keys and messages are escaped by the serializer rather than by hand.
 */
import type * as Md from 'mdast';
import { gfmToMarkdown } from 'mdast-util-gfm';
import { toMarkdown } from 'mdast-util-to-markdown';
import { fileName } from '../export/names';
import type { Bounded, DatabaseExport, DatabaseExportFormat, DatabaseInspection, Person, Section } from '../shared/databases';

export const EXPORT_SCHEMA = 'content-toolkit/database-inspection@1';

export function exportInspection(inspection: DatabaseInspection, format: DatabaseExportFormat): DatabaseExport {
  const name = fileName(`${inspection.title} (database ${inspection.id})`, format);
  if (format === 'json') {
    return { format, fileName: name, mediaType: 'application/json', content: `${JSON.stringify({ schema: EXPORT_SCHEMA, inspection }, null, 2)}\n` };
  }
  return { format, fileName: name, mediaType: 'text/markdown', content: inspectionToMarkdown(inspection) };
}

// ---- mdast builders ----
type Phrasing = Md.PhrasingContent;
type Block = Md.RootContent;

const text = (value: string): Md.Text => ({ type: 'text', value });
const strong = (value: string): Md.Strong => ({ type: 'strong', children: [text(value)] });
const em = (value: string): Md.Emphasis => ({ type: 'emphasis', children: [text(value)] });
const code = (value: string): Md.InlineCode => ({ type: 'inlineCode', value });
const link = (url: string, label: string): Md.Link => ({ type: 'link', url, children: [text(label)] });
const para = (...children: Phrasing[]): Md.Paragraph => ({ type: 'paragraph', children });
const heading = (depth: 1 | 2 | 3, value: string): Md.Heading => ({ type: 'heading', depth, children: [text(value)] });
const list = (items: Phrasing[][]): Md.List => ({
  type: 'list', ordered: false, spread: false,
  children: items.map((c): Md.ListItem => ({ type: 'listItem', spread: false, children: [para(...c)] })),
});
const cell = (c: Phrasing[] | string): Md.TableCell => ({ type: 'tableCell', children: typeof c === 'string' ? [text(c)] : c });
function table(head: string[], rows: Array<Array<Phrasing[] | string>>): Md.Table {
  return {
    type: 'table',
    align: head.map(() => null),
    children: [head, ...rows].map((r): Md.TableRow => ({ type: 'tableRow', children: r.map(cell) })),
  };
}

const who = (p: Person | undefined): string => (!p ? '' : p.known ? p.displayName : `${p.displayName} (${p.accountId})`);
const missing = (s: Section<unknown>): Block[] =>
  s.ok ? [] : [para(em(`Not available: ${s.error.message}`), ...(s.error.hint ? [text(` ${s.error.hint}`)] : []))];
const moreLine = (b: Bounded<unknown>): Block[] =>
  b.more > 0 || b.note ? [para(em([b.more > 0 ? `…and ${b.more}${b.complete ? '' : '+'} more not shown.` : '', b.note ?? ''].filter(Boolean).join(' ')))] : [];

export function inspectionToMarkdown(i: DatabaseInspection): string {
  const out: Block[] = [heading(1, `Database: ${i.title}`)];
  if (i.url) out.push(para(link(i.url, i.url)));
  out.push(para(em(`Inspected ${i.inspectedAt}, as the signed-in user. Rows are not included: see "Rows" below.`)));

  out.push(heading(2, 'Metadata'));
  const meta: Array<[string, Phrasing[] | string]> = [
    ['Id', [code(i.id)]],
    ['Type', i.type],
    ['Status', i.status ?? ''],
    ['Space', i.space.ok ? [i.space.data.key, i.space.data.name].filter(Boolean).join(' — ') : i.spaceId ?? ''],
    ['Owner', who(i.owner)],
    ['Created by', who(i.author)],
    ['Created', i.createdAt ?? ''],
    ['Version', i.version ? [i.version.number, i.version.createdAt, who(i.version.by)].filter((x) => x !== undefined && x !== '').join(', ') : ''],
    ['Parent', i.parent ? `${i.parent.type ?? 'item'} ${i.parent.id}` : ''],
    ['Classification', i.classification.ok ? (i.classification.data?.name ?? 'none') : 'not available'],
  ];
  out.push(table(['Field', 'Value'], meta.map(([k, v]) => [k, v])));
  if (i.namesError) out.push(para(em(`Display names not available: ${i.namesError.message}`)));

  out.push(heading(2, 'Breadcrumb'));
  out.push(...missing(i.breadcrumb));
  if (i.breadcrumb.ok) {
    const parts: Phrasing[] = [];
    const crumbs: Array<{ label: string; url?: string }> = [
      ...(i.space.ok ? [{ label: i.space.data.name ?? i.space.data.key ?? i.space.data.id, url: i.space.data.url }] : []),
      ...i.breadcrumb.data.map((c) => ({ label: c.title ?? `${c.type} ${c.id}`, url: c.url })),
    ];
    crumbs.forEach((c, n) => {
      if (n > 0) parts.push(text(' › '));
      parts.push(c.url ? link(c.url, c.label) : text(c.label));
    });
    if (parts.length > 0) parts.push(text(' › '));
    parts.push(strong(i.title));
    out.push(para(...parts));
  }

  out.push(heading(2, 'Collaborators'));
  out.push(...missing(i.collaborators));
  if (i.collaborators.ok) {
    out.push(i.collaborators.data.items.length ? list(i.collaborators.data.items.map((p) => [text(who(p))])) : para(em('None listed.')));
    out.push(...moreLine(i.collaborators.data));
  }

  out.push(heading(2, 'Permitted operations (for you)'));
  out.push(...missing(i.operations));
  if (i.operations.ok) {
    out.push(i.operations.data.length ? list(i.operations.data.map((o) => [code(o.operation), ...(o.targetType ? [text(` on ${o.targetType}`)] : [])])) : para(em('None.')));
  }

  if (i.classification.ok && i.classification.data) {
    const c = i.classification.data;
    out.push(heading(2, 'Classification level'));
    out.push(table(['Name', 'Status', 'Guideline'], [[c.name ?? '', c.status ?? '', c.guideline ?? '']]));
  } else if (!i.classification.ok) {
    out.push(heading(2, 'Classification level'), ...missing(i.classification));
  }

  for (const [title, s] of [['Direct children', i.children], ['Descendants', i.descendants]] as const) {
    out.push(heading(2, s.ok ? `${title} (${s.data.total}${s.data.complete ? '' : '+'})` : title));
    out.push(...missing(s));
    if (s.ok) {
      if (s.data.items.length === 0) out.push(para(em('None.')));
      else out.push(table(['Depth', 'Title', 'Type', 'Id', 'Status'], s.data.items.map((d) => [String(d.depth ?? ''), d.title ?? '', d.type ?? '', [code(d.id)], d.status ?? ''])));
      out.push(...moreLine(s.data));
    }
  }

  const props = i.properties;
  out.push(heading(2, props.ok ? `Content properties (${props.data.total}${props.data.complete ? '' : '+'})` : 'Content properties'));
  out.push(...missing(props));
  if (props.ok) {
    if (props.data.items.length === 0) out.push(para(em('None.')));
    for (const p of props.data.items) {
      out.push(heading(3, p.key));
      const by = [p.version !== undefined ? `version ${p.version}` : '', p.updatedAt ?? '', who(p.updatedBy)].filter(Boolean).join(', ');
      if (by) out.push(para(em(by)));
      out.push({ type: 'code', lang: 'json', value: p.json });
      if (p.truncated) out.push(para(em('Value cut for display; the full value is in Confluence.')));
    }
    out.push(...moreLine(props.data));
  }

  out.push(heading(2, 'Rows'));
  out.push(para(strong(i.rows.summary)));
  out.push(para(text(i.rows.explanation)));
  if (i.rows.probes.length > 0) {
    out.push(table(['Path', 'Status', 'Failure category', 'Message'], i.rows.probes.map((p) => [[code(p.path)], String(p.status), p.failureCategory ?? '', p.message])));
  }
  if (i.rows.error) out.push(para(em(`Probe not completed: ${i.rows.error.message}`)));
  out.push(para(strong('What to do:'), text(` ${i.rows.whatToDo}`)));

  return toMarkdown({ type: 'root', children: out }, { extensions: [gfmToMarkdown()], bullet: '-', fences: true, listItemIndent: 'one' });
}
