/**
 * Consent as on Forge: a user who has not allowed the app to act for them gets @forge/api's real
 * NeedsAuthenticationError from every asUser() call. Forge shows its "Allow access" prompt only when
 * that error escapes the function, so no resolver, retry or fallback may retry it or wrap it.
 */
import { NeedsAuthenticationError } from '@forge/api';
import { SEED } from '../../sandbox/confluence/seed';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { orElse } from '../../src/confluence/errors';
import { RESOLVER_RETRY, withRetry } from '../../src/confluence/retry';
import { sectionError } from '../../src/databases/errors';
import type { Envelope } from '../../src/shared/envelope';

const { alice, carol } = SEED.users;
const rich = { id: SEED.pages.rich, type: 'page' as const };
const dbHost = { id: SEED.pages.dbHost, type: 'page' as const };

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(async () => {
  await sb.close();
});
beforeEach(() => {
  sb.platform.consentRefusals.length = 0;
  sb.confluence.resetRequests();
});

async function rejection(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to reject');
}

/** Every resolver that reads Confluence as the user, with a payload it accepts. */
const USER_CALLS: Array<{ key: string; content: { id: string; type: 'page' | 'blogpost' }; payload: unknown }> = [
  { key: 'page/info', content: rich, payload: {} },
  { key: 'export/page', content: rich, payload: { format: 'md' } },
  { key: 'export/attach', content: rich, payload: { format: 'md' } },
  { key: 'export/tree/start', content: { id: SEED.pages.guide, type: 'page' }, payload: { format: 'md' } },
  { key: 'comments/list', content: rich, payload: {} },
  { key: 'comments/export', content: rich, payload: { format: 'markdown' } },
  { key: 'databases/list', content: dbHost, payload: {} },
  { key: 'databases/inspect', content: dbHost, payload: { database: SEED.database } },
  { key: 'databases/export', content: dbHost, payload: { database: SEED.database, format: 'json' } },
  { key: 'activity/list', content: rich, payload: {} },
  { key: 'autoexport/get', content: rich, payload: {} },
  { key: 'autoexport/set', content: rich, payload: { enabled: false, format: 'md', frontMatter: false, comments: false } },
];

describe('a user who has not granted consent', () => {
  it.each(USER_CALLS)('$key rejects with the real NeedsAuthenticationError, each request tried once', async ({ key, content, payload }) => {
    const error = await rejection(() => sb.invoke(key, { accountId: carol, content, payload }));
    expect(error).toBeInstanceOf(NeedsAuthenticationError);
    expect((error as NeedsAuthenticationError).name).toBe('NEEDS_AUTHENTICATION_ERR');
    const refused = sb.platform.consentRefusals;
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused.every((r) => r.accountId === carol)).toBe(true);
    // No retries: no path was asked twice. Nothing reached Confluence as Carol.
    expect(new Set(refused.map((r) => r.path)).size).toBe(refused.length);
    expect(sb.confluence.requests.filter((r) => r.principal === `user:${carol}`)).toEqual([]);
  });

  it('page/info: exactly one attempt at each of its two requests, then the error escapes the function', async () => {
    const error = await rejection(() => sb.invoke('page/info', { accountId: carol, content: rich }));
    expect(error).toBeInstanceOf(NeedsAuthenticationError);
    // page/info asks for the page and its operations in parallel; each is tried once, none retried.
    expect(sb.platform.consentRefusals.map((r) => r.path).sort()).toEqual([`/wiki/api/v2/pages/${rich.id}/operations`, `/wiki/api/v2/pages/${rich.id}?`]);
  });

  it('autoexport/get: exactly 1 request attempt', async () => {
    const error = await rejection(() => sb.invoke('autoexport/get', { accountId: carol, content: rich }));
    expect(error).toBeInstanceOf(NeedsAuthenticationError);
    expect(sb.platform.consentRefusals).toHaveLength(1);
  });

  it('works once consent is granted, and fails again when it is withdrawn', async () => {
    sb.platform.setConsent(carol, true);
    try {
      const env = await sb.invoke<Envelope<{ id: string }>>('page/info', { accountId: carol, content: rich });
      expect(env).toMatchObject({ ok: true, data: { id: rich.id } });
    } finally {
      sb.platform.setConsent(carol, false);
    }
    expect(await rejection(() => sb.invoke('page/info', { accountId: carol, content: rich }))).toBeInstanceOf(NeedsAuthenticationError);
  });

  it('Alice, who has granted it, still gets her answers', async () => {
    for (const { key, content, payload } of USER_CALLS.filter((c) => c.key !== 'export/tree/start' && c.key !== 'export/attach')) {
      const env = await sb.invoke<Envelope<unknown>>(key, { accountId: alice, content, payload });
      expect({ key, ok: env.ok }).toEqual({ key, ok: true });
    }
    expect(sb.platform.consentRefusals).toEqual([]);
  });
});

describe('catch-alls let the consent error through unchanged', () => {
  const consent = () => new NeedsAuthenticationError('Authentication Required', 'atlassian-token-service-key');
  const instant = { sleep: async () => undefined, now: () => 0, random: () => 0.5 };

  it('withRetry does not retry it', async () => {
    let attempts = 0;
    const e = consent();
    await expect(withRetry(async () => {
      attempts += 1;
      throw e;
    }, RESOLVER_RETRY, instant)).rejects.toBe(e);
    expect(attempts).toBe(1);
  });

  it('withRetry still retries a network failure (the control case)', async () => {
    let attempts = 0;
    await expect(withRetry(async () => {
      attempts += 1;
      throw new TypeError('fetch failed');
    }, RESOLVER_RETRY, instant)).rejects.toThrow('fetch failed');
    expect(attempts).toBe(RESOLVER_RETRY.maxAttempts);
  });

  it('orElse() falls back for other failures and rethrows consent', async () => {
    const e = consent();
    await expect(Promise.reject(e).catch(orElse('fallback'))).rejects.toBe(e);
    await expect(Promise.reject(new Error('boom')).catch(orElse('fallback'))).resolves.toBe('fallback');
  });

  it('a database section never turns it into a section error', () => {
    const e = consent();
    expect(() => sectionError(e, 'database 1')).toThrow(e);
    expect(sectionError(new Error('x'), 'database 1')).toMatchObject({ code: 'FAILED' });
  });
});
