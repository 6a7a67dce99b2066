/**
 * Each mounted panel talks to its own host, as each panel is its own iframe in the product: an
 * earlier panel that is still running never sends its calls, or its renders, to a later one.
 * (Before, every mount shared one handler, so a poll of the first panel landed in the second's
 * `invoked` — the 1-in-5 failure of space.test.tsx on CI.)
 */
import { SEED } from '../../sandbox/confluence/seed';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { byTestId, has, mount, openTab } from './helpers';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

it("an earlier panel's invokes and renders reach its own host, not the one mounted after it", async () => {
  const first = await mount(sandbox, { accountId: SEED.users.alice, content: { id: SEED.pages.guide, type: 'page' }, space: SEED.space });
  const second = await mount(sandbox, { accountId: SEED.users.alice, module: 'confluence:globalPage' });
  // The global page's own reads (the spaces, "Your exports") settle first.
  await second.waitFor((h) => h.invoked.includes('export/spaces') && h.invoked.includes('export/jobs'));
  await second.idle();
  const before = [...second.invoked];
  const doc = second.lastDoc();

  await openTab(first, 3);
  await first.waitFor((h) => has(h, 'activity-reload'));
  await first.click(byTestId(first, 'activity-reload'));
  await first.idle();

  expect(first.invoked).toContain('activity/list');
  expect(second.invoked).toEqual(before);
  // The global page still shows its own tree, not the first panel's Activity tab.
  expect(second.lastDoc()).toBe(doc);
  expect(has(second, 'activity-reload')).toBe(false);
});
