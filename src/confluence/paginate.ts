/**
 * One async iterator for every cursor-paged list. It follows the link the server gives
 * (`_links.next`, else the `Link: <…>; rel="next"` header) and never builds a cursor itself, so it
 * keeps working when Confluence changes cursor formats. Callers stop early with `break`.
 */
import { ConfluenceError } from './errors';
import type { Links } from './types';

export interface Page<T> {
  items: T[];
  next?: string;
}

/** Fetches one page of results: the first from a literal route, the rest from a server link. */
export type FetchPage<T> = (next: string | undefined) => Promise<{ body: { results?: T[]; _links?: Links }; link: string | null }>;

export async function* paginate<T>(fetchPage: FetchPage<T>): AsyncGenerator<T, void, undefined> {
  const seen = new Set<string>();
  let next: string | undefined;
  do {
    const { body, link } = await fetchPage(next);
    for (const item of body.results ?? []) yield item;
    next = nextLink(body._links, link);
    if (next !== undefined) {
      // A server that hands back a link it already gave would make us loop forever, burning the
      // app's rate-limit points; stop loudly instead.
      if (seen.has(next)) {
        throw new ConfluenceError({
          status: 0,
          code: 'REPEATED_CURSOR',
          message: 'Confluence returned the same next-page link twice',
          hint: 'The listing could not be completed because Confluence repeated a page of results. Try again.',
        });
      }
      seen.add(next);
    }
  } while (next !== undefined);
}

/** Collects every item (for lists that are known to be small). */
export async function collect<T>(items: AsyncIterable<T>, max = Infinity): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) {
    out.push(item);
    if (out.length >= max) break;
  }
  return out;
}

/**
 * `_links.next` is relative to the site (`/wiki/api/v2/...`). The `Link` header is the fallback:
 * v1 search and some proxies only send one of the two.
 */
export function nextLink(links: Links | undefined, linkHeader: string | null): string | undefined {
  if (links?.next) return sitePath(links.next, links.base);
  if (!linkHeader) return undefined;
  const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(linkHeader);
  return match?.[1] ? sitePath(match[1]) : undefined;
}

/** Turns an absolute or base-relative link into a site path starting with `/wiki/`. */
function sitePath(link: string, base?: string): string {
  if (/^https?:\/\//.test(link)) {
    const url = new URL(link);
    return url.pathname + url.search;
  }
  if (link.startsWith('/wiki/')) return link;
  // Some responses give the link relative to `_links.base` (…/wiki), i.e. `/api/v2/...`.
  const basePath = base ? new URL(base, 'https://x.invalid').pathname.replace(/\/$/, '') : '/wiki';
  return `${basePath}${link.startsWith('/') ? '' : '/'}${link}`;
}
