/**
 * The preview (`npm start`) surfaces a missing consent the way Forge does: the resolver's
 * NeedsAuthenticationError escapes, /api/invoke answers 401 {consentRequired}, the host shows
 * "Allow access", and granting it (/api/consent) makes the same call work.
 */
import { SEED } from '../../sandbox/confluence/seed';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { startPreview, type Preview } from '../../sandbox/preview/server';

let sandbox: Sandbox;
let preview: Preview;
beforeAll(async () => {
  sandbox = await startSandbox();
  preview = await startPreview({ sandbox });
});
afterAll(async () => {
  await preview.close();
  await sandbox.close();
});

const post = async (path: string, body: unknown) => {
  const res = await fetch(new URL(path, preview.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const pageInfo = (accountId: string) => post('/api/invoke', { key: 'page/info', accountId, content: { id: SEED.pages.rich, type: 'page' }, payload: {} });

it('asks Carol for consent, then works once she allows access', async () => {
  const { carol } = SEED.users;
  const refused = await pageInfo(carol);
  expect(refused).toEqual({ status: 401, body: { consentRequired: true, message: expect.stringContaining('permission') } });
  expect((await post('/api/consent', { accountId: carol })).status).toBe(200);
  const allowed = await pageInfo(carol);
  expect(allowed.status).toBe(200);
  expect(allowed.body.result).toMatchObject({ ok: true, data: { id: SEED.pages.rich } });
  sandbox.platform.setConsent(carol, false);
});

it('Alice is never asked', async () => {
  const res = await pageInfo(SEED.users.alice);
  expect(res.status).toBe(200);
  expect(res.body.result).toMatchObject({ ok: true });
});
