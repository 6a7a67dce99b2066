/** Issue 23.9: `npm start -- --site large` has thousands of pages, a deep tree and many comments, beside the seed site. */
import { LARGE, SITES, siteNamed, GEN_SPACE } from '../../sandbox/confluence/sites';
import { SEED } from '../../sandbox/confluence/seed';
import { listContent, CHOICES_PER_SPACE } from '../../sandbox/preview/page';

test('the large site: the seed site plus a generated space of thousands of pages, deep, with many comments', () => {
  const site = siteNamed('large');
  // The seed pages, users and restrictions are all there: every preview flow still works.
  expect(site.content(SEED.pages.rich)?.title).toBe('Rich Page');
  expect(site.user(SEED.users.carol)).toBeDefined();
  const gen = [...site.contents.values()].filter((c) => c.spaceId === GEN_SPACE.id && c.type === 'page');
  expect(gen.length).toBe(LARGE.pages);
  const depth = Math.max(...gen.map((c) => site.ancestorIds(c.id).length));
  expect(depth).toBeGreaterThan(10);
  const root = site.spaces.get(GEN_SPACE.id)?.homepageId ?? '';
  const comments = [...site.comments.values()];
  expect(comments.filter((c) => c.pageId === root).length).toBeGreaterThanOrEqual(2 * LARGE.busyComments);
  expect(comments.length).toBeGreaterThan(LARGE.pages * LARGE.commentsPerPage);
  // The preview's page picker stays short.
  expect(listContent(site).filter((c) => c.space === GEN_SPACE.id && c.type === 'page').length).toBe(CHOICES_PER_SPACE);
});

test('sites by name; an unknown name says which exist', () => {
  expect(Object.keys(SITES)).toEqual(expect.arrayContaining(['seed', 'large']));
  expect(siteNamed('seed').contents.size).toBeLessThan(100);
  expect(() => siteNamed('huge')).toThrow(/one of seed, large/);
});
