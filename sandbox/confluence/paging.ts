// Cursor paging as Confluence v2 does it: `limit` 1..250 (400 outside), an opaque cursor, and the
// next page announced in both the `Link` header and `_links.next`. Cursors are signed with a
// per-server secret so a client cannot build or edit one; a tampered cursor is a 400.
import { createHmac, randomBytes } from 'node:crypto';

export class HttpError extends Error {
  /** `code` / `detail`: a v2 error's own fields, when they are not derived from the status. */
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}, readonly code?: string, readonly detail?: string) {
    super(message);
  }
}

/**
 * A bad cursor, worded as recorded from a live v2 list
 * (../shared/real-responses/v2/error-400.invalid-cursor.pipedream-issue15776.json).
 */
const badCursor = (): HttpError => new HttpError(400, "Provided value for 'cursor' is not the correct type. Expected type is Cursor.", {}, 'INVALID_REQUEST_PARAMETER',
  'The provided cursor was not valid. You can get a new valid cursor by making the original pagination request again.');

interface CursorState { o: number; r: string }

export class Cursors {
  private readonly secret = randomBytes(16);

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url').slice(0, 22);
  }

  /** `route` binds a cursor to the list it came from, so it cannot be replayed elsewhere. */
  encode(offset: number, route: string): string {
    const payload = Buffer.from(JSON.stringify({ o: offset, r: route } satisfies CursorState)).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  decode(cursor: string, route: string): number {
    const [payload, sig, extra] = cursor.split('.');
    if (!payload || !sig || extra !== undefined || sig !== this.sign(payload)) throw badCursor();
    let state: unknown;
    try {
      state = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw badCursor();
    }
    const s = state as Partial<CursorState>;
    if (typeof s.o !== 'number' || s.o < 0 || s.r !== route) throw badCursor();
    return s.o;
  }
}

/** Parses `limit` the way v2 validates it: an integer in [min, max], else 400. */
export function parseLimit(q: URLSearchParams, def = 25, max = 250, min = 1): number {
  const raw = q.get('limit');
  if (raw === null || raw === '') return def;
  if (!/^-?\d+$/.test(raw)) throw new HttpError(400, `limit must be an integer, got '${raw}'`);
  const n = Number(raw);
  if (n < min || n > max) throw new HttpError(400, `limit must be between ${min} and ${max}`);
  return n;
}

export interface Paged<T> {
  results: T[];
  /** Relative next link (e.g. /wiki/api/v2/pages?limit=10&cursor=…) or undefined on the last page. */
  next?: string;
}

/**
 * Cuts one page out of `items`. `pathname` and `query` are the request's; the next link keeps
 * every query parameter except `cursor`, which is replaced.
 */
export function pageOf<T>(items: T[], pathname: string, query: URLSearchParams, cursors: Cursors, opts: { def?: number; max?: number } = {}): Paged<T> {
  const limit = parseLimit(query, opts.def ?? 25, opts.max ?? 250);
  const raw = query.get('cursor');
  const start = raw ? cursors.decode(raw, pathname) : 0;
  const results = items.slice(start, start + limit);
  if (start + limit >= items.length) return { results };
  const nextQuery = new URLSearchParams(query);
  nextQuery.delete('cursor');
  nextQuery.set('cursor', cursors.encode(start + limit, pathname));
  return { results, next: `${pathname}?${nextQuery.toString()}` };
}
