/**
 * Each UI module gets the extension context its Forge docs page lists, and the app works in each:
 * - confluence:contentBylineItem: content id AND type;
 * - confluence:contentAction: content id, subtype and space, but no content type;
 * - confluence:globalPage: no content;
 * and nothing depends on `siteUrl`, which the docs promise only "if available".
 */
import { SEED } from '../../sandbox/confluence/seed';
import { extensionFor } from '../../sandbox/forge/invoke';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { requireContent, type CallContext } from '../../src/resolvers/context';
import type { CommentsResult } from '../../src/shared/comments';
import type { DatabaseInspection } from '../../src/shared/databases';
import type { Envelope } from '../../src/shared/envelope';
import type { ExportPageResult, TreeStartResult } from '../../src/shared/export';
import type { PageInfo } from '../../src/shared/page';

const { alice, bob } = SEED.users;
const rich = { id: SEED.pages.rich, type: 'page' as const };
const blog = { id: SEED.blog, type: 'blogpost' as const };
const ACTION = { key: 'content-toolkit-tree-export', type: 'confluence:contentAction' };
const GLOBAL = { key: 'database-inspector', type: 'confluence:globalPage' };

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(async () => {
  await sb.close();
});
beforeEach(() => sb.confluence.resetRequests());

function ok<T>(env: Envelope<T>): T {
  if (!env.ok) throw new Error(`${env.error.code}: ${env.error.message}`);
  return env.data;
}

const typeLookups = () => sb.confluence.requests.filter((r) => r.path.startsWith('/wiki/api/v2/content/convert-ids-to-types'));

describe('the extension context of each module, as documented', () => {
  const space = { id: SEED.space.id, key: SEED.space.key };
  it('confluence:contentBylineItem: content id, type and subtype, space, location', () => {
    expect(extensionFor('confluence:contentBylineItem', 'https://s.example', rich, space)).toEqual({
      type: 'confluence:contentBylineItem',
      content: { id: rich.id, type: 'page', subtype: null },
      space,
      location: `https://s.example/wiki/spaces/DEMO/pages/${rich.id}`,
    });
  });

  it('confluence:contentAction: content id and subtype, space, location; no content type', () => {
    const ext = extensionFor('confluence:contentAction', 'https://s.example', rich, space);
    expect(ext).toEqual({ type: 'confluence:contentAction', content: { id: rich.id, subtype: null }, space, location: `https://s.example/wiki/spaces/DEMO/pages/${rich.id}` });
    expect(ext.content).not.toHaveProperty('type');
  });

  it('confluence:globalPage: no content, no space', () => {
    expect(extensionFor('confluence:globalPage', 'https://s.example', rich, space)).toEqual({ type: 'confluence:globalPage' });
  });
});

describe('from the byline item', () => {
  it('page/info needs no type lookup: the context has the type', async () => {
    const info = ok(await sb.invoke<Envelope<PageInfo>>('page/info', { accountId: alice, content: rich }));
    expect(info).toMatchObject({ id: rich.id, type: 'page' });
    expect(typeLookups()).toEqual([]);
  });
});

describe('from the ••• content action (no content.type in its context)', () => {
  it('page/info learns the type with exactly one lookup, as the user', async () => {
    const info = ok(await sb.invoke<Envelope<PageInfo>>('page/info', { accountId: alice, content: rich, module: ACTION }));
    expect(info).toMatchObject({ id: rich.id, type: 'page', title: 'Rich Page' });
    expect(typeLookups()).toHaveLength(1);
    expect(typeLookups()[0]?.principal).toBe(`user:${alice}`);
  });

  it('export/page works on a page and on a blog post', async () => {
    const page = ok(await sb.invoke<Envelope<ExportPageResult>>('export/page', { accountId: alice, content: rich, module: ACTION, payload: { format: 'md' } }));
    expect(page.title).toBe('Rich Page');
    expect(page.text.length).toBeGreaterThan(100);
    const post = ok(await sb.invoke<Envelope<ExportPageResult>>('export/page', { accountId: alice, content: blog, module: ACTION, payload: { format: 'md' } }));
    expect(post.title).toBe('Release Notes 1.0');
    // The blog post was read from /blogposts, which only a resolved type can choose.
    expect(sb.confluence.requests.some((r) => r.path.startsWith(`/wiki/api/v2/blogposts/${blog.id}`))).toBe(true);
    expect(typeLookups()).toHaveLength(2);
  });

  it('comments/list works', async () => {
    const res = ok(await sb.invoke<Envelope<CommentsResult>>('comments/list', { accountId: alice, content: rich, module: ACTION, payload: {} }));
    expect(res.content).toMatchObject({ id: rich.id, type: 'page' });
    expect(res.threads.length).toBeGreaterThan(0);
  });

  it('export/tree/start starts on a page, and refuses a blog post as NOT_A_PAGE', async () => {
    const started = ok(await sb.invoke<Envelope<TreeStartResult>>('export/tree/start', { accountId: alice, content: { id: SEED.pages.guide, type: 'page' }, module: ACTION, payload: { format: 'md' } }));
    expect(started.total).toBeGreaterThan(1);
    const refused = await sb.invoke<Envelope<TreeStartResult>>('export/tree/start', { accountId: alice, content: blog, module: ACTION, payload: { format: 'md' } });
    expect(refused).toMatchObject({ ok: false, error: { code: 'NOT_A_PAGE' } });
    await sb.platform.drain();
  });

  it('a page the user cannot see is NOT_FOUND, as from the byline', async () => {
    const secret = { id: SEED.pages.restricted, type: 'page' as const };
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const env = await sb.invoke<Envelope<PageInfo>>('page/info', { accountId: bob, content: secret, module: ACTION });
      expect(env).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    } finally {
      warn.mockRestore();
    }
  });
});

describe('from the global page (no content)', () => {
  it('databases/inspect works', async () => {
    const res = ok(await sb.invoke<Envelope<DatabaseInspection>>('databases/inspect', { accountId: alice, module: GLOBAL, payload: { database: SEED.database } }));
    expect(res).toMatchObject({ id: SEED.database, title: 'Roadmap Database', type: 'database' });
  });

  it('page resolvers say plainly that they need a page', async () => {
    const env = await sb.invoke<Envelope<PageInfo>>('page/info', { accountId: alice, module: GLOBAL });
    expect(env).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: 'Open this from a page or blog post.' } });
  });
});

describe('without siteUrl in the context ("if available")', () => {
  it('page/info still gives an absolute URL, from the answer\'s _links.base', async () => {
    const info = ok(await sb.invoke<Envelope<PageInfo>>('page/info', { accountId: alice, content: rich, siteUrl: null }));
    expect(info.url?.startsWith(`${sb.confluence.url}/wiki/spaces/DEMO/pages/${rich.id}`)).toBe(true);
  });

  it('comment links and HTML export media are absolute', async () => {
    const res = ok(await sb.invoke<Envelope<CommentsResult>>('comments/list', { accountId: alice, content: rich, payload: {}, siteUrl: null }));
    const links = res.threads.map((t) => t.link).filter((l): l is string => l !== undefined);
    expect(links.length).toBeGreaterThan(0);
    for (const l of links) expect(l.startsWith(`${sb.confluence.url}/wiki/`)).toBe(true);

    const html = ok(await sb.invoke<Envelope<ExportPageResult>>('export/page', { accountId: alice, content: rich, payload: { format: 'html' }, siteUrl: null }));
    const srcs = [...html.text.matchAll(/<img[^>]+src="([^"]+)"/g)].map((m) => m[1]);
    expect(srcs.length).toBeGreaterThan(0);
    for (const src of srcs) expect(src?.startsWith(`${sb.confluence.url}/wiki/`)).toBe(true);
  });
});

describe('requireContent', () => {
  const ctx = (): CallContext => ({ accountId: alice, content: { id: '42' } });
  it('asks once and keeps the answer', async () => {
    const c = ctx();
    const asked: string[] = [];
    const lookup = async (id: string) => (asked.push(id), 'blogpost');
    expect(await requireContent(c, lookup)).toEqual({ id: '42', type: 'blogpost' });
    expect(await requireContent(c, lookup)).toEqual({ id: '42', type: 'blogpost' });
    expect(asked).toEqual(['42']);
  });

  it('null (gone or hidden) is NOT_FOUND; another type is refused', async () => {
    await expect(requireContent(ctx(), async () => null)).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
    await expect(requireContent(ctx(), async () => 'whiteboard')).rejects.toThrow('not on a whiteboard');
  });
});
