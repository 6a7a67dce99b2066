/** The Activity tab: the log fed by the real trigger, and the auto-export switch, through the real resolvers. */
import { SEED } from '../../sandbox/confluence/seed';
import type { Host } from '../../sandbox/forge/host';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { by, byTestId, has, mount, openTab, within } from './helpers';
import { withWarnings } from '../console';

let sandbox: Sandbox;
let host: Host;
const alice = SEED.users.alice;
const page = SEED.pages.install;

beforeAll(async () => {
  sandbox = await startSandbox();
  host = await mount(sandbox, { accountId: alice, content: { id: page, type: 'page' } });
  await openTab(host, 3);
  await host.waitFor((h) => has(h, 'autoexport') && (has(h, 'activity') || has(h, 'activity-empty')));
  await host.idle();
});
afterAll(async () => {
  await sandbox.close();
});

it('starts empty and says what will appear', () => {
  expect(host.text(byTestId(host, 'activity-empty'))).toMatch(/No activity recorded yet.*Refresh/);
});

it('shows an edit delivered by the real trigger after Refresh, with who, when and version', async () => {
  await sandbox.trigger({
    eventType: 'avi:confluence:updated:page',
    atlassianId: SEED.users.bob,
    eventCreatedDate: new Date().toISOString(),
    content: { id: page, type: 'page', title: 'Installation', status: 'current', spaceId: SEED.space.id, version: { number: 2, by: { accountId: SEED.users.bob }, when: new Date().toISOString() } },
  });
  await sandbox.platform.drain();
  await host.click(byTestId(host, 'activity-reload'));
  const list = await host.waitFor((h) => h.find(by.testId('activity'))[0]);
  const text = host.text(list);
  expect(text).toContain('Page updated');
  expect(text).toContain('Bob Builder');
  expect(text).toContain('v2');
  expect(text).toMatch(/just now|minute/);
  await host.idle();
});

it('turns auto-export on for someone who can edit', async () => {
  const toggle = byTestId(host, 'auto-toggle');
  expect(toggle.props.isDisabled).toBe(false);
  expect(toggle.props.isChecked).toBe(false);
  expect(has(host, 'auto-reason')).toBe(false);
  await host.change(toggle, true);
  await host.waitFor((h) => byTestId(h, 'auto-toggle').props.isChecked === true && !h.find(by.testId('auto-toggle'))[0]?.props.isDisabled);
  await host.idle();
  // The setting is stored: a fresh read through the resolver agrees.
  const answer = (await sandbox.invoke('autoexport/get', { accountId: alice, content: { id: page, type: 'page' }, payload: {} })) as { ok: true; data: { setting: { enabled: boolean } } };
  expect(answer.data.setting.enabled).toBe(true);
  // And says so (issue 23: the toggle gave no feedback).
  await host.waitFor((h) => h.flags.some((f) => f.title === 'Auto-export is on' && /Markdown copy/.test(String(f.description))));
});

it('chooses the copy\'s format and front matter, as autoexport/set takes them', async () => {
  await host.change(byTestId(host, 'auto-format'), { label: 'HTML', value: 'html' });
  await host.waitFor((h) => h.flags.some((f) => /HTML copy/.test(String(f.description))));
  await host.idle();
  expect(byTestId(host, 'auto-frontmatter').props.isDisabled).toBe(true);
  const answer = (await sandbox.invoke('autoexport/get', { accountId: alice, content: { id: page, type: 'page' }, payload: {} })) as { ok: true; data: { setting: { enabled: boolean; format: string } } };
  expect(answer.data.setting).toMatchObject({ enabled: true, format: 'html' });
});

it('a failing read shows the error with a retry', async () => {
  // Bob's refusals are logged by the app (one warning per call): asserted, not printed.
  const { warnings } = await withWarnings(async () => {
    const bob = await mount(sandbox, { accountId: SEED.users.bob, content: { id: SEED.pages.restricted, type: 'page' } });
    await openTab(bob, 3);
    const box = await bob.waitFor((h) => h.find(by.testId('activity-error'))[0]);
    expect(within(bob, box, by.testId('retry'))).toBeDefined();
    await bob.waitFor((h) => has(h, 'auto-error'));
    await bob.idle();
  });
  expect(warnings.length).toBeGreaterThan(0);
  for (const w of warnings) expect(w).toMatch(/^\[[\w/]+\] Confluence 404 NOT_FOUND$/);
});
