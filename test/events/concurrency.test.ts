/**
 * Concurrent deliveries (issue 13): events for one page arriving at once must not overwrite each
 * other's activity entries, and duplicated or concurrent auto-export jobs must still write one
 * attachment version per page version.
 */
import * as a from '../../sandbox/confluence/adf';
import { SEED } from '../../sandbox/confluence/seed';
import { commentCreatedEvent, pageUpdatedEvent } from '../../sandbox/forge/events';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import type { ActivityList, AutoExportView } from '../../src/shared/activity';
import type { Envelope } from '../../src/shared/envelope';

const { alice, bob } = SEED.users;
const guide = SEED.pages.guide;
const page = (id: string) => ({ id, type: 'page' as const });

let sb: Sandbox;
let warn: jest.SpyInstance;
beforeEach(async () => {
  warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  sb = await startSandbox();
});
afterEach(async () => {
  warn.mockRestore();
  await sb.close();
});

const site = () => sb.confluence.site;

describe('activity log under concurrency', () => {
  it('keeps all 30 comment events delivered for one page at once', async () => {
    const comments = Array.from({ length: 30 }, (_, i) => site().addComment({ kind: 'footer', pageId: guide, authorId: bob, adf: a.doc(a.p(`Remark ${i}.`)) }));
    await Promise.all(comments.map((c) => sb.trigger(commentCreatedEvent(site(), c.id, bob))));
    // And each delivered again, at once: still one entry per event.
    await Promise.all(comments.map((c) => sb.trigger(commentCreatedEvent(site(), c.id, bob))));
    const env = await sb.invoke<Envelope<ActivityList>>('activity/list', { accountId: alice, content: page(guide), payload: { limit: 200 } });
    if (!env.ok) throw new Error(JSON.stringify(env.error));
    expect(env.data.total).toBe(30);
    expect(env.data.items.map((i) => i.commentId).sort()).toEqual(comments.map((c) => c.id).sort());
  });
});

describe('auto-export under duplicate and concurrent deliveries', () => {
  it('writes one attachment version per page version', async () => {
    // Everything piles up first and is then released at once, as after a platform backlog.
    sb.platform.manualDelivery = true;
    const on = await sb.invoke<Envelope<AutoExportView>>('autoexport/set', { accountId: alice, content: page(guide), payload: { enabled: true, format: 'md', frontMatter: true, comments: false } });
    expect(on.ok).toBe(true);
    for (const text of ['Second.', 'Third.']) {
      site().updatePage(guide, { adf: a.doc(a.p(text)) }, bob);
      const event = pageUpdatedEvent(site(), guide, bob);
      // The same event delivered three times at once: the trigger's dedupe races, so jobs are duplicated.
      await Promise.all([sb.trigger(event), sb.trigger(event), sb.trigger(event)]);
    }
    const jobs = sb.platform.pushed.filter((e) => e.queueName === 'autoexport').length;
    expect(jobs).toBeGreaterThan(3); // more jobs than page versions: the case to prove
    sb.confluence.setLatency(20); // wide enough for overlapping jobs to interleave, as they would in production
    await sb.platform.drain();

    const copy = site().attachmentsOf(guide).find((x) => x.title === 'User Guide.md');
    const versions = (copy?.history ?? []).map((h) => Number(/version (\d+)/.exec(h.comment)?.[1]));
    expect(versions.length).toBeGreaterThan(0);
    expect(new Set(versions).size).toBe(versions.length); // never two attachment versions for one page version
    expect(versions).toEqual([...versions].sort((x, y) => x - y));
    expect(versions.at(-1)).toBe(site().content(guide)!.version.number);
    expect(Buffer.from(copy!.bytes).toString('utf8')).toContain('Third.');
    expect(sb.platform.peakConcurrency.get(`autoexport-${guide}`)).toBe(1);
  });
});
