/**
 * Comment exports: Markdown (threads, with the anchored text quoted), CSV (one row per comment,
 * formula injection neutralized) and JSON. Markdown goes through mdast like the page exporter; the
 * bodies, already Markdown, are embedded as raw nodes so the serializer indents them in replies.
 */
import type * as Md from 'mdast';
import { toMarkdown } from 'mdast-util-to-markdown';
import { gfmToMarkdown } from 'mdast-util-gfm';
import type { AnchorReport, CommentCounts, CommentView, ExportFormat, SkippedComment } from '../shared/comments';
import { fileName } from '../export/names';
import { flatten } from './view';

export interface ExportInput {
  content: { id: string; type: 'page' | 'blogpost'; title: string };
  threads: CommentView[];
  counts: CommentCounts;
  anchors: AnchorReport;
  skipped: SkippedComment[];
}

export interface ExportFile {
  fileName: string;
  mediaType: string;
  content: string;
}

export function exportComments(format: ExportFormat, input: ExportInput): ExportFile {
  // Named by the page's title, as its page exports are (issue 23: an id means nothing in Downloads).
  const base = input.content.title.trim() ? `${input.content.title} (comments)` : `comments-${input.content.type}-${input.content.id}`;
  switch (format) {
    case 'markdown':
      return { fileName: fileName(base, 'md'), mediaType: 'text/markdown; charset=utf-8', content: toMarkdownFile(input) };
    case 'csv':
      return { fileName: fileName(base, 'csv'), mediaType: 'text/csv; charset=utf-8', content: toCsv(input.threads) };
    case 'json':
      return { fileName: fileName(base, 'json'), mediaType: 'application/json', content: `${JSON.stringify(input, null, 2)}\n` };
  }
}

// ------------------------------------------------------------------ CSV

export const CSV_COLUMNS = [
  'thread_id', 'comment_id', 'parent_id', 'depth', 'kind', 'status', 'anchor_state', 'anchor_text', 'current_anchor_text',
  'author', 'author_id', 'created', 'updated', 'version', 'resolved_by', 'resolved_at', 'text', 'link',
] as const;

/**
 * Characters a spreadsheet may drop before it decides whether a cell is a formula: every Unicode space
 * (`\s`: tab, CR, NBSP, U+3000 ideographic space, U+FEFF …) and the invisible ones `\s` leaves out
 * (zero-width space, joiners, word joiner, Mongolian vowel separator). Issue 21: NBSP, U+3000 and
 * U+200B before `=` were not neutralised.
 */
const INVISIBLE_LEAD = '[\\s\\u200B-\\u200D\\u2060\\u180E]*';
/**
 * Characters that start a formula: = + - @, their fullwidth forms (Japanese and Chinese input gives
 * ＝ ＋ － ＠, which East Asian spreadsheet versions read as = + - @) and the small forms ﹦ ﹢ ﹣ ﹫.
 */
const FORMULA_START = '[=+\\-@\\uFF1D\\uFF0B\\uFF0D\\uFF20\\uFE66\\uFE62\\uFE63\\uFE6B]';
const FORMULA = new RegExp(`^${INVISIBLE_LEAD}${FORMULA_START}`);

/**
 * One cell. A spreadsheet runs a cell starting with = + - @ (or tab / CR, which some strip first)
 * as a formula: prefixing an apostrophe makes it text (OWASP's advice). Leading spaces, visible or
 * not, are looked through because some spreadsheets trim them before deciding.
 */
export function csvCell(value: string | number | undefined | null): string {
  let s = value === undefined || value === null ? '' : String(value);
  if (/^[\t\r]/.test(s) || FORMULA.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180 with CRLF rows, and a BOM so spreadsheets read the file as UTF-8. */
export function toCsv(threads: readonly CommentView[]): string {
  const rows: string[] = [CSV_COLUMNS.join(',')];
  for (const t of threads) {
    for (const c of flatten([t])) {
      const root = c.id === t.id;
      const i = t.inline;
      const cells: Record<(typeof CSV_COLUMNS)[number], string | number | undefined> = {
        thread_id: t.id,
        comment_id: c.id,
        parent_id: c.parentId ?? '',
        depth: c.depth,
        kind: c.kind,
        // The thread's state, on every row, so a spreadsheet filter keeps whole threads together.
        status: i?.status ?? '',
        anchor_state: root ? i?.anchor : '',
        anchor_text: root ? i?.selection : '',
        current_anchor_text: root ? i?.currentText : '',
        author: c.author,
        author_id: c.authorId,
        created: c.created,
        updated: c.updated,
        version: c.version,
        resolved_by: root ? i?.resolvedBy?.name : '',
        resolved_at: root ? i?.resolvedAt : '',
        text: c.text,
        link: c.link,
      };
      rows.push(CSV_COLUMNS.map((k) => csvCell(cells[k])).join(','));
    }
  }
  return `\uFEFF${rows.join('\r\n')}\r\n`;
}

// ------------------------------------------------------------------ Markdown

const txt = (value: string): Md.Text => ({ type: 'text', value });
const para = (...children: Md.PhrasingContent[]): Md.Paragraph => ({ type: 'paragraph', children });

function day(iso: string | undefined): string {
  return iso && /^\d{4}-\d{2}-\d{2}/.test(iso) ? iso.slice(0, 10) : iso ?? '';
}

function byline(c: CommentView): Md.Paragraph {
  const when = c.created ? day(c.created) : `${day(c.updated)} (edited)`;
  const parts: Md.PhrasingContent[] = [{ type: 'strong', children: [txt(c.author)] }, txt(` · ${when}`)];
  if (c.link) parts.push(txt(' · '), { type: 'link', url: c.link, children: [txt('open')] });
  if (c.clipped) parts.push(txt(' · (shortened)'));
  return para(...parts);
}

/** The comment: byline, body (raw Markdown), replies as a nested list. */
function commentBlocks(c: CommentView): Md.BlockContent[] {
  const out: Md.BlockContent[] = [byline(c)];
  if (c.markdown) out.push({ type: 'html', value: c.markdown });
  if (c.replies.length > 0) {
    out.push({
      type: 'list',
      ordered: false,
      spread: true,
      children: c.replies.map((r) => ({ type: 'listItem', spread: true, children: commentBlocks(r) })),
    });
  }
  return out;
}

function threadBlocks(t: CommentView): Md.RootContent[] {
  const out: Md.RootContent[] = [];
  const i = t.inline;
  if (!i) {
    out.push({ type: 'heading', depth: 3, children: [txt('Footer comment')] });
  } else {
    out.push({ type: 'heading', depth: 3, children: [txt(`Inline comment (${i.status})`)] });
    if (i.selection) out.push({ type: 'blockquote', children: [para(txt(i.selection))] });
    const notes: string[] = [];
    if (i.anchor === 'changed') notes.push(`The highlighted text now reads “${i.currentText ?? ''}”.`);
    if (i.anchor === 'missing') notes.push('The highlighted text is no longer in the page.');
    if (i.resolvedBy || i.resolvedAt) {
      const verb = i.status === 'reopened' ? 'Reopened' : 'Resolved';
      notes.push(`${verb}${i.resolvedBy ? ` by ${i.resolvedBy.name}` : ''}${i.resolvedAt ? ` on ${day(i.resolvedAt)}` : ''}.`);
    }
    if (notes.length > 0) out.push(para({ type: 'emphasis', children: [txt(notes.join(' '))] }));
  }
  out.push(...commentBlocks(t));
  return out;
}

function toMarkdownFile(input: ExportInput): string {
  const all = flatten(input.threads);
  const title = input.content.title || `${input.content.type} ${input.content.id}`;
  const tree: Md.Root = {
    type: 'root',
    children: [
      { type: 'heading', depth: 1, children: [txt(`Comments on “${title}”`)] },
      para(txt(`${all.length} comments in ${input.threads.length} threads. On the page: ${input.counts.total} comments, ${input.counts.open} open and ${input.counts.resolved} resolved inline threads.`)),
      ...input.threads.flatMap(threadBlocks),
      ...anchorSection(input.anchors),
      ...skippedSection(input.skipped),
    ],
  };
  return toMarkdown(tree, { extensions: [gfmToMarkdown()], bullet: '-', fences: true, rule: '-', listItemIndent: 'one' });
}

function anchorSection(a: AnchorReport): Md.RootContent[] {
  if (!a.checked) return [{ type: 'heading', depth: 2, children: [txt('Anchors not checked')] }, para(txt('The page body could not be read, so highlights were not compared.'))];
  if (a.orphans.length === 0) return [];
  return [
    { type: 'heading', depth: 2, children: [txt('Highlights without a comment')] },
    { type: 'list', ordered: false, spread: false, children: a.orphans.map((o) => ({ type: 'listItem', spread: false, children: [para(txt(`“${o.text}” (marker ${o.markerRef})`))] })) },
  ];
}

function skippedSection(skipped: readonly SkippedComment[]): Md.RootContent[] {
  if (skipped.length === 0) return [];
  return [
    { type: 'heading', depth: 2, children: [txt('Not included')] },
    { type: 'list', ordered: false, spread: false, children: skipped.map((s) => ({ type: 'listItem', spread: false, children: [para(txt(`Comment ${s.id} (${s.kind}): ${s.detail}`))] })) },
  ];
}
