/**
 * `activity/list` and `autoexport/*` through the real resolver: KVS is app-wide, so each read must
 * first prove, as the user, that the user can see the page.
 */
import * as a from '../../sandbox/confluence/adf';
import { SEED } from '../../sandbox/confluence/seed';
import { commentCreatedEvent, pageUpdatedEvent } from '../../sandbox/forge/events';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { settingKey } from '../../src/activity/autoexport';
import type { ActivityList, AutoExportView } from '../../src/shared/activity';
import type { Envelope } from '../../src/shared/envelope';

const { alice, bob } = SEED.users;
const secret = { id: SEED.pages.restricted, type: 'page' as const };

let sb: Sandbox;
let warn: jest.SpyInstance;
beforeEach(async () => {
  // The resolver wrapper logs each Confluence refusal (status and code only); keep the output clean.
  warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  sb = await startSandbox();
  // Activity on the restricted page, recorded by the trigger (the app sees everything).
  const site = sb.confluence.site;
  site.updatePage(secret.id, { adf: a.doc(a.p('Plans v2.')) }, alice);
  await sb.trigger(pageUpdatedEvent(site, secret.id, alice));
  await sb.trigger(commentCreatedEvent(site, SEED.comments.restrictedReply, alice));
});
afterEach(async () => {
  warn.mockRestore();
  await sb.close();
});

const list = (accountId: string, payload: unknown = {}, content: { id: string; type: 'page' | 'blogpost' } = secret) =>
  sb.invoke<Envelope<ActivityList>>('activity/list', { accountId, content, payload });

describe('activity/list', () => {
  it('gives Alice the log of a page she can see, newest first, names resolved', async () => {
    const env = await list(alice);
    if (!env.ok) throw new Error(JSON.stringify(env.error));
    expect(env.data.items.map((i) => [i.type, i.displayName])).toEqual([
      ['avi:confluence:created:comment', 'Alice Author'],
      ['avi:confluence:updated:page', 'Alice Author'],
    ]);
    expect(env.data.items[0]?.commentId).toBe(SEED.comments.restrictedReply);
    expect(env.data).toMatchObject({ total: 2, currentVersion: 2, freshness: null });
    // The visibility check and the names were asked as Alice, not as the app.
    const principals = new Set(sb.confluence.requests.filter((r) => r.path.startsWith('/wiki/api/v2/')).map((r) => r.principal));
    expect(principals).toContain(`user:${alice}`);
  });

  it('answers Bob, who cannot see the page, with Confluence’s 404 and nothing from storage', async () => {
    sb.confluence.resetRequests();
    const env = await list(bob);
    expect(env.ok).toBe(false);
    if (env.ok) return;
    expect(env.error).toMatchObject({ code: 'NOT_FOUND', status: 404 });
    expect(JSON.stringify(env)).not.toContain(SEED.comments.restrictedReply);
    expect(sb.confluence.requests.map((r) => [r.principal, r.status])).toEqual([[`user:${bob}`, 404]]);
  });

  it('limits to the most recent entries and validates the limit', async () => {
    const env = await list(alice, { limit: 1 });
    expect(env.ok && env.data.items.map((i) => i.type)).toEqual(['avi:confluence:created:comment']);
    expect(env.ok && env.data.total).toBe(2);
    for (const payload of [{ limit: 0 }, { limit: 500 }, { limit: '5' }, { pageId: SEED.pages.home }]) {
      const bad = await list(alice, payload);
      expect(!bad.ok && bad.error.code).toBe('BAD_REQUEST');
    }
  });
});

describe('autoexport/get and autoexport/set', () => {
  const on = { enabled: true, format: 'md', frontMatter: false, comments: true };

  it('refuses Bob on the restricted page, reading and writing', async () => {
    const get = await sb.invoke<Envelope<AutoExportView>>('autoexport/get', { accountId: bob, content: secret });
    expect(!get.ok && get.error.code).toBe('NOT_FOUND');
    const set = await sb.invoke<Envelope<AutoExportView>>('autoexport/set', { accountId: bob, content: secret, payload: on });
    expect(!set.ok && set.error.code).toBe('NOT_FOUND');
    expect(sb.platform.kvs.peek(settingKey(secret.id))).toBeUndefined();
    expect(sb.platform.pushed).toHaveLength(0);
  });

  it('shows Bob, who may read but not edit the FAQ, canEdit false and refuses his change', async () => {
    const faq = { id: SEED.pages.faq, type: 'page' as const };
    const get = await sb.invoke<Envelope<AutoExportView>>('autoexport/get', { accountId: bob, content: faq });
    expect(get.ok && get.data.canEdit).toBe(false);
    const set = await sb.invoke<Envelope<AutoExportView>>('autoexport/set', { accountId: bob, content: faq, payload: on });
    expect(!set.ok && set.error.code).toBe('FORBIDDEN');
    expect(sb.platform.kvs.peek(settingKey(faq.id))).toBeUndefined();
    // Alice, who may edit it, is let through on the same page.
    const forAlice = await sb.invoke<Envelope<AutoExportView>>('autoexport/get', { accountId: alice, content: faq });
    expect(forAlice.ok && forAlice.data.canEdit).toBe(true);
  });

  it('lets Alice switch it on; the first copy is made at once', async () => {
    const before = await sb.invoke<Envelope<AutoExportView>>('autoexport/get', { accountId: alice, content: secret });
    expect(before.ok && before.data).toEqual({ setting: { enabled: false, format: 'md', frontMatter: true, comments: false }, canEdit: true });
    const set = await sb.invoke<Envelope<AutoExportView>>('autoexport/set', { accountId: alice, content: secret, payload: on });
    expect(set.ok && set.data.setting).toEqual(on);
    await sb.platform.drain();
    const after = await sb.invoke<Envelope<AutoExportView>>('autoexport/get', { accountId: alice, content: secret });
    expect(after.ok && after.data).toMatchObject({ setting: on, lastVersion: 2, lastFileName: 'Secret Plans.md' });
    const copy = sb.confluence.site.attachmentsOf(secret.id).find((x) => x.title === 'Secret Plans.md');
    // Comments were asked for: the restricted page's footer thread is in the copy.
    expect(Buffer.from(copy!.bytes).toString('utf8')).toContain('Confidential reply.');
  });

  it('refuses blog posts and bad settings', async () => {
    const blog = await sb.invoke<Envelope<AutoExportView>>('autoexport/set', { accountId: alice, content: { id: SEED.blog, type: 'blogpost' }, payload: on });
    expect(!blog.ok && blog.error.code).toBe('UNSUPPORTED');
    for (const payload of [{ ...on, format: 'pdf' }, { ...on, enabled: 'yes' }, { ...on, extra: 1 }, { enabled: true }]) {
      const bad = await sb.invoke<Envelope<AutoExportView>>('autoexport/set', { accountId: alice, content: secret, payload });
      expect(!bad.ok && bad.error.code).toBe('BAD_REQUEST');
    }
    expect(sb.platform.kvs.peek(settingKey(secret.id))).toBeUndefined();
  });
});
