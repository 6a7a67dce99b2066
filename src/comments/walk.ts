/**
 * Reads every comment of one page or blog post: root footer and inline comments (all pages of
 * results), then the replies of every comment at every depth, with bounded concurrency.
 *
 * The v2 comment models carry no reply count and no children link (only `_links.webui`), so the API
 * never says which comments have replies: every comment costs one `/children` call. A reply that
 * answers 404/403 mid-walk (deleted, or hidden from this user) is skipped and reported.
 */
import pLimit from 'p-limit';
import type { Confluence, ContentRef } from '../confluence/client';
import { collect } from '../confluence/paginate';
import type { InlineComment } from '../confluence/types';
import type { CommentKind, SkipReason, SkippedComment } from '../shared/comments';

/**
 * No single-comment fetch: inline comment lists already carry who resolved a thread and when
 * (`resolutionLastModifierId`, `resolutionLastModifiedAt` on every resolved row of a recorded live
 * list, ../shared/real-responses/v2/pages-inline-comments.list.skyscanner.json), so fetching each
 * resolved or reopened thread again only spent a request and its points.
 */
export type WalkApi = Pick<Confluence, 'footerComments' | 'inlineComments' | 'footerReplies' | 'inlineReplies'>;

/** A comment as Confluence gave it, placed in its thread. Footer comments simply lack the inline fields. */
export interface RawComment {
  kind: CommentKind;
  data: InlineComment;
  parentId: string | null;
  threadId: string;
  depth: number;
  replies: RawComment[];
}

export interface WalkOptions {
  /** Requests in flight at once (default 8). */
  concurrency?: number;
  /** Epoch ms after which no more reply lists are started (the resolver's 25 s limit). */
  deadline?: number;
  now?: () => number;
}

export interface WalkResult {
  threads: RawComment[];
  skipped: SkippedComment[];
}

/** Every inline state, asked for explicitly so no state depends on the server's default filter. */
const ALL_STATES = ['open', 'reopened', 'resolved', 'dangling'] as const;
/** Guards against a comment appearing as its own descendant (a server bug would otherwise loop). */
const MAX_DEPTH = 100;

export async function walkComments(api: WalkApi, ref: ContentRef, o: WalkOptions = {}): Promise<WalkResult> {
  const limit = pLimit(o.concurrency ?? 8);
  const now = o.now ?? Date.now;
  const skipped: SkippedComment[] = [];
  const seen = new Set<string>();
  const late = () => o.deadline !== undefined && now() > o.deadline;

  const [footer, inline] = await Promise.all([
    collect(api.footerComments(ref)),
    collect(api.inlineComments(ref, { status: [...ALL_STATES] })),
  ]);
  const roots = [
    ...footer.map((data) => node('footer', data, null, data.id, 0)),
    ...inline.map((data) => node('inline', data, null, data.id, 0)),
  ].filter((c) => fresh(seen, c.data.id));

  /** Fills `c.replies` and walks them; returns false when `c` itself turned out to be gone. */
  async function walk(c: RawComment): Promise<boolean> {
    let replies: InlineComment[] | undefined;
    try {
      // The deadline is checked when the call would start, not when it is queued behind others.
      replies = await limit(() => (late() ? undefined : collect(c.kind === 'footer' ? api.footerReplies(c.data.id) : api.inlineReplies(c.data.id))));
    } catch (e) {
      const status = statusOf(e);
      if (status === 404 || status === 403) {
        skipped.push(skip(c, status === 404 ? 'not-found' : 'forbidden', status === 404
          ? 'Confluence answered 404: the comment was deleted while it was read, or you may not see it.'
          : 'Confluence answered 403: you may not see this comment.'));
        return false;
      }
      throw e;
    }
    if (replies === undefined) {
      skipped.push(skip(c, 'time-budget', 'Replies not read: the time limit was reached. Filter the list or try again.'));
      return true;
    }
    if (c.depth + 1 > MAX_DEPTH) return true;
    const kids = replies.filter((r) => fresh(seen, r.id)).map((r) => node(c.kind, r, c.data.id, c.threadId, c.depth + 1));
    const kept = await Promise.all(kids.map(walk));
    c.replies = kids.filter((_, i) => kept[i]);
    return true;
  }

  const kept = await Promise.all(roots.map(walk));
  return { threads: roots.filter((_, i) => kept[i]), skipped };
}

function node(kind: CommentKind, data: InlineComment, parentId: string | null, threadId: string, depth: number): RawComment {
  return { kind, data, parentId, threadId, depth, replies: [] };
}

function fresh(seen: Set<string>, id: string): boolean {
  if (seen.has(id)) return false;
  seen.add(id);
  return true;
}

function skip(c: RawComment, reason: SkipReason, detail: string): SkippedComment {
  return { id: c.data.id, kind: c.kind, parentId: c.parentId, reason, detail };
}

/** HTTP status of a ConfluenceError (or anything shaped like one). */
function statusOf(e: unknown): number | undefined {
  const status = (e as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}
