// Large-site generator for benchmarks and paging/recursion tests: deterministic pseudo-random
// pages (headings, paragraphs, lists, a table, code, links between pages) in a tree deeper than
// the 10 levels one descendants call can return. Storage XHTML is rendered lazily, so 10,000
// pages build in a few seconds and stay small until read.
import * as a from './adf';
import type { AdfNode } from './adf';
import { Site } from './site';
import { SEED } from './seed';

export interface GenerateOptions {
  pages: number;
  seed?: number;
  /** Maximum children per page (default 4). */
  fanout?: number;
  paragraphsPerPage?: number;
  commentsPerPage?: number;
  /**
   * Deepest level a page may sit at below the root (root = 0, its children = 1). Default: no
   * limit, and the first pages form a chain 12 levels deep; with a limit the chain stops there.
   */
  maxDepth?: number;
  /**
   * Of `pages`, how many sit at the space's root level besides the homepage (the first ones after
   * the spine), each starting a tree of its own outside the homepage's (default 0).
   */
  rootPages?: number;
  /** Blog posts in the space, besides the pages (default 0). */
  blogPosts?: number;
  /** Adds the generated space to this site (e.g. the seed site) instead of a new one. */
  into?: Site;
}

/** The generated space. */
export const GEN_SPACE = { id: '200001', key: 'GEN' } as const;

/** mulberry32: tiny, fast, deterministic. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ('lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna '
  + 'aliqua export page tree confluence markdown comment thread database attachment version label space cursor limit budget '
  + 'request latency render table column anchor inline footer resolved reviewer draft release roadmap team customer').split(' ');

/** The depth of the initial chain of pages; guarantees a tree deeper than 10 levels. */
const SPINE = 12;

export function generateSite(o: GenerateOptions): { site: Site; rootId: string } {
  const rand = rng(o.seed ?? 42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const makeWords = (n: number): string => Array.from({ length: n }, () => pick(WORDS)).join(' ');
  // Pools of pre-built text: pages pick from them instead of building every string, which keeps
  // 10,000 pages fast to generate and cheap in memory (strings are shared between pages).
  const phrasePool = Array.from({ length: 1024 }, () => makeWords(1 + Math.floor(rand() * 3)));
  const sentencePool = Array.from({ length: 4096 }, () => {
    const s = makeWords(6 + Math.floor(rand() * 12));
    return `${s.charAt(0).toUpperCase()}${s.slice(1)}.`;
  });
  const words = (n: number): string => (n <= 3 ? pick(phrasePool) : makeWords(n));
  const sentence = (): string => pick(sentencePool);
  const fanout = Math.max(1, o.fanout ?? 4);
  const paragraphs = o.paragraphsPerPage ?? 12;
  const comments = o.commentsPerPage ?? 0;
  const maxDepth = o.maxDepth === undefined ? Infinity : Math.max(1, o.maxDepth);
  const spine = Math.min(SPINE, maxDepth + 1);

  const site = o.into ?? new Site({ firstId: 1_000_000 });
  if (!site.user(SEED.users.alice)) site.addUser({ accountId: SEED.users.alice, displayName: 'Alice Author', email: 'alice@example.com', accountType: 'atlassian' });
  if (!site.user(SEED.users.bob)) site.addUser({ accountId: SEED.users.bob, displayName: 'Bob Builder', email: 'bob@example.com', accountType: 'atlassian' });
  const authors = [SEED.users.alice, SEED.users.bob];
  const spaceId: string = GEN_SPACE.id;
  const rootPages = o.rootPages ?? 0;
  const ids: string[] = [];
  const titles: string[] = [];
  const childCount: number[] = [];
  const depths: number[] = [];
  // Pages that can still take children; parents are drawn from here so the fanout holds.
  const open: number[] = [];

  const pageUrl = (i: number): string => `${site.baseUrl}/wiki/spaces/GEN/pages/${ids[i]}/${(titles[i] ?? '').replace(/\s+/g, '+')}`;

  const body = (i: number): a.AdfDoc => {
    const blocks: AdfNode[] = [a.h(1, titles[i] ?? 'Page'), a.p(sentence(), ' ', sentence())];
    for (let k = 0; k < paragraphs; k++) {
      if (k % 4 === 0) blocks.push(a.h(2 + (k % 2), words(3)));
      const inline: (AdfNode | string)[] = [sentence(), ' ', a.text(words(2), a.strong), ' ', sentence()];
      if (i > 0 && rand() < 0.3) {
        const target = Math.floor(rand() * i);
        inline.push(' See ', a.text(titles[target] ?? 'page', a.link(pageUrl(target))), '.');
      }
      blocks.push(a.p(...inline));
    }
    blocks.push(a.ul(...Array.from({ length: 3 + Math.floor(rand() * 4) }, () => [sentence()])));
    blocks.push(a.table(['Key', 'Value', 'Notes'], ...Array.from({ length: 4 }, () => [words(1), String(Math.floor(rand() * 1000)), sentence()])));
    blocks.push(a.codeBlock(pick(['typescript', 'python', 'bash', 'json']), Array.from({ length: 6 }, () => `  ${words(4)}`).join('\n')));
    if (i > 0) blocks.push(a.p('Parent tree link: ', a.inlineCard(pageUrl(Math.floor(rand() * i)))));
    return a.doc(...blocks);
  };

  site.addSpace({ id: spaceId, key: 'GEN', name: 'Generated space', authorId: SEED.users.alice, homepageId: '' });
  for (let i = 0; i < o.pages; i++) {
    let parent: number | null = null;
    if (i > 0 && i < spine) parent = i - 1;
    else if (i >= spine && i < spine + rootPages) parent = null;
    else if (i >= spine) {
      const slot = Math.floor(rand() * open.length);
      parent = open[slot] ?? 0;
      if ((childCount[parent] ?? 0) + 1 >= fanout) {
        open[slot] = open[open.length - 1] ?? 0;
        open.pop();
      }
    }
    titles.push(`${words(2).replace(/^./, (c) => c.toUpperCase())} ${i}`);
    const id = site.nextId();
    ids.push(id);
    childCount.push(0);
    depths.push(parent === null ? 0 : (depths[parent] ?? 0) + 1);
    if (parent !== null) childCount[parent] = (childCount[parent] ?? 0) + 1;
    site.addPage({ id, parentId: parent === null ? null : ids[parent] ?? null, title: titles[i] ?? '', spaceId, authorId: pick(authors), adf: body(i), labels: rand() < 0.2 ? ['generated'] : [] });
    // Pages at the depth limit take no children.
    if ((i >= spine - 1 || i === 0) && (depths[i] ?? 0) < maxDepth) open.push(i);
    for (let k = 0; k < comments; k++) {
      site.addComment({ kind: 'footer', pageId: id, authorId: pick(authors), adf: a.doc(a.p(sentence())) });
    }
  }
  for (let i = 0; i < (o.blogPosts ?? 0); i++) {
    const title = `${words(2).replace(/^./, (c) => c.toUpperCase())} post ${i}`;
    site.addContent({ type: 'blogpost', parentId: null, title, spaceId, authorId: pick(authors), adf: a.doc(a.h(1, title), ...Array.from({ length: paragraphs }, () => a.p(sentence(), ' ', sentence()))) });
  }
  const rootId = ids[0] ?? '';
  const space = site.spaces.get(spaceId);
  if (space) space.homepageId = rootId;
  return { site, rootId };
}
