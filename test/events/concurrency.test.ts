/**
 * Concurrent deliveries (issue 13): events for one page arriving at once must not overwrite each
 * other's activity entries, and duplicated or concurrent auto-export jobs must still write one
 * attachment version per page version.
 */
import * as a from '../../sandbox/confluence/adf';
import { SEED } from '../../sandbox/confluence/seed';
import { commentCreatedEvent } from '../../sandbox/forge/events';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import type { ActivityList } from '../../src/shared/activity';
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
