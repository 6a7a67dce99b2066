/**
 * The sites the sandbox can start with, by name (`npm start -- --site <name>`): each entry builds a
 * fresh Site. Another site is one more row here.
 */
import * as a from './adf';
import { generateSite, GEN_SPACE } from './generate';
import { SEED, seedSite } from './seed';
import type { Site } from './site';

/**
 * The seed site plus a generated space (GEN) large enough for long work to be tried in the
 * preview: progress, Cancel, pacing messages, paging of listings and comments.
 */
export const LARGE = {
  pages: 5_000,
  /** Footer comments on every generated page. */
  commentsPerPage: 2,
  /** Footer comments on the generated space's homepage, with a reply each: many pages of results. */
  busyComments: 600,
  blogPosts: 40,
} as const;

export function largeSite(): Site {
  const site = seedSite();
  // A spine 12 levels deep comes first, then a tree of fanout 5 (≈ 6 levels more).
  const { rootId } = generateSite({ into: site, pages: LARGE.pages, fanout: 5, paragraphsPerPage: 8, commentsPerPage: LARGE.commentsPerPage, blogPosts: LARGE.blogPosts });
  const authors = [SEED.users.alice, SEED.users.bob];
  for (let i = 0; i < LARGE.busyComments; i++) {
    const root = site.addComment({ kind: 'footer', pageId: rootId, authorId: authors[i % 2] ?? SEED.users.alice, adf: a.doc(a.p(`Remark ${i + 1} on the generated space.`)) });
    site.addComment({ kind: 'footer', pageId: rootId, parentCommentId: root.id, authorId: authors[(i + 1) % 2] ?? SEED.users.bob, adf: a.doc(a.p(`Reply to remark ${i + 1}.`)) });
  }
  return site;
}

/** Site builders by name. */
export const SITES: Readonly<Record<string, () => Site>> = {
  seed: seedSite,
  large: largeSite,
};

/** The site called `name`; an unknown name is an error listing the known ones. */
export function siteNamed(name: string): Site {
  const build = Object.hasOwn(SITES, name) ? SITES[name] : undefined;
  if (!build) throw new Error(`--site must be one of ${Object.keys(SITES).join(', ')}, not "${name}"`);
  return build();
}

export { GEN_SPACE };
