/**
 * What the panel and the exports show: counts over everything, then the threads that pass the
 * filters, in the chosen order, with bodies cut to a size that keeps the response under 5 MB.
 */
import type {
  CommentCounts,
  CommentFilters,
  CommentSort,
  CommentView,
  CommentsResult,
  ResolutionStatus,
} from '../shared/comments';
import { bodyCap, clip } from './body';
import type { CommentsModel } from './service';

export function countComments(threads: readonly CommentView[]): CommentCounts {
  const byStatus: Record<ResolutionStatus, number> = { open: 0, reopened: 0, resolved: 0, dangling: 0 };
  const counts: CommentCounts = { total: 0, threads: threads.length, footer: 0, inline: 0, open: 0, resolved: 0, byStatus, anchorIssues: 0 };
  for (const t of threads) {
    for (const c of flatten([t])) counts[c.kind] += 1;
    if (!t.inline) continue;
    byStatus[t.inline.status] += 1;
    if (t.inline.anchor === 'missing' || t.inline.anchor === 'changed') counts.anchorIssues += 1;
  }
  counts.total = counts.footer + counts.inline;
  counts.open = byStatus.open + byStatus.reopened;
  counts.resolved = byStatus.resolved;
  return counts;
}

export function filterThreads(threads: readonly CommentView[], f: CommentFilters = {}): CommentView[] {
  const author = f.author?.toLowerCase();
  const text = f.text?.toLowerCase();
  return threads.filter((t) => {
    if (f.kind && t.kind !== f.kind) return false;
    if (f.status && (!t.inline || !f.status.includes(t.inline.status))) return false;
    const all = flatten([t]);
    if (author && !all.some((c) => c.authorId.toLowerCase() === author || c.author.toLowerCase().includes(author))) return false;
    if (text) {
      const inAnchor = t.inline ? t.inline.selection.toLowerCase().includes(text) : false;
      if (!inAnchor && !all.some((c) => c.text.toLowerCase().includes(text) || c.markdown.toLowerCase().includes(text))) return false;
    }
    return true;
  });
}

/** Creation date when known, else the last edit; then the id (Confluence hands out ids in order). */
function byDate(a: CommentView, b: CommentView): number {
  const da = a.created ?? a.updated;
  const db = b.created ?? b.updated;
  if (da !== db) return da < db ? -1 : 1;
  return compareIds(a.id, b.id);
}

function compareIds(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b) && a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * `position`: inline threads in the order their highlights appear in the page, then inline threads
 * whose highlight is gone, then footer comments (they sit below the page), each group by date.
 */
function byPosition(a: CommentView, b: CommentView): number {
  const rank = (c: CommentView) => (c.inline ? (c.inline.position !== undefined ? 0 : 1) : 2);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  const pa = a.inline?.position;
  const pb = b.inline?.position;
  if (pa !== undefined && pb !== undefined && pa !== pb) return pa - pb;
  return byDate(a, b);
}

/** Threads in the chosen order; replies always oldest first, at every depth. */
export function sortThreads(threads: readonly CommentView[], sort: CommentSort = 'date'): CommentView[] {
  const withReplies = threads.map(sortReplies);
  if (sort === 'position') return withReplies.sort(byPosition);
  const out = withReplies.sort(byDate);
  return sort === 'date-desc' ? out.reverse() : out;
}

function sortReplies(c: CommentView): CommentView {
  return { ...c, replies: c.replies.map(sortReplies).sort(byDate) };
}

/** Every comment of the threads, depth first (a thread's root, then its replies in order). */
export function flatten(threads: readonly CommentView[]): CommentView[] {
  const out: CommentView[] = [];
  const visit = (c: CommentView) => {
    out.push(c);
    c.replies.forEach(visit);
  };
  threads.forEach(visit);
  return out;
}

/** Cuts every body to `maxBytes` per field; returns the new threads and how many bodies were cut. */
export function clipThreads(threads: readonly CommentView[], maxBytes: number): { threads: CommentView[]; count: number } {
  let count = 0;
  const cut = (c: CommentView): CommentView => {
    const md = clip(c.markdown, maxBytes);
    const tx = clip(c.text, maxBytes);
    if (md.clipped || tx.clipped) count += 1;
    return { ...c, markdown: md.value, text: tx.value, clipped: md.clipped || tx.clipped, replies: c.replies.map(cut) };
  };
  return { threads: threads.map(cut), count };
}

export interface ViewInput {
  filters?: CommentFilters;
  sort?: CommentSort;
}

/** Filtered, sorted and size-capped threads. The cap is shared among the comments shown. */
export function selectThreads(model: CommentsModel, input: ViewInput): { threads: CommentView[]; clipped: { count: number; maxBytes: number } } {
  const chosen = sortThreads(filterThreads(model.threads, input.filters), input.sort);
  const maxBytes = bodyCap(flatten(chosen).length);
  const { threads, count } = clipThreads(chosen, maxBytes);
  return { threads, clipped: { count, maxBytes } };
}

export function present(model: CommentsModel, input: ViewInput, requests: number): CommentsResult {
  const { threads, clipped } = selectThreads(model, input);
  return {
    content: model.content,
    threads,
    counts: countComments(model.threads),
    shown: threads.length,
    anchors: model.anchors,
    skipped: model.skipped,
    incomplete: model.skipped.some((s) => s.reason === 'time-budget'),
    report: model.report,
    clipped,
    requests,
  };
}
