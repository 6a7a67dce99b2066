import type * as Md from 'mdast';
import type { Flow, FootnoteSink, Phrasing } from './adf/state';

/** One comment with its replies, as the comments module builds them. */
export interface CommentNode {
  id: string;
  author: string;
  /** ISO date-time. */
  created: string;
  status?: 'open' | 'resolved' | 'reopened' | 'dangling';
  /** The comment body as plain text (Markdown syntax in it is shown literally, not interpreted). */
  text: string;
  replies: CommentNode[];
}

/** A top-level inline comment: `markerRef` is the id of the ADF `annotation` mark it hangs on. */
export interface InlineThread extends CommentNode {
  markerRef: string;
  /** The highlighted text, when known. */
  selection?: string;
}

export interface Footnotes extends FootnoteSink {
  /** Footnote definitions for every thread referenced so far, in order of first reference. */
  definitions(): Md.FootnoteDefinition[];
  /** A closing section for threads whose marker never appeared in the document (empty if none). */
  unanchored(heading?: string): Flow[];
}

function bodyBlocks(value: string): Md.Paragraph[] {
  return value
    .split(/\n\s*\n/)
    .map((para) => para.trim())
    .filter(Boolean)
    .map((para) => {
      const children: Phrasing[] = [];
      para.split('\n').forEach((line, i) => {
        if (i > 0) children.push({ type: 'break' });
        children.push({ type: 'text', value: line });
      });
      return { type: 'paragraph', children };
    });
}

function byline(c: CommentNode): Phrasing[] {
  const date = /^\d{4}-\d{2}-\d{2}/.test(c.created) ? c.created.slice(0, 10) : c.created;
  const status = c.status ? ` · ${c.status}` : '';
  return [{ type: 'strong', children: [{ type: 'text', value: c.author || 'Unknown' }] }, { type: 'text', value: ` · ${date}${status}` }];
}

/** A comment as blocks: byline, body, replies indented as a nested list. */
export function commentBlocks(c: CommentNode, selection?: string): Flow[] {
  const head: Phrasing[] = byline(c);
  if (selection) head.push({ type: 'text', value: ' · on “' }, { type: 'emphasis', children: [{ type: 'text', value: selection }] }, { type: 'text', value: '”' });
  const [first, ...rest] = bodyBlocks(c.text);
  const out: Flow[] = [{ type: 'paragraph', children: first ? [...head, { type: 'break' }, ...first.children] : head }, ...rest];
  if (c.replies.length > 0) {
    out.push({
      type: 'list',
      ordered: false,
      spread: false,
      children: c.replies.map((r) => ({ type: 'listItem', spread: false, children: commentBlocks(r) })),
    });
  }
  return out;
}

/** Footnotes for inline-comment threads: `[^c1]` after the annotated text, the thread in the note. */
export function createFootnotes(threads: readonly InlineThread[]): Footnotes {
  const byMarker = new Map<string, InlineThread[]>();
  for (const t of threads) byMarker.set(t.markerRef, [...(byMarker.get(t.markerRef) ?? []), t]);
  const labels = new Map<string, string>();

  return {
    ref(markerRef) {
      if (!byMarker.has(markerRef)) return undefined;
      let label = labels.get(markerRef);
      if (!label) {
        label = `c${labels.size + 1}`;
        labels.set(markerRef, label);
      }
      return label;
    },
    definitions() {
      return [...labels.entries()].map(([marker, label]) => ({
        type: 'footnoteDefinition',
        identifier: label,
        label,
        children: (byMarker.get(marker) ?? []).flatMap((t) => commentBlocks(t, t.selection)),
      }));
    },
    unanchored(heading = 'Comments without an anchor') {
      const rest = threads.filter((t) => !labels.has(t.markerRef));
      if (rest.length === 0) return [];
      return [
        { type: 'heading', depth: 2, children: [{ type: 'text', value: heading }] },
        { type: 'list', ordered: false, spread: false, children: rest.map((t) => ({ type: 'listItem', spread: false, children: commentBlocks(t, t.selection) })) },
      ];
    },
  };
}
