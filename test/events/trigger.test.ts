/**
 * The real trigger handler (looked up in manifest.yml by event type), the real KVS and queue of the
 * sandbox platform, and the real auto-export consumer: event payloads are built from the site.
 */
import * as a from '../../sandbox/confluence/adf';
import { SEED } from '../../sandbox/confluence/seed';
import {
  commentCreatedEvent,
  commentDeletedEvent,
  commentUpdatedEvent,
  databaseCreatedEvent,
  pageCreatedEvent,
  pageUpdatedEvent,
} from '../../sandbox/forge/events';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { LOG_MAX, logPrefix, readLog } from '../../src/activity/log';
import { forgeKv } from '../../src/storage/kv';
import type { ActivityList, AutoExportView } from '../../src/shared/activity';
import type { Envelope } from '../../src/shared/envelope';

const { alice, bob } = SEED.users;
const guide = SEED.pages.guide;
const page = (id: string) => ({ id, type: 'page' as const });

let sb: Sandbox;
let warn: jest.SpyInstance;
beforeEach(async () => {
  sb = await startSandbox();
  warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterEach(async () => {
  warn.mockRestore();
  await sb.close();
});

const site = () => sb.confluence.site;

async function activity(accountId: string, id: string = guide, limit?: number): Promise<Envelope<ActivityList>> {
  return sb.invoke<Envelope<ActivityList>>('activity/list', { accountId, content: page(id), payload: limit ? { limit } : {} });
}

async function items(id: string = guide) {
  const env = await activity(alice, id);
  if (!env.ok) throw new Error(JSON.stringify(env.error));
  return env.data.items;
}

function edit(id: string, by: string, text: string): number {
  return site().updatePage(id, { adf: a.doc(a.p(text)) }, by);
}

/** Attachment versions the auto-export wrote on a page. */
function copies(id: string) {
  return site().attachmentsOf(id).filter((x) => x.title.endsWith('.md'));
}

describe('content-events trigger', () => {
  it('logs page, comment and database events with names resolved for the reader', async () => {
    const v = edit(guide, bob, 'Edited by Bob.');
    await sb.trigger(pageUpdatedEvent(site(), guide, bob));
    const c = site().addComment({ kind: 'footer', pageId: guide, authorId: alice, adf: a.doc(a.p('A remark.')) });
    await sb.trigger(commentCreatedEvent(site(), c.id, alice));
    await sb.trigger(databaseCreatedEvent(site(), SEED.database, alice));

    const list = await items();
    expect(list.map((i) => [i.type, i.displayName, i.version, i.commentId])).toEqual([
      ['avi:confluence:created:comment', 'Alice Author', 1, c.id],
      ['avi:confluence:updated:page', 'Bob Builder', v, undefined],
    ]);
    // The database event went to the database's own log, not the page's.
    const raw = sb.platform.kvs.keys().filter((k) => k.startsWith(logPrefix(SEED.database))).map((k) => (sb.platform.kvs.peek(k) as { type: string }).type);
    expect(raw).toEqual(['avi:confluence:created:database']);
  });

  it('drops a repeated delivery of the same event', async () => {
    edit(guide, bob, 'Once.');
    const event = pageUpdatedEvent(site(), guide, bob);
    await sb.trigger(event);
    await sb.trigger(event);
    const c = site().addComment({ kind: 'inline', pageId: guide, authorId: bob, adf: a.doc(a.p('Hm.')) });
    await sb.trigger(commentCreatedEvent(site(), c.id, bob));
    await sb.trigger(commentCreatedEvent(site(), c.id, bob));
    // An edit of the comment is a new version: not a duplicate. Its deletion is a third event.
    c.version = { ...c.version, number: 2, createdAt: site().tick() };
    await sb.trigger(commentUpdatedEvent(site(), c.id, bob));
    await sb.trigger(commentDeletedEvent(site(), c.id, bob));
    await sb.trigger(commentDeletedEvent(site(), c.id, bob));
    expect((await items()).map((i) => i.type)).toEqual([
      'avi:confluence:deleted:comment',
      'avi:confluence:updated:comment',
      'avi:confluence:created:comment',
      'avi:confluence:updated:page',
    ]);
  });

  it('skips self-generated events', async () => {
    await sb.trigger(pageCreatedEvent(site(), SEED.pages.faq, alice, { selfGenerated: true }));
    expect(sb.platform.kvs.keys().filter((k) => k.startsWith(logPrefix(SEED.pages.faq)))).toEqual([]);
    await sb.trigger(pageCreatedEvent(site(), SEED.pages.faq, alice));
    expect(await items(SEED.pages.faq)).toHaveLength(1);
  });

  it('logs and ignores malformed payloads, without the payload in the log line', async () => {
    const good = pageUpdatedEvent(site(), guide, alice);
    const content = good.content as Record<string, unknown>;
    const bad: Array<{ eventType: string } & Record<string, unknown>> = [
      { ...good, content: { ...content, id: { nested: 'Secret Title' } } },
      { ...good, content: { ...content, id: '' } },
      { ...good, content: 'Secret Title' },
    ];
    for (const event of bad) await expect(sb.trigger(event)).resolves.toBeUndefined();
    expect(sb.platform.kvs.keys()).toEqual([]);
    expect(warn).toHaveBeenCalledTimes(bad.length);
    const lines = warn.mock.calls.map((c) => String(c[0]));
    expect(lines.every((l) => l.includes('avi:confluence:updated:page'))).toBe(true);
    expect(lines.some((l) => l.includes('Secret') || l.includes('User Guide'))).toBe(false);
  });

  it('rolls the oldest entries off when the log is full', async () => {
    // A full log, as months of activity would leave it.
    for (let i = 0; i < LOG_MAX; i++) {
      const key = `old:${i}`;
      sb.platform.kvs.handle('/api/v1/set', { key: `${logPrefix(guide)}${key}`, value: { type: 'avi:confluence:created:comment', key, at: `2024-01-01T00:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000Z`, accountId: bob, commentId: String(900000 + i), version: 1 } });
    }
    edit(guide, alice, 'New text.');
    await sb.trigger(pageUpdatedEvent(site(), guide, alice));

    const stored = await sb.platform.run({ moduleKey: 'test' }, () => readLog(forgeKv, guide));
    expect(stored).toHaveLength(LOG_MAX);
    expect(stored.at(-1)?.type).toBe('avi:confluence:updated:page');
    expect(stored[0]?.key).toBe('old:1');
    const env = await activity(alice, guide, 3);
    expect(env.ok && env.data.total).toBe(LOG_MAX);
  });
});

describe('auto-export', () => {
  async function enable(accountId: string, id = guide, format: 'md' | 'html' = 'md') {
    return sb.invoke<Envelope<AutoExportView>>('autoexport/set', { accountId, content: page(id), payload: { enabled: true, format, frontMatter: true, comments: false } });
  }

  it('writes exactly one attachment version per page version', async () => {
    expect((await enable(alice)).ok).toBe(true);
    await sb.platform.drain(); // the first copy, made when it was switched on
    const v1 = site().content(guide)!.version.number;
    expect(copies(guide).map((x) => x.version.number)).toEqual([1]);

    const v2 = edit(guide, bob, 'Second text.');
    const event = pageUpdatedEvent(site(), guide, bob);
    await sb.trigger(event);
    await sb.trigger(event); // delivered twice
    await sb.platform.drain();

    const v3 = edit(guide, alice, 'Third text.');
    await sb.trigger(pageUpdatedEvent(site(), guide, alice));
    await sb.platform.drain();
    // The app's own upload coming back, and an update event with no new version: nothing new.
    await sb.trigger(pageUpdatedEvent(site(), guide, alice, { selfGenerated: true }));
    await sb.trigger({ ...pageUpdatedEvent(site(), guide, alice), eventCreatedDate: new Date().toISOString(), updateTrigger: 'other' });
    await sb.platform.drain();

    const [copy] = copies(guide);
    expect(copies(guide)).toHaveLength(1);
    expect(copy?.title).toBe('User Guide.md');
    expect(copy?.history.map((h) => h.comment)).toEqual([v1, v2, v3].map((v) => `Auto-export of page version ${v}`));
    expect(Buffer.from(copy!.bytes).toString('utf8')).toContain('Third text.');
    expect(copy?.version.authorId).toBe('557058:sandbox-content-toolkit-app');

    const view = await sb.invoke<Envelope<AutoExportView>>('autoexport/get', { accountId: bob, content: page(guide) });
    expect(view.ok && view.data).toMatchObject({ lastVersion: v3, lastFileName: 'User Guide.md', setting: { enabled: true } });
    const list = await activity(alice);
    expect(list.ok && list.data.freshness).toMatchObject({ exportedVersion: v3, currentVersion: v3, stale: false, kind: 'attachment' });
  });

  it('shows a stale export once the page moves on without auto-export', async () => {
    await enable(alice);
    await sb.platform.drain();
    await sb.invoke('autoexport/set', { accountId: alice, content: page(guide), payload: { enabled: false, format: 'md', frontMatter: true, comments: false } });
    const exported = site().content(guide)!.version.number;
    edit(guide, bob, 'Later.');
    await sb.trigger(pageUpdatedEvent(site(), guide, bob));
    const now = edit(guide, bob, 'Later still.');
    await sb.trigger(pageUpdatedEvent(site(), guide, bob));
    await sb.platform.drain();
    expect(copies(guide)[0]?.version.number).toBe(1);
    const list = await activity(alice);
    expect(list.ok && list.data.freshness).toMatchObject({ exportedVersion: exported, currentVersion: now, stale: true });
  });

  it('hands a 429 back to the platform, which retries after Retry-After', async () => {
    await enable(alice);
    await sb.platform.drain();
    edit(guide, bob, 'Rate limited.');
    sb.confluence.injectFault({ kind: 429, times: 1, retryAfter: '30', match: new RegExp(`^GET /wiki/api/v2/pages/${guide}\\?`) });
    await sb.trigger(pageUpdatedEvent(site(), guide, bob));
    await sb.platform.drain();

    const runs = sb.platform.consumerRuns.slice(-2);
    expect(runs[0]?.result).toEqual({ _retry: true, retryOptions: { retryAfter: 30, retryReason: 'FUNCTION_UPSTREAM_RATE_LIMITED' } });
    expect(runs[1]?.result).toBeUndefined();
    expect(sb.platform.pushed.length).toBe(2); // the first copy and this update; the retry is not a new push
    expect(copies(guide)[0]?.history).toHaveLength(2);
  });

  it('records a failure in the activity log when retries run out', async () => {
    await enable(alice);
    await sb.platform.drain();
    const v = edit(guide, bob, 'Server trouble.');
    sb.confluence.injectFault({ kind: 503, times: 100, match: new RegExp(`^GET /wiki/api/v2/pages/${guide}\\?`) });
    await sb.trigger(pageUpdatedEvent(site(), guide, bob));
    await sb.platform.drain();

    const runs = sb.platform.consumerRuns.slice(-5);
    expect(runs.slice(0, 4).every((r) => (r.result as { _retry?: boolean } | undefined)?._retry === true)).toBe(true);
    expect(runs[4]?.result).toBeUndefined();
    const list = await items();
    expect(list[0]).toMatchObject({ type: 'app:autoexport-failed', version: v, detail: 'UPSTREAM (503)' });
    const view = await sb.invoke<Envelope<AutoExportView>>('autoexport/get', { accountId: alice, content: page(guide) });
    expect(view.ok && view.data.lastError).toBe('UPSTREAM (503)');
    expect(copies(guide)[0]?.history).toHaveLength(1);
  });
});
