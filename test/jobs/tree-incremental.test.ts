/**
 * Incremental tree and space exports end to end (issue 17): the real resolvers and the real queue
 * consumer against the sandbox. A first export becomes the base; the next export of the same root
 * fetches only what changed, carries the rest over from the base zip, and says what changed.
 */
import { strFromU8, unzipSync } from 'fflate';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { SEED } from '../../sandbox/confluence/seed';
import * as a from '../../sandbox/confluence/adf';
import type { Envelope } from '../../src/shared/envelope';
import type { TreeChanges, TreeDownloadResult, TreeStartResult, TreeStatus } from '../../src/shared/export';
import { tuning } from '../../src/jobs/tree-run';
import { keys } from '../../src/jobs/tree-store';
import { downloadZip } from '../../sandbox/forge/download';

const alice = SEED.users.alice;
const bob = SEED.users.bob;
const home: { id: string; type: 'page' } = { id: SEED.pages.home, type: 'page' };
const defaults = { ...tuning };

let sb: Sandbox;
beforeEach(async () => {
  sb = await startSandbox();
});
afterEach(async () => {
  Object.assign(tuning, defaults);
  await sb.close();
});

function ok<T>(env: Envelope<T>): T {
  if (!env.ok) throw new Error(`expected ok, got ${JSON.stringify(env.error)}`);
  return env.data;
}

interface Entry { id: string; title: string; type: string; dir: string; file?: string; version?: number; change?: string; parentId?: string }
interface Manifest {
  format: number;
  siteTime: string;
  exportedAt: string;
  tree: Entry[];
  incremental?: { base: string; listed?: boolean; fallback?: string; deleted?: Array<{ id: string; path: string }> };
  changes?: { unchanged: number; changed: number; new: number; moved: number; deleted: number };
  report: Array<{ kind: string; what: string; detail: string; pageId?: string }>;
}

async function exportTree(accountId: string, payload: Record<string, unknown>, content = home) {
  const started = ok(await sb.invoke<Envelope<TreeStartResult>>('export/tree/start', { accountId, content, payload: { format: 'md', comments: false, ...payload } }));
  await sb.platform.drain();
  return finished(accountId, started, content);
}

async function finished(accountId: string, started: TreeStartResult, content = home) {
  const status = ok(await sb.invoke<Envelope<TreeStatus>>('export/tree/status', { accountId, content, payload: { jobId: started.jobId } }));
  if (status.phase !== 'done') throw new Error(`export ended ${status.phase}: ${JSON.stringify(status.error)}`);
  const zip = (await downloadZip((part) => sb.invoke<Envelope<TreeDownloadResult>>('export/tree/download', { accountId, content, payload: { jobId: started.jobId, part } }))).zip;
  const files = unzipSync(zip);
  const text = (name: string): string => {
    const f = files[name];
    if (!f) throw new Error(`no ${name} in zip; have ${Object.keys(files).join(', ')}`);
    return strFromU8(f);
  };
  const manifest = JSON.parse(text('manifest.json')) as Manifest;
  return { started, status, files, text, manifest, entry: (id: string) => manifest.tree.find((e) => e.id === id) };
}

const bodyFetches = (sb: Sandbox) => sb.confluence.requests.filter((r) => r.path.startsWith('/wiki/api/v2/pages?') && r.path.includes('body-format'));
const listings = (sb: Sandbox) => sb.confluence.requests.filter((r) => r.path.includes('/descendants'));
const idsIn = (path: string): string[] => [...new URL(`http://x${path}`).searchParams.getAll('id')];

describe('incremental tree export', () => {
  it('carries everything over when nothing changed: no listing, no body', async () => {
    const first = await exportTree(alice, {});
    expect(first.started.mode).toBe('full');
    expect(first.manifest.format).toBe(2);
    sb.confluence.resetRequests();
    const again = await exportTree(alice, {});
    expect(again.started.mode).toBe('incremental');
    expect(again.started.base).toBe(first.manifest.exportedAt);
    expect(listings(sb)).toEqual([]);
    expect(bodyFetches(sb)).toEqual([]);
    expect(again.manifest.changes).toEqual({ unchanged: first.status.done, changed: 0, new: 0, moved: 0, deleted: 0 });
    expect(again.manifest.incremental?.base).toBe(first.manifest.exportedAt);
    const names = Object.keys(first.files).filter((n) => n !== 'manifest.json').sort();
    expect(Object.keys(again.files).filter((n) => n !== 'manifest.json').sort()).toEqual(names);
    for (const n of names) expect(again.text(n)).toBe(first.text(n));
  });

  it('fetches edited, new and renamed pages and the pages showing them; rewrites links to renamed ones', async () => {
    const site = sb.confluence.site;
    const first = await exportTree(alice, {});
    expect(first.text('Demo Home/Installation/index.md')).toContain('href="../FAQ/index.md"');
    site.updatePage(SEED.pages.section, { adf: a.doc(a.p('Section text, edited.')) }, alice);
    site.updatePage(SEED.pages.faq, { title: 'Questions' }, alice);
    const added = site.addPage({ parentId: SEED.pages.home, title: 'New Notes', spaceId: SEED.space.id, authorId: alice, adf: a.doc(a.p('Fresh.')) });
    sb.confluence.resetRequests();
    const again = await exportTree(alice, {});
    expect(again.started.mode).toBe('incremental');
    expect(listings(sb)).toEqual([]);
    const fetched = new Set(bodyFetches(sb).flatMap((r) => idsIn(r.path)));
    // Edited, renamed, new; the parent of the new and the renamed page (children macro); the page
    // with a Page Properties Report (anything changed). Nothing else.
    expect([...fetched].sort()).toEqual([SEED.pages.section, SEED.pages.faq, added.id, SEED.pages.home, SEED.pages.guide].sort());
    const c = again.manifest.changes!;
    expect({ changed: c.changed, new: c.new, moved: c.moved, deleted: c.deleted }).toEqual({ changed: 2, new: 1, moved: 0, deleted: 0 });
    expect(c.unchanged).toBe(first.status.done - 2);
    expect(again.entry(SEED.pages.section)?.change).toBe('changed');
    expect(again.entry(added.id)?.change).toBe('new');
    expect(again.entry(SEED.pages.install)?.change).toBe('unchanged');
    expect(again.text('Demo Home/User Guide/Chapter One/Section 1.1/index.md')).toContain('Section text, edited.');
    expect(again.text('Demo Home/New Notes/index.md')).toContain('Fresh.');
    // The renamed page moved; the carried page linking to it (not fetched) links to its new file.
    expect(again.files['Demo Home/FAQ/index.md']).toBeUndefined();
    expect(again.text('Demo Home/Questions/index.md')).toContain('title: Questions');
    expect(fetched.has(SEED.pages.install)).toBe(false);
    const install = again.text('Demo Home/Installation/index.md');
    expect(install).toContain('href="../Questions/index.md"');
    expect(install).toContain('see_also: ../Questions/index.md');
    expect(install).not.toContain('FAQ/index.md');
    // The parent's children list shows the new page.
    expect(again.text('Demo Home/index.md')).toContain('](New%20Notes/index.md)');
    expect(again.text('Demo Home/index.md')).toContain('](Questions/index.md)');
    // Versions recorded are the versions exported.
    for (const e of again.manifest.tree.filter((t) => t.file)) {
      expect(e.version).toBe(site.content(e.id)?.version.number);
      expect(again.text(e.file!)).toContain(`version: ${e.version}`);
    }
    expect(again.status.report.some((r) => r.what === 'incremental' && /2 changed, 1 new/.test(r.detail))).toBe(true);
  });

  it('lists the tree again when the count drops: deleted and no-longer-readable pages are dropped, not carried', async () => {
    const site = sb.confluence.site;
    const first = await exportTree(alice, {});
    expect(first.files['Demo Home/Installation/index.md']).toBeDefined();
    site.deletePage(SEED.pages.section);
    // Alice loses access to Installation: it must not come back from her earlier zip.
    site.restrict(SEED.pages.install, [bob]);
    sb.confluence.resetRequests();
    const again = await exportTree(alice, {});
    expect(again.started.mode).toBe('incremental');
    expect(listings(sb).length).toBeGreaterThan(0);
    expect(again.manifest.incremental?.listed).toBe(true);
    expect(again.manifest.changes?.deleted).toBe(2);
    expect(again.manifest.incremental?.deleted?.map((d) => d.id).sort()).toEqual([SEED.pages.section, SEED.pages.install].sort());
    expect(again.files['Demo Home/Installation/index.md']).toBeUndefined();
    expect(again.files['Demo Home/User Guide/Chapter One/Section 1.1/index.md']).toBeUndefined();
    expect(again.manifest.tree.some((e) => e.id === SEED.pages.install || e.id === SEED.pages.section)).toBe(false);
    // Pages that linked to Installation were converted again: the link is absolute now.
    const rich = again.text('Demo Home/User Guide/Rich Page/index.md');
    expect(rich).not.toContain('Installation/index.md');
    expect(again.text('Demo Home/User Guide/Chapter One/index.md')).not.toContain('Section%201.1');
    expect(Object.values(again.files).some((f) => strFromU8(f).includes('npm install'))).toBe(false);
  });

  it('moves a page moved inside the tree once the listing runs, rewriting its links; alone, a move is not seen', async () => {
    const site = sb.confluence.site;
    await exportTree(alice, {});
    site.movePage(SEED.pages.section, SEED.pages.install);
    // A move alone changes no version, no date and no count: the incremental export cannot see it.
    const blind = await exportTree(alice, {});
    expect(blind.manifest.changes?.moved).toBe(0);
    expect(blind.files['Demo Home/User Guide/Chapter One/Section 1.1/index.md']).toBeDefined();
    // A deletion elsewhere changes the count: the listing runs and finds the move too.
    site.deletePage(SEED.pages.folderPage);
    sb.confluence.resetRequests();
    const again = await exportTree(alice, {});
    expect(again.manifest.incremental?.listed).toBe(true);
    expect(again.entry(SEED.pages.section)?.change).toBe('moved');
    const fetched = new Set(bodyFetches(sb).flatMap((r) => idsIn(r.path)));
    expect(fetched.has(SEED.pages.section)).toBe(false);
    expect(again.files['Demo Home/User Guide/Chapter One/Section 1.1/index.md']).toBeUndefined();
    const moved = again.text('Demo Home/Installation/Section 1.1/index.md');
    // Carried over, its link back to the guide rewritten for its new place.
    expect(moved).toContain('](../../User%20Guide/index.md)');
    // Old and new parents list their children again.
    expect(fetched.has(SEED.pages.chapter) && fetched.has(SEED.pages.install)).toBe(true);
    // And a full export, on request, agrees with it.
    const full = await exportTree(alice, { mode: 'full' });
    expect(full.started.mode).toBe('full');
    expect(full.text('Demo Home/Installation/Section 1.1/index.md')).toBe(moved);
  });
});
