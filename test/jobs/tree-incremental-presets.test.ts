/**
 * Incremental re-exports of the Obsidian, MkDocs and Docusaurus presets (issue 17): after an edit,
 * a new page, a rename and a deletion, the incremental zip is the zip a full export of the same
 * site state writes, file for file and byte for byte (manifest.json's incremental fields aside).
 */
import { strFromU8, unzipSync } from 'fflate';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { SEED } from '../../sandbox/confluence/seed';
import * as a from '../../sandbox/confluence/adf';
import { downloadZip } from '../../sandbox/forge/download';
import type { Envelope } from '../../src/shared/envelope';
import type { ExportPreset, TreeDownloadResult, TreeStartResult, TreeStatus } from '../../src/shared/export';
import { ok } from '../envelope';
import { check } from './link-check';

const alice = SEED.users.alice;
const home = { id: SEED.pages.home, type: 'page' as const };

let sb: Sandbox;
beforeEach(async () => {
  sb = await startSandbox();
});
afterEach(async () => {
  await sb.close();
});

async function exportTree(preset: ExportPreset, mode?: 'full') {
  const payload = { format: 'md', preset, attachments: true, frontMatter: true, comments: false, ...(mode ? { mode } : {}) };
  const started = ok(await sb.invoke<Envelope<TreeStartResult>>('export/tree/start', { accountId: alice, content: home, payload }));
  await sb.platform.drain();
  const status = ok(await sb.invoke<Envelope<TreeStatus>>('export/tree/status', { accountId: alice, content: home, payload: { jobId: started.jobId } }));
  expect(status.phase).toBe('done');
  const { zip } = await downloadZip((part) => sb.invoke<Envelope<TreeDownloadResult>>('export/tree/download', { accountId: alice, content: home, payload: { jobId: started.jobId, part } }));
  return { started, files: unzipSync(zip) };
}

const bodyFetches = (sb: Sandbox): string[] =>
  sb.confluence.requests.filter((r) => r.path.startsWith('/wiki/api/v2/pages?') && r.path.includes('body-format')).flatMap((r) => new URL(`http://x${r.path}`).searchParams.getAll('id'));

/** The manifest without what differs between an incremental and a full export of the same state. */
function comparable(bytes: Uint8Array | undefined): unknown {
  const m = JSON.parse(strFromU8(bytes ?? new Uint8Array())) as Record<string, unknown> & { tree: Array<Record<string, unknown>>; report: Array<{ what?: string }> };
  const { exportedAt: _e, siteTime: _s, incremental: _i, changes: _c, full: _f, ...rest } = m;
  return {
    ...rest,
    options: { ...(rest.options as object), mode: undefined },
    tree: m.tree.map(({ change: _ch, ...e }) => e),
    report: m.report.filter((r) => r.what !== 'incremental'),
  };
}

describe.each(['gfm', 'obsidian', 'mkdocs', 'docusaurus'] as const)('incremental %s export', (preset) => {
  it('writes what a full export of the same state writes, fetching only what changed and what shows it', async () => {
    const site = sb.confluence.site;
    await exportTree(preset);
    site.updatePage(SEED.pages.section, { adf: a.doc(a.p('Section text, edited.')) }, alice);
    // Renamed: Installation links to it (a wikilink, a Markdown link, a front-matter property).
    site.updatePage(SEED.pages.faq, { title: 'Questions' }, alice);
    site.addPage({ parentId: SEED.pages.home, title: 'New Notes', spaceId: SEED.space.id, authorId: alice, adf: a.doc(a.p('Fresh.')) });
    site.deletePage(SEED.pages.folderPage);
    // Moved with its child: seen because the deletion makes the export list the tree again.
    site.movePage(SEED.pages.restricted, SEED.pages.install);
    sb.confluence.resetRequests();
    const inc = await exportTree(preset);
    expect(inc.started.mode).toBe('incremental');
    const fetched = new Set(bodyFetches(sb));
    sb.confluence.resetRequests();
    const full = await exportTree(preset, 'full');
    expect(full.started.mode).toBe('full');
    const fullFetched = new Set(bodyFetches(sb));

    const names = Object.keys(full.files).sort();
    expect(Object.keys(inc.files).sort()).toEqual(names);
    for (const n of names.filter((x) => x !== 'manifest.json')) {
      expect([n, strFromU8(inc.files[n]!)]).toEqual([n, strFromU8(full.files[n]!)]);
    }
    expect(comparable(inc.files['manifest.json'])).toEqual(comparable(full.files['manifest.json']));
    // Every link of the incremental output resolves inside it (as ./preset-links.test.ts checks a full export).
    const seen = check(preset, new Map(Object.entries(inc.files).map(([n, b]) => [n, n.endsWith('.md') ? strFromU8(b) : b])));
    expect(seen.unresolved).toEqual([]);
    expect(seen.anchors).toBeGreaterThanOrEqual(10);
    const m = JSON.parse(strFromU8(inc.files['manifest.json']!)) as { changes: Record<string, number> };
    expect(m.changes).toMatchObject({ changed: 2, new: 1, moved: 2, deleted: 1 });
    // Some pages were carried, not fetched again.
    expect(m.changes.unchanged).toBeGreaterThan(0);
    expect(fetched.size).toBeLessThan(fullFetched.size);
    // Unchanged and in the same place: carried over by every preset.
    expect(fetched.has(SEED.pages.chapter)).toBe(false);
    // The moved child: GFM rewrites its relative links in place; the presets name it by its vault
    // path or served address, so it (and whatever links to it) is converted again.
    expect(fetched.has(SEED.pages.restrictedChild)).toBe(preset !== 'gfm');
    // Docusaurus: the siblings after the moved page moved up a `sidebar_position`.
    expect(fetched.has(SEED.pages.manyComments)).toBe(preset === 'docusaurus');
  });
});
