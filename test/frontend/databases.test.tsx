/** The Databases tab against the real database resolvers on the seed site. */
import { SEED } from '../../sandbox/confluence/seed';
import type { Host } from '../../sandbox/forge/host';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { blobText, by, byTestId, has, mount, openTab, within } from './helpers';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

async function openDatabases(host: Host): Promise<void> {
  await openTab(host, 2);
  await host.waitFor((h) => has(h, 'databases') || has(h, 'databases-empty') || has(h, 'databases-error'));
  await host.idle();
}

describe('Alice on the project tracker page', () => {
  let host: Host;
  beforeAll(async () => {
    host = await mount(sandbox, { accountId: SEED.users.alice, content: { id: SEED.pages.dbHost, type: 'page' } });
    await openDatabases(host);
  });

  it('lists the databases under the page', () => {
    expect(host.text(byTestId(host, `database-${SEED.database}`))).toContain('Roadmap Database');
  });

  it('inspects one: metadata, breadcrumb, properties paged, operations, and the row diagnostics', async () => {
    await host.click(byTestId(host, `inspect-${SEED.database}`));
    const inspection = await host.waitFor((h) => h.find(by.testId('inspection'))[0]);
    expect(host.text(inspection)).toContain('Roadmap Database');
    expect(host.text(byTestId(host, 'breadcrumb'))).toContain('Project Tracker');
    const rows = host.text(byTestId(host, 'row-diagnostics'));
    expect(rows).toContain('FAILURE_CLIENT_SCOPE_CHECK');
    expect(rows).toMatch(/CSV/);
    expect(rows).toMatch(/→ 401/);
    expect(host.text(byTestId(host, 'properties'))).toContain(`${SEED.databasePropertyCount} properties`);
    const pages = Math.ceil(SEED.databasePropertyCount / 10);
    expect(host.text(byTestId(host, 'properties-pager'))).toContain(`Page 1 of ${pages}`);
    expect(host.find(by.testId('operations'))[0]?.children.length).toBeGreaterThan(0);
    // The id was copied into the lookup field, so the same database can be looked up again.
    expect(byTestId(host, 'database-ref').props.value).toBe(SEED.database);
  });

  it('exports the inspection as JSON', async () => {
    await host.click(byTestId(host, 'database-export-json'));
    const card = await host.waitFor((h) => h.find(by.testId('database-download'))[0]);
    expect(String(card.props.fileName)).toMatch(/\.json$/);
    const json = JSON.parse(await blobText(await (card.props.onDownload as () => Promise<Blob>)())) as Record<string, unknown>;
    expect(JSON.stringify(json)).toContain('Roadmap Database');
  });

  it('a malformed reference is refused with a clear message and hint', async () => {
    await host.change(byTestId(host, 'database-ref'), 'not a database');
    await host.click(byTestId(host, 'inspect'));
    const box = await host.waitFor((h) => h.find(by.testId('inspect-error'))[0]);
    expect(host.text(box)).toContain('Could not inspect the database');
    // A retry cannot mend the input: no "Try again" (issue 23), the hint says what to paste.
    expect(() => within(host, box, by.testId('retry'))).toThrow(/found 0/);
    expect(host.text(box)).toMatch(/Paste the database's address/);
    expect(has(host, 'inspection')).toBe(false);
    await host.idle();
  });
});

it("Bob cannot inspect the restricted database: he is told it may be permission", async () => {
  const host = await mount(sandbox, { accountId: SEED.users.bob, content: { id: SEED.pages.dbHost, type: 'page' } });
  await openDatabases(host);
  expect(has(host, `database-${SEED.restrictedDatabase}`)).toBe(false);
  await host.change(byTestId(host, 'database-ref'), SEED.restrictedDatabase);
  await host.click(byTestId(host, 'inspect'));
  const box = await host.waitFor((h) => h.find(by.testId('inspect-error'))[0]);
  expect(host.text(box)).toMatch(/permission/i);
  await host.idle();
});

it('a page with no databases below it says what to do instead', async () => {
  const host = await mount(sandbox, { accountId: SEED.users.alice, content: { id: SEED.pages.faq, type: 'page' } });
  await openDatabases(host);
  expect(host.text(byTestId(host, 'databases-empty'))).toMatch(/No databases under this page.*Paste a database URL or id/);
});
