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
import { runTreeJob } from '../../src/jobs/tree-run';
import { keys } from '../../src/jobs/tree-store';
import { createClient } from '../../src/confluence/client';
import { forgeKv, type KeyValue } from '../../src/storage/kv';
import { downloadZip } from '../../sandbox/forge/download';
import { ok } from '../envelope';

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
    expect(first.manifest.format).toBe(3);
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

  it('decides nothing on a search total (an estimate, a few off): an unchanged tree is never listed again', async () => {
    for (const id of [SEED.pages.home, SEED.pages.guide, SEED.pages.chapter]) {
      const root = { id, type: 'page' as const };
      await exportTree(alice, {}, root);
      sb.confluence.resetRequests();
      const again = await exportTree(alice, {}, root);
      expect([id, again.started.mode, again.manifest.incremental?.listed]).toEqual([id, 'incremental', false]);
      expect(listings(sb)).toEqual([]);
      expect(sb.confluence.requests.filter((r) => r.path.includes('limit=1&') || r.path.endsWith('limit=1'))).toEqual([]);
    }
  });

  it('fetches edited, new and renamed pages and the pages showing or linking to them', async () => {
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
    // with a Page Properties Report (anything changed); the pages linking to an edited or renamed
    // page (a link into it is written from its headings and title: Installation, Rich Page). Nothing else.
    expect([...fetched].sort()).toEqual([SEED.pages.section, SEED.pages.faq, added.id, SEED.pages.home, SEED.pages.guide, SEED.pages.install, SEED.pages.rich].sort());
    const c = again.manifest.changes!;
    expect({ changed: c.changed, new: c.new, moved: c.moved, deleted: c.deleted }).toEqual({ changed: 2, new: 1, moved: 0, deleted: 0 });
    expect(c.unchanged).toBe(first.status.done - 2);
    expect(again.entry(SEED.pages.section)?.change).toBe('changed');
    expect(again.entry(added.id)?.change).toBe('new');
    expect(again.entry(SEED.pages.install)?.change).toBe('unchanged');
    expect(again.text('Demo Home/User Guide/Chapter One/Section 1.1/index.md')).toContain('Section text, edited.');
    expect(again.text('Demo Home/New Notes/index.md')).toContain('Fresh.');
    // The renamed page moved; the page linking to it links to its new file (and its headings).
    expect(again.files['Demo Home/FAQ/index.md']).toBeUndefined();
    expect(again.text('Demo Home/Questions/index.md')).toContain('title: Questions');
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
    // A note, not a loss, with a time a person reads (issue 23 part 10).
    const note = again.status.report.find((r) => r.what === 'incremental');
    expect(note?.kind).toBe('note');
    expect(note?.detail).toMatch(/^Built on your export of \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC:/);
  });

  it('lists the tree again after a restriction: deleted and no-longer-readable pages are dropped, not carried', async () => {
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

  it('sees a move inside the tree from its event: lists again, moves the page, rewrites its links', async () => {
    const site = sb.confluence.site;
    await exportTree(alice, {});
    // A move changes no version, no date: only Confluence's moved:page event says it happened.
    site.movePage(SEED.pages.section, SEED.pages.install, alice);
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

  it("never carries a page restricted away from its requester, though the tree's page count is unchanged (issue 21.4)", async () => {
    const site = sb.confluence.site;
    // FAQ is hidden from Alice at her first export.
    site.restrict(SEED.pages.faq, [bob], bob);
    const first = await exportTree(alice, { preset: 'mkdocs' });
    expect(first.text('mkdocs.yml')).toContain('Installation');
    expect(Object.values(first.files).some((f) => strFromU8(f).includes('npm install'))).toBe(true);
    expect(first.text('mkdocs.yml')).not.toContain('FAQ');
    // Installation is restricted away from her while FAQ is opened to her: as many pages as before.
    site.restrict(SEED.pages.install, [bob], bob);
    site.restrict(SEED.pages.faq, null, bob);
    sb.confluence.resetRequests();
    const again = await exportTree(alice, { preset: 'mkdocs' });
    expect(again.started.mode).toBe('incremental');
    expect(again.manifest.tree.length).toBe(first.manifest.tree.length);
    expect(again.manifest.incremental?.listed).toBe(true);
    // Neither its text nor its place in mkdocs.yml.
    expect(Object.values(again.files).some((f) => strFromU8(f).includes('npm install'))).toBe(false);
    expect(again.text('mkdocs.yml')).not.toContain('Installation');
    expect(again.manifest.tree.some((e) => e.id === SEED.pages.install)).toBe(false);
    // The page opened to her is in, fetched as her.
    expect(again.text('mkdocs.yml')).toContain('FAQ');
    expect(bodyFetches(sb).flatMap((r) => idsIn(r.path))).toContain(SEED.pages.faq);
    // Those touches were recorded before that listing (here: as if it ran a minute later): the next
    // export does not list again for them.
    for (const k of sb.platform.kvs.keys().filter((x) => x.startsWith('touch:'))) {
      const t = sb.platform.kvs.peek(k) as { seenAt: string };
      sb.platform.kvs.handle('/api/v1/set', { key: k, value: { ...t, seenAt: new Date(Date.parse(t.seenAt) - 60_000).toISOString() } });
    }
    sb.confluence.resetRequests();
    const quiet = await exportTree(alice, { preset: 'mkdocs' });
    expect(quiet.manifest.incremental?.listed).toBe(false);
    expect(listings(sb)).toEqual([]);
    expect(quiet.text('mkdocs.yml')).not.toContain('Installation');
  });

  it('falls back to a full export, and says why, when the base is corrupt or of an older format', async () => {
    const first = await exportTree(alice, {});
    await sb.platform.run({ moduleKey: 'test' }, () => forgeKv.set(keys.zip(first.started.jobId, 0), Buffer.from('not a zip at all').toString('base64')));
    sb.confluence.resetRequests();
    const corrupt = await exportTree(alice, {});
    expect(corrupt.started.mode).toBe('full');
    expect(corrupt.started.reason).toMatch(/not a readable zip/);
    expect(listings(sb).length).toBeGreaterThan(0);
    expect(corrupt.status.done).toBe(first.status.done);
    expect(corrupt.status.report.some((r) => r.what === 'incremental' && /Exported in full.*not a readable zip/.test(r.detail))).toBe(true);
    expect((corrupt.manifest as unknown as { full?: string }).full).toMatch(/not a readable zip/);
    // That full export is the new base; mark it as written by an older format (2: before issue 21's
    // escaping and namespaced properties, which a carried page would not have).
    const baseKey = sb.platform.kvs.keys().find((k) => k.startsWith(`tree-base:${alice}:`))!;
    const record = sb.platform.kvs.peek(baseKey) as Record<string, unknown>;
    await sb.platform.run({ moduleKey: 'test' }, () => forgeKv.set(baseKey, { ...record, format: 2 }));
    const older = await exportTree(alice, {});
    expect(older.started.mode).toBe('full');
    expect(older.started.reason).toMatch(/older format/);
    // Asked for in full: no reason to give.
    const full = await exportTree(alice, { mode: 'full' });
    expect(full.started).toMatchObject({ mode: 'full' });
    expect(full.started.reason).toBeUndefined();
    // An attached export is never incremental, and says so.
    const attached = ok(await sb.invoke<Envelope<TreeStartResult>>('export/tree/start', { accountId: alice, content: home, payload: { format: 'md', attach: true, mode: 'incremental' } }));
    expect(attached.mode).toBe('full');
    expect(attached.reason).toMatch(/attached/);
    await sb.platform.drain();
    // A bad mode is refused.
    const bad = await sb.invoke<Envelope<TreeStartResult>>('export/tree/start', { accountId: alice, content: home, payload: { format: 'md', mode: 'partial' } });
    expect(bad.ok).toBe(false);
  });

  it('versions decide, not clocks: an edit stamped before the app\'s export time is found, an unchanged hit is not fetched', async () => {
    const site = sb.confluence.site;
    // Just before the first export: inside the next search's window (minute precision), unchanged after.
    site.updatePage(SEED.pages.install, { adf: a.doc(a.p('Edited before the first export.')) }, alice);
    const first = await exportTree(alice, {});
    site.updatePage(SEED.pages.faq, { adf: a.doc(a.p('Edited after the first export.')) }, alice);
    // The site's clock is far behind the app's (2024 against now): the edit is stamped long before
    // the export started by the app's clock, and is still found.
    expect(Date.parse(site.content(SEED.pages.faq)!.version.createdAt)).toBeLessThan(Date.parse(first.manifest.exportedAt));
    sb.confluence.resetRequests();
    const again = await exportTree(alice, {});
    const meta = sb.confluence.requests.filter((r) => r.path.startsWith('/wiki/api/v2/pages?') && !r.path.includes('body-format')).flatMap((r) => idsIn(r.path));
    expect(meta).toContain(SEED.pages.install);
    expect(again.manifest.changes).toMatchObject({ changed: 1, new: 0, deleted: 0 });
    expect(again.entry(SEED.pages.install)?.change).toBe('unchanged');
    expect(again.entry(SEED.pages.faq)?.change).toBe('changed');
    expect(again.text('Demo Home/FAQ/index.md')).toContain('Edited after the first export.');
    expect(bodyFetches(sb).flatMap((r) => idsIn(r.path))).not.toContain(SEED.pages.install);
  });

  it('answers exactly how many pages changed: 0 right after an export, 1 after one edit (export/tree/changes)', async () => {
    const ask = async () => ok(await sb.invoke<Envelope<TreeChanges>>('export/tree/changes', { accountId: alice, content: home, payload: { format: 'md', comments: false, scope: 'tree' } }));
    const none = await ask();
    expect(none.base).toBeUndefined();
    expect(none.reason).toMatch(/no earlier export/);
    const first = await exportTree(alice, {});
    // Pages last modified within CQL's minute margin before the base are hits, but not changes.
    const right = await ask();
    expect(right.base).toEqual({ exportedAt: first.manifest.exportedAt, pages: first.status.done });
    expect(right.changed).toBe(0);
    expect(right.touched).toBeUndefined();
    sb.confluence.site.updatePage(SEED.pages.faq, { adf: a.doc(a.p('x')) }, alice);
    expect((await ask()).changed).toBe(1);
    sb.confluence.site.updatePage(SEED.pages.section, { adf: a.doc(a.p('y')) }, alice);
    sb.confluence.site.addPage({ parentId: SEED.pages.home, title: 'Newer', spaceId: SEED.space.id, authorId: alice });
    sb.confluence.resetRequests();
    const answer = await ask();
    expect(answer.changed).toBe(3);
    // No search total is asked for (estimates on real sites): the zone, the change search, the hits' versions.
    expect(sb.confluence.requests.map((r) => r.path.split('?')[0])).toEqual(['/wiki/rest/api/settings/systemInfo', '/wiki/rest/api/search', '/wiki/api/v2/pages']);
    // A restriction changed since: said, because the export will list the tree again.
    sb.confluence.site.restrict(SEED.pages.rich, [alice], alice);
    expect((await ask()).touched).toBe(true);
    // Other options: another base (none yet).
    const other = ok(await sb.invoke<Envelope<TreeChanges>>('export/tree/changes', { accountId: alice, content: home, payload: { format: 'html', scope: 'tree' } }));
    expect(other.base).toBeUndefined();
    // Bob has no export of his own to build on.
    const bobs = ok(await sb.invoke<Envelope<TreeChanges>>('export/tree/changes', { accountId: bob, content: home, payload: { format: 'md', comments: false, scope: 'tree' } }));
    expect(bobs.base).toBeUndefined();
  });

  it('keeps one base per root: the next export replaces it, and only its requester can build on it', async () => {
    const first = await exportTree(alice, {});
    const second = await exportTree(alice, {});
    expect(sb.platform.kvs.keys().some((k) => k.includes(first.started.jobId))).toBe(false);
    expect(sb.platform.kvs.keys().filter((k) => k.startsWith('tree-base:'))).toHaveLength(1);
    expect(second.started.base).toBe(first.manifest.exportedAt);
    // Bob exports the same tree: in full (Alice's export is hers).
    const bobs = await exportTree(bob, {});
    expect(bobs.started.mode).toBe('full');
  });
});

describe('CQL dates in the site\'s time zone (issue 22.1)', () => {
  // UTC−12 to UTC+14: Etc/GMT+12 is UTC−12 (POSIX signs), Pacific/Kiritimati UTC+14.
  const ZONES = ['Etc/GMT+12', 'America/Los_Angeles', 'America/Sao_Paulo', 'UTC', 'Asia/Kolkata', 'Asia/Tokyo', 'Pacific/Kiritimati'];

  async function editFoundIn(timeZone: string, systemInfo: 'ok' | 'fails') {
    await sb.close();
    sb = await startSandbox({ timeZone });
    const first = await exportTree(alice, {});
    // Minutes after the export (the site's clock moves one minute a write).
    sb.confluence.site.updatePage(SEED.pages.faq, { adf: a.doc(a.p(`Edited in ${timeZone}.`)) }, alice);
    if (systemInfo === 'fails') sb.confluence.injectFault({ match: /systemInfo/, kind: 500, times: 100 });
    const again = await exportTree(alice, {});
    expect(again.started.mode).toBe('incremental');
    expect(again.entry(SEED.pages.faq)?.change).toBe('changed');
    expect(again.text('Demo Home/FAQ/index.md')).toContain(`Edited in ${timeZone}.`);
    const cql = sb.confluence.requests.filter((r) => r.path.startsWith('/wiki/rest/api/search')).map((r) => new URL(`http://x${r.path}`).searchParams.get('cql') ?? '');
    return { literal: /lastmodified >= "([^"]+)"/.exec(cql.at(-1) ?? '')?.[1], from: Date.parse(first.manifest.siteTime) - 120_000 };
  }

  /** `yyyy-MM-dd HH:mm` on a zone's wall clock, by the platform's own tables (sv-SE prints ISO-like). */
  const wall = (ms: number, timeZone: string): string => new Date(ms).toLocaleString('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });

  it.each(ZONES)('finds an edit made just after the export in %s', async (zone) => {
    const { literal, from } = await editFoundIn(zone, 'ok');
    // Written on the site's wall clock: no wider than CQL's minute margin.
    expect(literal).toBe(wall(from, zone));
  });

  it.each(['Etc/GMT+12', 'Pacific/Kiritimati'])('finds it in %s when systemInfo cannot be read (14 hours earlier)', async (zone) => {
    const { literal, from } = await editFoundIn(zone, 'fails');
    expect(literal).toBe(wall(from - 14 * 3600_000, 'UTC'));
  });
});

describe('incremental space export', () => {
  it('fetches the changed page and the new blog post only', async () => {
    const site = sb.confluence.site;
    const run = async (payload: Record<string, unknown> = {}) => {
      const started = ok(await sb.invoke<Envelope<TreeStartResult>>('export/space/start', { accountId: alice, content: home, payload: { format: 'md', comments: false, ...payload } }));
      await sb.platform.drain();
      return finished(alice, started);
    };
    const first = await run();
    expect(first.started.mode).toBe('full');
    site.updatePage(SEED.pages.install, { adf: a.doc(a.p('Space edit.')) }, alice);
    const post = site.addContent({ type: 'blogpost', parentId: null, title: 'Weekly Notes', spaceId: SEED.space.id, authorId: alice, adf: a.doc(a.p('New post.')) });
    sb.confluence.resetRequests();
    const again = await run();
    expect(again.started.mode).toBe('incremental');
    expect(again.manifest.changes).toMatchObject({ changed: 1, new: 1, moved: 0, deleted: 0 });
    const bodies = sb.confluence.requests.filter((r) => (r.path.startsWith('/wiki/api/v2/pages?') || r.path.startsWith('/wiki/api/v2/blogposts?')) && r.path.includes('body-format')).flatMap((r) => idsIn(r.path));
    expect(bodies).toContain(SEED.pages.install);
    expect(bodies).toContain(post.id);
    expect(bodies.length).toBeLessThanOrEqual(4);
    expect(sb.confluence.requests.some((r) => /\/spaces\/[^/]+\/(pages|blogposts)/.test(r.path))).toBe(false);
    const postFile = again.manifest.tree.find((e) => e.id === post.id)?.file;
    expect(postFile).toMatch(/_blog\/Weekly Notes\/index\.md$/);
    expect(again.text(postFile!)).toContain('New post.');
    const names = Object.keys(first.files).filter((n) => n !== 'manifest.json');
    for (const n of names) expect(again.files[n]).toBeDefined();
  });
});

describe('incremental export killed at any point', () => {
  /** A store that dies after `after` operations: the killed run writes nothing more. */
  function dying(after: number): { kv: KeyValue; ops: () => number } {
    let ops = 0;
    const step = () => {
      if (++ops > after) throw new Error('killed');
    };
    return {
      ops: () => ops,
      kv: {
        get: async (k) => (step(), forgeKv.get(k)),
        set: async (k, v) => (step(), forgeKv.set(k, v)),
        delete: async (k) => (step(), forgeKv.delete(k)),
        list: async (p) => (step(), forgeKv.list(p)),
      },
    };
  }

  it('resumes without fetching again what it stored, and never mixes two versions of a page', async () => {
    let total = Infinity;
    const points: number[] = [];
    for (let round = 0; round < 7; round++) {
      if (round > 0) {
        await sb.close();
        sb = await startSandbox();
      }
      const site = sb.confluence.site;
      const first = await exportTree(alice, {});
      site.updatePage(SEED.pages.section, { adf: a.doc(a.p('Edited once.')) }, alice);
      site.updatePage(SEED.pages.faq, { title: 'Questions' }, alice);
      const added = site.addPage({ parentId: SEED.pages.home, title: 'New Notes', spaceId: SEED.space.id, authorId: alice, adf: a.doc(a.p('Fresh.')) });
      tuning.batchSize = 1;
      sb.platform.manualDelivery = true;
      const started = ok(await sb.invoke<Envelope<TreeStartResult>>('export/tree/start', { accountId: alice, content: home, payload: { format: 'md', comments: false } }));
      expect(started.mode).toBe('incremental');
      sb.confluence.resetRequests();
      // Round 0 runs to the end to count the store operations; the others die part way through.
      const kill = round === 0 ? Infinity : Math.max(1, Math.round((total * round) / 7));
      const store = dying(kill);
      const outcome = await sb.platform.run({ moduleKey: 'tree-export', budgetMs: 900_000 }, () =>
        runTreeJob(started.jobId, {
          client: createClient('user', { retry: tuning.retry, accountId: alice }),
          app: createClient('app', { retry: tuning.retry }),
          kv: store.kv,
          remainingMs: () => 900_000,
          continueLater: async () => undefined,
          now: () => new Date(),
        }).catch((e: unknown) => (e instanceof Error ? e.message : String(e))),
      );
      if (round === 0) {
        expect(outcome).toBe('done');
        total = store.ops();
        await sb.platform.drain();
        continue;
      }
      points.push(kill);
      expect(outcome).toBe('killed');
      const fetchedBefore = bodyFetches(sb).flatMap((r) => idsIn(r.path));
      // Edited again after the kill: whichever version the export holds, file and manifest agree.
      site.updatePage(SEED.pages.section, { adf: a.doc(a.p('Edited twice.')) }, alice);
      // The killed run's lease has run out by the time the queue delivers the event again.
      await sb.platform.run({ moduleKey: 'test' }, () => forgeKv.delete(keys.lease(started.jobId)));
      sb.confluence.resetRequests();
      await sb.platform.drain();
      const fetchedAfter = bodyFetches(sb).flatMap((r) => idsIn(r.path));
      const done = await finished(alice, started);
      // Fetched again: at most the one page whose batch was under way when the run died.
      expect(fetchedAfter.filter((id) => fetchedBefore.includes(id)).length).toBeLessThanOrEqual(1);
      expect(new Set(fetchedAfter).size).toBe(fetchedAfter.length);
      const names = Object.keys(first.files).filter((n) => n !== 'manifest.json' && n !== 'Demo Home/FAQ/index.md');
      expect(Object.keys(done.files).filter((n) => n !== 'manifest.json').sort()).toEqual([...names, 'Demo Home/Questions/index.md', 'Demo Home/New Notes/index.md'].sort());
      for (const e of done.manifest.tree.filter((t) => t.file)) {
        expect(done.text(e.file!)).toContain(`version: ${e.version}`);
        expect(done.manifest.tree.filter((t) => t.id === e.id)).toHaveLength(1);
      }
      expect(done.manifest.changes).toMatchObject({ changed: 2, new: 1, moved: 0, deleted: 0 });
      expect(done.entry(added.id)?.change).toBe('new');
      Object.assign(tuning, defaults);
    }
    expect(points.length).toBe(6);
    expect(points[points.length - 1]).toBeLessThan(total);
  });
});
