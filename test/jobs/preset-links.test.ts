/**
 * Every link of every preset's export of the seed site resolves inside the output: relative links
 * and embeds to a file of the export, and each `#fragment` to an anchor the target tool gives the
 * target file — computed here from the output's own headings with that tool's slug rules
 * (src/export/slugs), plus raw-HTML ids. Links out of the export stay absolute Confluence URLs.
 */
import { strFromU8, unzipSync } from 'fflate';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { SEED } from '../../sandbox/confluence/seed';
import { downloadZip } from '../../sandbox/forge/download';
import type { Envelope } from '../../src/shared/envelope';
import { EXPORT_PRESETS, type ExportPreset, type TreeDownloadResult, type TreeStartResult, type TreeStatus } from '../../src/shared/export';
import { check, resolvePath } from './link-check';
import { ok } from '../envelope';

const alice = SEED.users.alice;
const home = { id: SEED.pages.home, type: 'page' as const };

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(async () => {
  await sb.close();
});

const globalPage = { key: 'database-inspector', type: 'confluence:globalPage' };

/** The home page's tree, or (`space`) the whole seed space from the global page. */
async function exportTree(preset: ExportPreset | 'html', space?: string): Promise<{ status: TreeStatus; files: Map<string, string | Uint8Array> }> {
  const who = space ? { accountId: alice, module: globalPage } : { accountId: alice, content: home };
  const payload = preset === 'html' ? { format: 'html', attachments: true, frontMatter: true } : { format: 'md', preset, attachments: true, frontMatter: true };
  const started = ok(
    space
      ? await sb.invoke<Envelope<TreeStartResult>>('export/space/start', { ...who, payload: { ...payload, space } })
      : await sb.invoke<Envelope<TreeStartResult>>('export/tree/start', { ...who, payload }),
  );
  await sb.platform.drain();
  const status = ok(await sb.invoke<Envelope<TreeStatus>>('export/tree/status', { ...who, payload: { jobId: started.jobId } }));
  const { zip } = await downloadZip((part) => sb.invoke<Envelope<TreeDownloadResult>>('export/tree/download', { ...who, payload: { jobId: started.jobId, part } }));
  const files = new Map<string, string | Uint8Array>();
  for (const [name, bytes] of Object.entries(unzipSync(zip))) files.set(name, /\.(md|html)$/.test(name) ? strFromU8(bytes) : bytes);
  return { status, files };
}

/** The anchor each target gives the FAQ headings Installation links to (../../sandbox/confluence/seed.ts). */
const EXPECTED: Record<ExportPreset, string[]> = {
  gfm: ['#überblick', '#setup-1', '#whats-new', '#known-issues', '#常见问题'],
  docusaurus: ['#überblick', '#setup-1', '#whats-new', '#known-issues', '#常见问题'],
  mkdocs: ['#uberblick', '#setup_1', '#whats-new', '#known-issues', '#_1'],
  obsidian: ['#Überblick', '#Linux#Setup', "#What's new?", "#What's new?", '#常见问题'],
};

describe.each(EXPORT_PRESETS.map((p) => [p]))('%s export of the seed site', (preset) => {
  it('resolves every relative link, heading anchor and embed inside the output', async () => {
    const { status, files } = await exportTree(preset);
    expect(status.phase).toBe('done');
    const seen = check(preset, files);
    expect(seen.unresolved).toEqual([]);
    expect(seen.files).toBeGreaterThanOrEqual(15);
    // The FAQ links of Installation (5), the rich page's table of contents (12), Installation's own top.
    expect(seen.anchors).toBeGreaterThanOrEqual(preset === 'docusaurus' ? 16 : 17);
    // Nothing left unresolved by the exporter either.
    expect(status.report.some((e) => e.what === 'link' && /not in the export/.test(e.detail))).toBe(false);
    const install = [...files].find(([n]) => /Installation\/(index|Installation)\.md$/.test(n))?.[1];
    expect(typeof install).toBe('string');
    for (const anchor of EXPECTED[preset]) expect(install).toContain(`${anchor}${preset === 'obsidian' ? '|' : ')'}`);
    expect(install).not.toMatch(/ct-(anchor|attachment)-/);
    // The attachment of another page is the exported file; a page outside the export stays on Confluence.
    expect(install).toMatch(/Rich(%20| )Page\/_attachments\/spec\.pdf/);
    expect(seen.absolute.some((h) => h.endsWith(`/wiki/spaces/OPS/pages/${SEED.pages.opsHome}/Operations+Home#Operations-Home`))).toBe(true);
  });
});

describe.each(EXPORT_PRESETS.map((p) => [p]))('%s export of the whole seed space', (preset) => {
  it('resolves every relative link, heading anchor and embed, blog posts and pages outside the home tree included', async () => {
    const { status, files } = await exportTree(preset, SEED.space.key);
    expect(status.phase).toBe('done');
    const seen = check(preset, files);
    expect(seen.unresolved).toEqual([]);
    expect([...files.keys()].some((n) => n.includes(preset === 'docusaurus' ? '/blog/' : '/_blog/'))).toBe(true);
    expect(seen.anchors).toBeGreaterThanOrEqual(preset === 'docusaurus' ? 16 : 17);
  });
});

describe('html tree export of the seed site', () => {
  it('links to headings of other pages name the ids of their headings', async () => {
    const { status, files } = await exportTree('html');
    expect(status.phase).toBe('done');
    let anchors = 0;
    for (const [from, text] of files) {
      if (typeof text !== 'string' || !from.endsWith('.html')) continue;
      expect(text).not.toMatch(/ct-(anchor|attachment)-/);
      for (const m of text.matchAll(/href="([^"#:]*)#([^"]+)"/g)) {
        const file = (m[1] ?? '') === '' ? from : resolvePath(from, (m[1] ?? '').replace(/&amp;/g, '&'));
        const target = file === undefined ? undefined : files.get(file);
        expect(typeof target).toBe('string');
        expect(target).toContain(`id="${decodeURIComponent(m[2] ?? '')}"`);
        anchors += 1;
      }
    }
    expect(anchors).toBeGreaterThanOrEqual(17);
  });
});
