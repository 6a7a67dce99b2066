/**
 * Consent shown as consent (issue 23 part 6): Carol has not allowed the app to act for her, so
 * every asUser() call of hers throws NeedsAuthenticationError, which escapes the resolver for Forge
 * to ask her ("Allow access"). The panel must say so (code CONSENT), never "could not be reached".
 */
import { SEED } from '../../sandbox/confluence/seed';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { toApiError } from '../../src/frontend/api';
import { by, byTestId, mount } from './helpers';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

const carol = SEED.users.carol;

it('tells Carol to allow access, with code CONSENT, not NETWORK', async () => {
  const host = await mount(sandbox, { accountId: carol, content: { id: SEED.pages.guide, type: 'page' } });
  const box = byTestId(host, 'header-error');
  const text = host.text(box);
  expect(text).toMatch(/Allow access/);
  expect(box.props.appearance).toBe("warning");
  expect(text).toMatch(/Code: CONSENT/);
  expect(text).not.toMatch(/NETWORK|could not be reached/);
  expect(host.find(by.testId('retry')).length).toBeGreaterThan(0);
});

it('recognises the consent error in each shape a host passes it on, and only it', () => {
  // The preview host's (sandbox/preview/client/host.ts), @forge/api's own, and anything else.
  expect(toApiError(Object.assign(new Error('Content Toolkit needs your permission'), { consentRequired: true })).code).toBe('CONSENT');
  expect(toApiError(Object.assign(new Error('Authentication Required'), { name: 'NEEDS_AUTHENTICATION_ERR' })).code).toBe('CONSENT');
  expect(toApiError(new TypeError('Failed to fetch')).code).toBe('NETWORK');
  expect(toApiError(undefined).code).toBe('NETWORK');
});
