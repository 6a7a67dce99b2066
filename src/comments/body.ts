/**
 * Comment bodies: ADF (as Confluence sends it, a JSON string) to Markdown through the export
 * engine's converter, and to plain text; then cut to a size cap so a page with thousands of long
 * comments still fits in one resolver response (Forge allows 5 MB).
 */
import type { AdfNode } from '../export/adf';
import { adfToMarkdown } from '../export/markdown';
import type { ReportEntry } from '../export/report';

export interface RenderedBody {
  markdown: string;
  text: string;
  report: ReportEntry[];
}

/** Parses `body.atlas_doc_format.value`; undefined when it is absent or not JSON. */
export function parseAdf(value: string | undefined): AdfNode | undefined {
  if (!value) return undefined;
  try {
    const doc = JSON.parse(value) as unknown;
    return typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? (doc as AdfNode) : undefined;
  } catch {
    return undefined;
  }
}

export function renderBody(doc: AdfNode | undefined, users: ReadonlyMap<string, string>, commentId: string): RenderedBody {
  if (!doc) return { markdown: '', text: '', report: [] };
  const text = plainText(doc, users);
  try {
    const { markdown, report } = adfToMarkdown(doc, { users });
    return { markdown: markdown.trimEnd(), text, report: report.map((r) => ({ ...r, detail: `comment ${commentId}: ${r.detail}` })) };
  } catch (e) {
    // Not a document at all: keep the plain text so the comment is still readable, and say so.
    const detail = `comment ${commentId}: body is not an ADF document (${e instanceof Error ? e.message : 'unreadable'}); shown as plain text`;
    return { markdown: text, text, report: [{ kind: 'approximated', what: 'comment', detail }] };
  }
}

/** Inline nodes flow together; every other node with content is a block and ends a line. */
const INLINE = new Set(['text', 'hardBreak', 'mention', 'emoji', 'inlineCard', 'date', 'status', 'placeholder', 'inlineExtension', 'mediaInline']);

/** What a reader sees, without formatting: mentions by name, cards by URL, blocks on their own lines. */
export function plainText(doc: AdfNode, users: ReadonlyMap<string, string> = new Map()): string {
  const lines: string[] = [];
  let line = '';
  const flush = () => {
    if (line.trim() !== '') lines.push(line.trimEnd());
    line = '';
  };
  const visit = (n: AdfNode): void => {
    if (INLINE.has(n.type)) {
      line += inline(n, users);
      return;
    }
    const kids = n.content ?? [];
    if (kids.length > 0 && kids.every((k) => INLINE.has(k.type))) {
      flush();
      kids.forEach(visit);
      flush();
    } else {
      kids.forEach(visit);
    }
  };
  visit(doc);
  flush();
  return lines.join('\n');
}

function inline(n: AdfNode, users: ReadonlyMap<string, string>): string {
  const attr = (k: string): string | undefined => {
    const v = n.attrs?.[k];
    return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
  };
  switch (n.type) {
    case 'text':
      return n.text ?? '';
    case 'hardBreak':
      return '\n';
    case 'mention': {
      const name = users.get(attr('id') ?? '');
      return name ? `@${name}` : attr('text') ?? '@someone';
    }
    case 'emoji':
      return attr('text') ?? attr('shortName') ?? '';
    case 'inlineCard':
      return attr('url') ?? '';
    case 'date': {
      const ms = Number(attr('timestamp'));
      return Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 10) : '';
    }
    case 'status':
      return attr('text') ?? '';
    default:
      return attr('text') ?? '';
  }
}

/** Account ids mentioned in a body, so one users-bulk batch names authors and mentions alike. */
export function mentionIds(doc: AdfNode | undefined, out: Set<string> = new Set()): Set<string> {
  if (!doc) return out;
  if (doc.type === 'mention' && typeof doc.attrs?.['id'] === 'string') out.add(doc.attrs['id']);
  for (const c of doc.content ?? []) mentionIds(c, out);
  return out;
}

const encoder = new TextEncoder();

/**
 * Cuts `value` to at most `maxBytes` UTF-8 bytes (ending in "…"), never inside a surrogate pair.
 * Bytes, not characters: the response limit is in bytes and CJK text takes three per character.
 */
export function clip(value: string, maxBytes: number): { value: string; clipped: boolean } {
  if (value.length * 3 <= maxBytes || encoder.encode(value).byteLength <= maxBytes) return { value, clipped: false };
  const room = Math.max(0, maxBytes - 3); // "…" is 3 bytes
  let lo = 0;
  let hi = Math.min(value.length, room);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (encoder.encode(value.slice(0, mid)).byteLength <= room) lo = mid;
    else hi = mid - 1;
  }
  let end = lo;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return { value: `${value.slice(0, end).trimEnd()}…`, clipped: true };
}

/**
 * Body bytes allowed per field (markdown, text) for `count` comments: the whole budget shared
 * equally, at most `max` each. 1.6 MB for bodies leaves room, within 5 MB, for JSON escaping
 * (quotes and newlines double), ids, names, dates and links.
 */
export function bodyCap(count: number, budget = 1_600_000, max = 16_000, min = 200): number {
  if (count <= 0) return max;
  return Math.max(min, Math.min(max, Math.floor(budget / (2 * count))));
}
