/**
 * Space export as a first-class entry (issue 23 part 7), resolvers against the sandbox: the spaces
 * the user can see (v2 GET /spaces as the user, paged), searchable; a key in any case resolves; an
 * unknown and an unreadable space get the same answer.
 */
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { SEED } from '../../sandbox/confluence/seed';
import type { Envelope } from '../../src/shared/envelope';
import type { SpaceList, TreeStartResult } from '../../src/shared/export';
import { ok } from '../envelope';

const alice = SEED.users.alice;
const bob = SEED.users.bob;

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox();
  // A space only Alice may view, and enough others to need more than one page of 250.
  sb.confluence.site.addSpace({ id: '990001', key: 'HR', name: 'Human Resources', authorId: alice, viewers: [alice] });
  for (let i = 0; i < 300; i++) sb.confluence.site.addSpace({ id: String(991000 + i), key: `S${i}`, name: `Team ${String(i).padStart(3, '0')}`, authorId: alice });
});
afterAll(async () => {
  await sb.close();
});

const spaces = async (accountId: string, query?: string) => ok(await sb.invoke<Envelope<SpaceList>>('export/spaces', { accountId, payload: query === undefined ? {} : { query } }));

it('lists the first answer of spaces the user can see by name (one request, as the user), and a search reads every page', async () => {
  sb.confluence.resetRequests();
  const first = await spaces(alice);
  expect(first.more).toBe(true);
  expect(first.spaces).toHaveLength(250);
  const names = first.spaces.map((s) => s.name);
  expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
  expect(first.spaces.map((s) => s.key)).toEqual(expect.arrayContaining([SEED.space.key, 'OPS', 'HR']));
  const reads = () => sb.confluence.requests.filter((r) => r.path.startsWith('/wiki/api/v2/spaces'));
  expect(reads()).toHaveLength(1);
  // A search goes through all 303 (two answers of 250).
  const teams = await spaces(alice, 'TEAM');
  expect(teams.spaces).toHaveLength(300);
  expect(teams.more).toBe(false);
  expect(reads()).toHaveLength(3);
  expect(reads().every((r) => r.principal === `user:${alice}`)).toBe(true);
  // Bob cannot view HR: it is not listed for him.
  expect((await spaces(bob)).spaces.map((s) => s.key)).not.toContain('HR');
});

it('searches by part of a name or key, in any case', async () => {
  expect((await spaces(alice, 'human')).spaces.map((s) => s.key)).toEqual(['HR']);
  expect((await spaces(alice, 'ops')).spaces.map((s) => s.key)).toEqual(['OPS']);
  expect((await spaces(bob, 'human')).spaces).toEqual([]);
});

it('resolves a space key given in any case, and answers an unknown and an unreadable key alike', async () => {
  const started = ok(await sb.invoke<Envelope<TreeStartResult>>('export/space/start', { accountId: alice, payload: { format: 'md', space: 'ops' } }));
  expect(started.total).toBeGreaterThan(0);
  const unknown = await sb.invoke<Envelope<unknown>>('export/space/start', { accountId: bob, payload: { format: 'md', space: 'NOPE' } });
  const hidden = await sb.invoke<Envelope<unknown>>('export/space/start', { accountId: bob, payload: { format: 'md', space: 'hr' } });
  if (unknown.ok || hidden.ok) throw new Error('expected refusals');
  expect(unknown.error.code).toBe('NOT_FOUND');
  expect(hidden.error.code).toBe('NOT_FOUND');
  // The same words, but for the key as typed: nothing tells that HR exists.
  expect(hidden.error.message.replace('"hr"', 'K')).toBe(unknown.error.message.replace('"NOPE"', 'K'));
  expect(hidden.error.hint).toBe(unknown.error.hint);
  await sb.platform.drain();
});
