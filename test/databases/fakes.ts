// Plain fakes of the Confluence client for the database domain's unit tests (no module mocks).
import { ConfluenceError } from '../../src/confluence/errors';
import type { Probe } from '../../src/confluence/client';
import type { Database, User } from '../../src/confluence/types';
import type { InspectClient } from '../../src/databases/inspect';

export async function* gen<T>(items: T[]): AsyncGenerator<T, void, undefined> {
  for (const item of items) yield item;
}

export function httpError(status: number, code: string, retryAfter?: number): ConfluenceError {
  return new ConfluenceError({ status, code, message: `Confluence answered ${status}`, hint: `hint for ${status}`, ...(retryAfter !== undefined ? { retryAfter } : {}) });
}

export const ALICE = 'acc-alice';
export const BOB = 'acc-bob';

export function database(over: Partial<Database> = {}): Database {
  return {
    id: '500', type: 'database', status: 'current', title: 'Tracker', parentId: '10', parentType: 'page', position: 0,
    authorId: ALICE, ownerId: BOB, createdAt: '2024-01-01T00:00:00.000Z', spaceId: '9',
    version: { number: 3, createdAt: '2024-02-01T00:00:00.000Z', authorId: BOB },
    collaborators: { results: [{ accountId: ALICE }, { accountId: BOB }], meta: { hasMore: false } },
    directChildren: { results: [{ id: '501', type: 'whiteboard', title: 'Board' }], meta: { hasMore: false } },
    operations: { results: [{ operation: 'read', targetType: 'database' }], meta: { hasMore: false } },
    properties: { results: [{ id: 'p1', key: 'k1', value: { a: 1 }, version: { number: 1, authorId: ALICE } }], meta: { hasMore: false } },
    _links: { webui: '/spaces/ENG/database/500', base: 'https://acme.atlassian.net/wiki' },
    ...over,
  };
}

export const ROW_PROBES: Probe[] = ['entries', 'content', 'children', 'export'].map((t) => ({
  path: `/wiki/api/v2/databases/500/${t}`, status: 401, failureCategory: 'FAILURE_CLIENT_SCOPE_CHECK', message: 'Unauthorized; scope does not match',
}));

/** A client whose every call succeeds with small data; override what a test is about. */
export function fakeClient(over: Partial<InspectClient> = {}): InspectClient & { calls: string[] } {
  const calls: string[] = [];
  const users = new Map<string, User>([
    [ALICE, { accountId: ALICE, displayName: 'Alice' }],
    [BOB, { accountId: BOB, displayName: 'Bob' }],
  ]);
  const base: InspectClient = {
    getDatabase: async (id) => database({ id }),
    getPage: async () => { throw httpError(404, 'NOT_FOUND'); },
    getBlogPost: async () => { throw httpError(404, 'NOT_FOUND'); },
    getSpace: async (id) => ({ id, key: 'ENG', name: 'Engineering', _links: { webui: '/spaces/ENG' } }),
    pagesByIds: (ids) => gen(ids.map((id) => ({ id, title: `Page ${id}`, _links: { webui: `/spaces/ENG/pages/${id}` } }))),
    databaseProperties: () => gen([]),
    databaseOperations: async () => [],
    databaseClassification: async () => ({ id: 'c1', name: 'Internal', status: 'PUBLISHED' }),
    databaseAncestors: async () => [{ id: '1', type: 'page' }, { id: '10', type: 'page' }],
    ancestors: async () => [],
    databaseChildren: () => gen([]),
    databaseDescendants: () => gen([{ id: '501', type: 'whiteboard', title: 'Board', depth: 1, parentId: '500' }]),
    descendants: () => gen([]),
    probeDatabaseRows: async () => ROW_PROBES,
    users: async (ids) => new Map([...ids].flatMap((id) => (users.has(id) ? [[id, users.get(id)!] as const] : []))),
  };
  const merged = { ...base, ...over } as InspectClient;
  // Record every call by name so tests can assert what was (not) requested.
  const traced = Object.fromEntries(
    Object.entries(merged).map(([name, fn]) => [name, (...args: unknown[]) => {
      calls.push(name);
      return (fn as (...a: unknown[]) => unknown)(...args);
    }]),
  ) as unknown as InspectClient;
  return Object.assign(traced, { calls });
}
