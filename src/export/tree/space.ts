/**
 * A whole space as a tree listing for `planTree`: the space's pages wherever they sit (each under
 * its parent when the user can see that, else at the space's root level, as Confluence shows pages
 * whose parent is a folder or hidden) and, in a folder of their own, its blog posts.
 */
import type { Descendant, Page } from '../../confluence/types';
import { SECTION } from './plan';

/** The folder blog posts go in, at the top of the export. */
export const BLOG_DIR = '_blog';

/**
 * `GET /spaces/{id}/pages` lists pages in no tree order, with `parentId` and `position`: depths are
 * computed here (parents before children) and siblings sorted by position, then id.
 */
export function planSpace(spaceId: string, pages: readonly Page[], posts: readonly Page[]): Descendant[] {
  const byId = new Map(pages.map((p) => [p.id, p]));
  const depth = new Map<string, number>();
  const depthOf = (start: Page): number => {
    // Iterative (trees can be thousands of levels deep in theory); a parent cycle ends at the root.
    const chain: Page[] = [];
    const seen = new Set<string>();
    let cur: Page | undefined = start;
    while (cur && !depth.has(cur.id) && !seen.has(cur.id)) {
      seen.add(cur.id);
      chain.push(cur);
      cur = cur.parentId ? byId.get(cur.parentId) : undefined;
    }
    let d = cur && depth.has(cur.id) ? depth.get(cur.id)! : 0;
    for (let i = chain.length - 1; i >= 0; i--) depth.set(chain[i]!.id, ++d);
    return depth.get(start.id)!;
  };
  const position = (p: Page): number => p.position ?? Number.MAX_SAFE_INTEGER;
  const ordered = [...pages].sort((a, b) => position(a) - position(b) || Number(a.id) - Number(b.id) || a.id.localeCompare(b.id));
  const out: Descendant[] = ordered.map((p) => {
    const d = depthOf(p);
    const parent = p.parentId && byId.has(p.parentId) && d > 1 ? p.parentId : undefined;
    return { id: p.id, title: p.title, type: 'page', depth: d, ...(parent ? { parentId: parent } : {}) };
  });
  if (posts.length > 0) {
    const blog = `${SECTION}:${spaceId}:blog`;
    out.push({ id: blog, title: BLOG_DIR, type: SECTION, depth: 1 });
    // Newest first, as Confluence lists a space's blog.
    const byDate = [...posts].sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? '') || Number(b.id) - Number(a.id));
    for (const p of byDate) out.push({ id: p.id, title: p.title, type: 'blogpost', parentId: blog, depth: 2 });
  }
  return out;
}
