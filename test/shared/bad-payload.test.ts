/**
 * Bad payloads stay harmless (issue 13): whatever a caller sends, the error that comes back is short
 * and never echoes a huge or odd field name, on every resolver key.
 */
import { SEED } from '../../sandbox/confluence/seed';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { API_KEYS } from '../../src/shared/api';
import type { Envelope } from '../../src/shared/envelope';

/** The longest error message a resolver may answer a bad payload with. */
const SHORT = 200;

let sb: Sandbox;
let warn: jest.SpyInstance;
beforeAll(async () => {
  warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  sb = await startSandbox();
});
afterAll(async () => {
  warn.mockRestore();
  await sb.close();
});

// The largest field name that reaches a resolver: the platform refuses payloads over 500 KB first
// (test/forge/limits.test.ts), so 490 KB is the worst a caller can send.
const huge = 'F'.repeat(490_000);
const payloads: Array<[string, unknown]> = [
  ['a 490 KB unknown field name', { [huge]: 1 }],
  ['an unknown field name with control characters and markup', { [`${'a'.repeat(5000)}\u0000\n<script>`]: 1 }],
  ['a list holding a 490 KB field name', [{ [huge]: 1 }]],
];

describe.each(API_KEYS)('%s', (key) => {
  it.each(payloads)('answers %s with a short BAD_REQUEST', async (_what, payload) => {
    const env = await sb.invoke<Envelope<unknown>>(key, { accountId: SEED.users.alice, content: { id: SEED.pages.home, type: 'page' }, payload });
    expect(env.ok).toBe(false);
    if (env.ok) return;
    expect(env.error.code).toBe('BAD_REQUEST');
    expect(env.error.message.length).toBeLessThanOrEqual(SHORT);
    expect(JSON.stringify(env).length).toBeLessThan(600);
    expect(env.error.message).not.toMatch(/F{100}|a{100}|[\u0000\n<]/);
  });
});
