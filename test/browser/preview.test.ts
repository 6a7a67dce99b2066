/**
 * `npm start`'s preview in a real browser (Debian's Chromium via playwright-core): the UI Kit bundle
 * the Forge bundler built (dist/forge/ui/panel, what `forge deploy` uploads; rebuilt when stale),
 * drawn by the preview host, calling the REAL resolvers and trigger against the sandbox.
 * Screenshots go to artifacts/ (not committed); UPDATE_SCREENSHOT=1 also rewrites docs/preview.png (the README's).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { strFromU8, unzipSync } from 'fflate';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { SEED } from '../../sandbox/confluence/seed';
import { GEN_SPACE, largeSite } from '../../sandbox/confluence/sites';
import { startPreview, type Preview } from '../../sandbox/preview/server';
import { ensureBundle, uiDir } from '../../sandbox/forge/artifact';

const CHROMIUM = '/usr/bin/chromium';
const root = join(__dirname, '..', '..');
const artifacts = join(root, 'artifacts');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  console.warn(`Skipping the browser test: ${CHROMIUM} is missing (apt-get install -y chromium). CI installs it.`);
}
const maybe = haveChromium ? describe : describe.skip;

maybe('npm start preview in Chromium', () => {
  let sandbox: Sandbox;
  let preview: Preview;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  const warnings: string[] = [];
  const scripts = new Set<string>();

  const open = async (content: string, user: string = SEED.users.alice, at: Preview = preview): Promise<void> => {
    await page.goto(`${at.url}?${new URLSearchParams({ content, user })}`);
    await page.getByTestId('header').or(page.getByTestId('header-error')).waitFor();
  };
  const openGlobal = async (): Promise<void> => {
    await page.goto(`${preview.url}?${new URLSearchParams({ content: 'global:database-inspector', user: SEED.users.alice })}`);
    await page.getByTestId('database-inspector').waitFor();
  };
  const invoked = (): Promise<Array<string | undefined>> =>
    page.evaluate(() => (window.__previewHost?.calls ?? []).filter((c) => c.command === 'invoke').map((c) => c.key));
  /** Presses a FileCard's Download and reads the zip the browser saved: its name and its files. */
  const downloadZip = async (card: Locator): Promise<{ name: string; files: Record<string, string> }> => {
    const [download] = await Promise.all([page.waitForEvent('download'), card.getByRole('button', { name: /^Download/ }).click()]);
    const files = Object.fromEntries(Object.entries(unzipSync(readFileSync(await download.path()))).map(([n, b]) => [n, strFromU8(b)]));
    return { name: download.suggestedFilename(), files };
  };
  /** Polls `probe` until it gives a value (the tree job's label changes between polls of the panel). */
  const until = async <T>(probe: () => Promise<T | undefined>, ms: number): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > end) throw new Error(`nothing within ${ms} ms`);
      await page.waitForTimeout(100);
    }
  };
  const titleOf = (id: string): string => {
    const title = sandbox.confluence.site.content(id)?.title;
    if (!title) throw new Error(`seed page ${id} has no title`);
    return title;
  };
  const tab = (name: string) => page.getByRole('tab', { name });
  const commentText = (id: string): string => {
    const body = sandbox.confluence.site.comment(id)?.adf;
    const text = body?.content[0]?.content?.[0]?.text;
    if (!text) throw new Error(`seed comment ${id} has no text`);
    return text;
  };
  const shot = (name: string) => page.screenshot({ path: join(artifacts, `preview-${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    await ensureBundle((line) => console.log(line));
    sandbox = await startSandbox();
    preview = await startPreview({ sandbox, forgeUi: uiDir('panel') });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // A fresh temporary profile per launch (Playwright's default), nothing phoning home.
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-quic', '--no-first-run', '--disable-sync'],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('request', (r) => {
      if (r.resourceType() === 'script') scripts.add(new URL(r.url()).pathname);
    });
    page.on('console', (m) => {
      if (m.type() === 'warning' && m.text().startsWith('[preview]')) warnings.push(m.text());
    });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await preview?.close();
    await sandbox?.close();
  });

  beforeEach(() => {
    pageErrors.length = 0;
    warnings.length = 0;
  });

  afterEach(async () => {
    // Every component the app uses is drawn, and nothing threw in the page.
    expect(pageErrors).toEqual([]);
    expect(warnings).toEqual([]);
    // Whatever the tab, the panel fits its container: no horizontal overflow.
    const overflow = await page.locator('#app-root').evaluate((el) => el.scrollWidth - el.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });

  test('shows the page header from page/info with every component drawn', async () => {
    await open(`page:${SEED.pages.rich}`);
    const header = page.getByTestId('header');
    await expect(header.innerText()).resolves.toContain(sandbox.confluence.site.content(SEED.pages.rich)?.title);
    await expect(header.innerText()).resolves.toContain(`Version ${sandbox.confluence.site.content(SEED.pages.rich)?.version.number}`);
    expect(await page.locator('[data-unknown-type]').count()).toBe(0);
    await expect(tab('Export').getAttribute('aria-selected')).resolves.toBe('true');
    // The panel is the Forge bundler's build (its entry and the chunks it loads), not esbuild's.
    expect(scripts.has('/ui/panel.js')).toBe(true);
    expect(scripts.has('/app.js')).toBe(false);
    // The byline item opens in the large modal manifest.yml asks for (800 px), and the panel fits it.
    const panel = await page.locator('section.panel').boundingBox();
    expect(panel?.width).toBe(800);
  });

  test('exports the rich page to Markdown, previews it and downloads the same file', async () => {
    await open(`page:${SEED.pages.rich}`);
    await page.getByTestId('export-format').selectOption({ label: 'Markdown' });
    await page.getByTestId('preview').click();
    const text = await page.getByTestId('preview-text').innerText();
    expect(text).toContain('title: Rich Page');
    expect(text).toContain('# Rich page');
    expect(text).toContain('**bold**');
    expect(text).toContain('```typescript');
    await page.screenshot({ path: join(artifacts, 'preview-export.png') });
    // The README's picture is committed, so it is only rewritten on request (no binary churn per run).
    if (process.env.UPDATE_SCREENSHOT === '1') {
      mkdirSync(join(root, 'docs'), { recursive: true });
      await page.screenshot({ path: join(root, 'docs', 'preview.png') });
    }

    const card = page.getByTestId('download');
    const [download] = await Promise.all([page.waitForEvent('download'), card.getByRole('button', { name: /^Download/ }).click()]);
    expect(download.suggestedFilename()).toMatch(/\.md$/);
    expect(await card.innerText()).toContain(download.suggestedFilename());
    const file = readFileSync(await download.path(), 'utf8');
    // The preview shows the start of the very file that is downloaded.
    expect(file.startsWith(text.trimEnd())).toBe(true);
  });

  test('reads the comment threads and folds a thread shut and open', async () => {
    await open(`page:${SEED.pages.rich}`);
    await tab('Comments').click();
    const fold = page.getByTestId(`fold-${SEED.comments.footerRoot}`);
    const reply = page.getByText(commentText(SEED.comments.footerReply));
    const replyToReply = page.getByText(commentText(SEED.comments.footerReplyReply));
    await fold.waitFor();
    const state = (open: boolean) => (open ? 'visible' : 'hidden');
    const wasOpen = await reply.isVisible();
    await fold.click();
    await reply.waitFor({ state: state(!wasOpen) });
    await fold.click();
    await reply.waitFor({ state: state(wasOpen) });
    if (!wasOpen) await fold.click();
    await replyToReply.waitFor();
    await shot('comments');

    // A controlled Textfield: each keystroke redraws the panel; focus and caret must survive it.
    const bob = sandbox.confluence.site.user(SEED.users.bob)?.displayName ?? '-';
    const author = page.getByTestId('filter-author');
    await author.pressSequentially(bob);
    await expect(author.inputValue()).resolves.toBe(bob);
    await page.getByTestId('filter-apply').click();
    // A thread Bob has no part in goes; one he started stays.
    await page.getByText(commentText(SEED.comments.inlineReopened)).waitFor({ state: 'hidden' });
    await expect(page.getByText(commentText(SEED.comments.footerRoot2)).isVisible()).resolves.toBe(true);
  });

  test('inspects the demo database and shows why its rows are out of reach', async () => {
    await open(`page:${SEED.pages.dbHost}`);
    await tab('Databases').click();
    await page.getByTestId(`inspect-${SEED.database}`).click();
    const rows = page.getByTestId('row-diagnostics');
    await rows.waitFor();
    const text = await rows.innerText();
    expect(text).toContain('401');
    expect(text).toContain('FAILURE_CLIENT_SCOPE_CHECK');
    await shot('database');
  });

  test('with auto-export on, editing the page logs the edit and refreshes the attached Markdown copy', async () => {
    const site = sandbox.confluence.site;
    const before = site.content(SEED.pages.rich)?.version.number ?? 0;
    const copyVersions = () => site.attachmentsOf(SEED.pages.rich).filter((a) => a.title.endsWith('.md')).reduce((n, a) => n + a.history.length, 0);
    await open(`page:${SEED.pages.rich}`);
    await tab('Activity').click();
    const toggle = page.getByTestId('auto-toggle');
    await toggle.locator('input').waitFor();
    if (!(await toggle.locator('input').isChecked())) await toggle.click();
    await toggle.locator('input:checked:not([disabled])').waitFor();
    const activity = page.getByTestId('activity');
    await activity.or(page.getByTestId('activity-empty')).waitFor();
    const entries = activity.locator('[data-ui="Lozenge"]');
    const count = await entries.count();
    const copiesBefore = copyVersions();

    await Promise.all([page.waitForEvent('load'), page.locator('#edit-page').click()]);
    await page.getByTestId('header').waitFor();
    expect(site.content(SEED.pages.rich)?.version.number).toBe(before + 1);
    await expect(page.locator('#flags').innerText()).resolves.toContain(`version ${before + 1}`);
    await tab('Activity').click();
    await activity.waitFor();
    expect(await entries.count()).toBeGreaterThan(count);
    const text = await activity.innerText();
    expect(text).toContain(`Alice Author · `);
    expect(text).toContain(`v${before + 1}`);
    // The consumer attached a fresh Markdown copy of the new version, and the panel says so.
    expect(copyVersions()).toBeGreaterThan(copiesBefore);
    await expect(page.getByTestId('autoexport').innerText()).resolves.toContain(`from v${before + 1}`);
    await shot('activity');
  });

  test('the global "Database inspector" page inspects the demo database by URL, with no page calls', async () => {
    await page.goto(`${preview.url}?${new URLSearchParams({ content: 'global:database-inspector', user: SEED.users.alice })}`);
    await page.getByTestId('database-inspector').waitFor();
    await expect(page.locator('#pick-page').inputValue()).resolves.toBe('global:database-inspector');
    expect(await page.getByTestId('header').count()).toBe(0);
    expect(await page.getByRole('tab').count()).toBe(0);
    await page.getByTestId('database-ref').fill(`${sandbox.platform.confluenceUrl}/wiki/spaces/${SEED.space.key}/database/${SEED.database}`);
    await page.getByTestId('inspect').click();
    await expect(page.getByTestId('row-diagnostics').innerText()).resolves.toContain('FAILURE_CLIENT_SCOPE_CHECK');
    const keys = await page.evaluate(() => (window.__previewHost?.calls ?? []).filter((c) => c.command === 'invoke').map((c) => c.key));
    // Besides the inspection, only what the page reads for itself: the spaces and "Your exports".
    expect(keys.filter((k) => k === undefined || !['export/spaces', 'export/jobs'].includes(k))).toEqual(['databases/inspect']);
    await shot('global');
  });

  test('switching to Bob on the restricted page answers as Confluence would', async () => {
    await open(`page:${SEED.pages.restricted}`, SEED.users.bob);
    await expect(page.locator('#pick-user').inputValue()).resolves.toBe(SEED.users.bob);
    await page.getByTestId('header-error').waitFor();
    await expect(page.locator('.restricted-note').innerText()).resolves.toContain('Bob Builder cannot see this page');
    await shot('restricted');
  });

  test('"Your exports": a tree export started, then the panel reloaded, is found again with its download', async () => {
    const guide = titleOf(SEED.pages.guide);
    await open(`page:${SEED.pages.guide}`);
    await page.getByTestId('opt-tree').click();
    await page.getByTestId('tree-start').click();
    await page.getByTestId('tree-job').waitFor();
    // A fresh panel: nothing of the one before is kept but what the resolvers answer.
    await page.reload();
    await page.getByTestId('header').waitFor();
    const done = page.getByTestId('tree-done');
    await done.waitFor();
    expect(await invoked()).toContain('export/jobs');
    // The job is shown again as the page's tree export: the tree box ticked, its progress and its zip.
    await expect(page.getByTestId('opt-tree').locator('input').isChecked()).resolves.toBe(true);
    await expect(page.getByTestId('tree-label').innerText()).resolves.toBe('Done: 4 of 4 pages');
    await expect(done.locator('.ak-sm-title').innerText()).resolves.toBe('Your zip is ready');
    const card = page.getByTestId('tree-download');
    const fileName = await card.getAttribute('data-file-name');
    expect(fileName).toMatch(/\.zip$/);

    // The global page (any of your exports) lists it under "Your exports", with the same zip.
    await openGlobal();
    const job = page.getByTestId('export-job').filter({ hasText: `"${guide}": page tree, Markdown, started ` });
    await job.waitFor();
    await expect(page.getByTestId('your-exports').getByText('Your exports', { exact: true }).count()).resolves.toBe(1);
    await expect(job.getByTestId('export-job-status').innerText()).resolves.toBe('Done: 4 of 4 pages');
    await expect(job.getByTestId('job-download').getAttribute('data-file-name')).resolves.toBe(fileName);

    // Back on the page, reloaded once more: the zip downloads, with the tree's pages in it.
    await open(`page:${SEED.pages.guide}`);
    await card.waitFor();
    const zip = await downloadZip(card);
    expect(zip.name).toBe(fileName);
    const pages = Object.keys(zip.files).filter((n) => n.endsWith('.md'));
    expect(pages).toHaveLength(4); // User Guide, Chapter One, Section 1.1, Rich Page Draft
    expect(Object.values(zip.files).some((text) => text.includes(`# ${guide}`))).toBe(true);
  });

  test('Carol, who has not allowed access, gets Forge\'s "Allow access" prompt and a CONSENT message; allowing it opens the panel', async () => {
    await open(`page:${SEED.pages.rich}`, SEED.users.carol);
    const prompt = page.locator('#flags [data-flag-id="consent"]');
    await prompt.waitFor();
    await expect(prompt.locator('strong').innerText()).resolves.toBe('Allow access');
    const error = page.getByTestId('header-error');
    await expect(error.locator('.ak-sm-title').innerText()).resolves.toBe('Allow access to continue');
    const text = await error.innerText();
    expect(text).toContain('Code: CONSENT');
    expect(text).toContain('Nothing is wrong with your connection.');
    expect(text).not.toContain('NETWORK');
    expect(text).not.toContain('could not be reached');
    await shot('consent');

    // "Allow access" grants the app's scopes and reloads the module, which then reads the page as Carol.
    await Promise.all([page.waitForEvent('load'), prompt.getByRole('button', { name: 'Allow access' }).click()]);
    const header = page.getByTestId('header');
    await header.waitFor();
    await expect(header.innerText()).resolves.toContain(titleOf(SEED.pages.rich));
    expect(await page.locator('[data-flag-id="consent"]').count()).toBe(0);
    expect(await page.getByTestId('header-error').count()).toBe(0);
  });

  test('the global page exports a space picked from the list of spaces, and downloads its zip', async () => {
    await openGlobal();
    const select = page.getByTestId('space-select');
    await expect(page.getByTestId('space-count').innerText()).resolves.toBe('2 spaces you can see.');
    await expect(select.locator('option').allInnerTexts()).resolves.toEqual(['Type to filter your spaces', 'Demo space (DEMO)', 'Operations (OPS)']);
    const start = page.getByTestId('tree-start');
    await expect(start.isDisabled()).resolves.toBe(true); // no space chosen yet
    await select.selectOption({ label: 'Operations (OPS)' });
    await expect(page.getByTestId('space-key').inputValue()).resolves.toBe('OPS');
    await expect(start.innerText()).resolves.toBe('Export whole space');
    await start.click();
    const done = page.getByTestId('tree-done');
    await done.waitFor();
    await expect(page.locator('#flags').innerText()).resolves.toContain('Space exported');
    await expect(page.getByTestId('tree-label').innerText()).resolves.toBe('Done: 1 of 1 page');
    await shot('space');
    const zip = await downloadZip(page.getByTestId('tree-download'));
    expect(zip.name).toBe('Operations (space, md).zip');
    const pages = Object.keys(zip.files).filter((n) => n.endsWith('.md'));
    expect(pages).toHaveLength(1);
    expect(zip.files[pages[0] ?? '']).toContain(`# ${titleOf(SEED.pages.opsHome)}`);
  });

  describe('on the large site', () => {
    let large: Sandbox;
    let largePreview: Preview;

    beforeAll(async () => {
      large = await startSandbox({ site: largeSite() });
      largePreview = await startPreview({ sandbox: large, forgeUi: uiDir('panel') });
    }, 60_000);

    afterAll(async () => {
      await largePreview?.close();
      await large?.close();
    });

    test('a tree export of the generated space shows its progress, and Cancel stops it', async () => {
      const home = large.confluence.site.spaces.get(GEN_SPACE.id)?.homepageId ?? '';
      const total = [...large.confluence.site.contents.values()].filter((c) => c.spaceId === GEN_SPACE.id && c.type === 'page').length;
      await open(`page:${home}`, SEED.users.alice, largePreview);
      await page.getByTestId('opt-tree').click();
      await page.getByTestId('tree-start').click();
      const label = page.getByTestId('tree-label');
      // Some pages done, far from all: the export is under way.
      // "Converting pages: 120 of 5000 pages", or while it waits for pacing "Waiting its turn: …: 500 of 5000 pages".
      const progress = new RegExp(`^.+: ([1-9]\\d*) of ${total} pages$`);
      const under = await until(async () => progress.exec(await label.innerText().catch(() => ''))?.[1], 30_000);
      const before = Number(under);
      expect(before).toBeLessThan(total);
      // Slow Confluence down from here: the job goes on (each batch now takes seconds), so progress
      // keeps redrawing the panel, and 5,000 pages cannot finish before the click lands. Unslowed,
      // a fast export sometimes finished first and Cancel was gone (CI: "element was detached from
      // the DOM"); held instead (no more runs), a run at its slice's end drew nothing more to redraw.
      large.confluence.setLatency(250);
      await shot('large-progress');
      // Redraws keep the elements that are still there: the button under the pointer stays the same
      // element while progress ticks (swapped out, a press and its release met different buttons).
      const cancel = await page.getByTestId('tree-cancel').elementHandle();
      const drawn = Number(await page.locator('#app-root').getAttribute('data-rendered'));
      await page.waitForFunction((n) => Number(document.getElementById('app-root')?.dataset.rendered) > n, drawn, { timeout: 10_000 });
      expect(await cancel?.evaluate((el) => el.isConnected)).toBe(true);
      await page.getByTestId('tree-cancel').click();
      const cancelled = page.getByTestId('tree-cancelled');
      await cancelled.waitFor({ timeout: 20_000 });
      await expect(cancelled.locator('.ak-sm-title').innerText()).resolves.toBe('Export cancelled');
      const after = /^Cancelled: (\d+) of (\d+) pages$/.exec(await label.innerText());
      expect(Number(after?.[2])).toBe(total);
      expect(Number(after?.[1])).toBeLessThan(total);
      expect(await page.getByTestId('tree-cancel').count()).toBe(0);
      expect(await page.getByTestId('tree-download').count()).toBe(0);
      // The running invocation sees the cancel and cleans up.
      large.confluence.setLatency(0);
      await large.platform.drain();
    }, 60_000);
  });

  test('a redraw keeps an element whose siblings shifted: a message drawn above a button leaves the button in place', async () => {
    await open(`page:${SEED.pages.home}`);
    await page.waitForLoadState('networkidle'); // the app has settled and will not redraw over ours
    const text = (key: string, t: string) => ({ type: 'Text', key, props: {}, children: [{ type: 'String', key: `${key}s`, props: { text: t }, children: [] }] });
    const button = { type: 'Button', key: 'b', props: { testId: 'shift-button' }, children: [{ type: 'String', key: 'bs', props: { text: 'Cancel' }, children: [] }] };
    const draw = (children: unknown[]) => page.evaluate((forgeDoc) => window.__bridge?.callBridge('reconcile', { forgeDoc }), { type: 'Root', key: 'r', props: {}, children });
    await draw([button]);
    const held = await page.getByTestId('shift-button').elementHandle();
    // A message appears above it (as "Waiting its turn" or a warning does while an export runs).
    await draw([text('m', 'Waiting for the budget'), button]);
    await page.getByText('Waiting for the budget').waitFor();
    expect(await held?.evaluate((el) => el.isConnected)).toBe(true);
    await draw([text('m', 'Waiting for the budget'), text('n', 'and more'), button]);
    await draw([button]);
    expect(await held?.evaluate((el) => el.isConnected)).toBe(true);
    expect(await page.getByText('Waiting for the budget').count()).toBe(0);
  });

  test('draws an unknown UI Kit component as a visible, named placeholder and warns', async () => {
    await open(`page:${SEED.pages.home}`);
    await page.waitForLoadState('networkidle'); // the app has settled and will not redraw over ours
    // What @forge/react would send for a component the host does not know (a chart, here).
    await page.evaluate(() => window.__bridge?.callBridge('reconcile', {
      forgeDoc: { type: 'Root', key: 'r', props: {}, children: [
        { type: 'BarChart', key: 'c', props: { data: [] }, children: [] },
        { type: 'Text', key: 't', props: {}, children: [{ type: 'String', key: 's', props: { text: 'still drawn' }, children: [] }] },
      ] },
    }));
    const box = page.locator('[data-unknown-type="BarChart"]');
    await box.waitFor();
    expect(await box.innerText()).toContain('BarChart');
    await expect(page.getByText('still drawn').isVisible()).resolves.toBe(true);
    expect(warnings.some((w) => w.includes('"BarChart"'))).toBe(true);
    warnings.length = 0;
  });
});
