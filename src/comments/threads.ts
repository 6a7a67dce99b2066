/**
 * Inline threads in the export engine's shape (src/export/anchors.ts), so a page export can put
 * each thread in a footnote on its highlight.
 */
import type { CommentNode, InlineThread } from '../export/anchors';
import type { CommentView } from '../shared/comments';

function toNode(c: CommentView, status?: CommentNode['status']): CommentNode {
  return {
    id: c.id,
    author: c.author,
    created: c.created ?? c.updated,
    ...(status ? { status } : {}),
    text: c.text,
    replies: c.replies.map((r) => toNode(r)),
  };
}

export function toInlineThreads(threads: readonly CommentView[]): InlineThread[] {
  return threads.flatMap((t) => (t.inline ? [{ ...toNode(t, t.inline.status), markerRef: t.inline.markerRef, selection: t.inline.selection }] : []));
}
