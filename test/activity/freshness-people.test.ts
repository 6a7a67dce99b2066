/**
 * Issue 23.3, through the real resolvers: Alice's private tree export is hers alone; Bob, who never
 * exported, is told nothing, and a copy Alice attaches to the page is shown to Bob with her name.
 */
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { SEED } from '../../sandbox/confluence/seed';
import type { Envelope } from '../../src/shared/envelope';
import type { ActivityList } from '../../src/shared/activity';
import type { TreeStartResult } from '../../src/shared/export';
import { ok } from '../envelope';

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(async () => {
  await sb.close();
});

const { alice, bob } = SEED.users;
const guide = { id: SEED.pages.guide, type: 'page' as const };
const freshness = async (accountId: string) => ok(await sb.invoke<Envelope<ActivityList>>('activity/list', { accountId, content: guide, payload: {} })).freshness;

test("a private tree export is its requester's; an attached copy is everyone's, with who made it", async () => {
  ok(await sb.invoke<Envelope<TreeStartResult>>('export/tree/start', { accountId: alice, content: guide, payload: { format: 'md' } }));
  await sb.platform.drain();
  expect(await freshness(alice)).toMatchObject({ kind: 'tree', mine: true, title: 'User Guide', pages: expect.any(Number) });
  expect(await freshness(bob)).toBeNull();

  ok(await sb.invoke('export/attach', { accountId: alice, content: guide, payload: { format: 'md' } }));
  expect(await freshness(bob)).toMatchObject({ kind: 'attachment', mine: false, accountId: alice, displayName: 'Alice Author', attached: true });
});
