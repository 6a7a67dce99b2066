/**
 * Target presets of tree exports, end to end over the seed site: the real resolvers and queue
 * consumer against the sandbox, the zip read back. Each preset has a golden file of every text
 * entry of the zip (test/jobs/presets-golden/<preset>.golden; `UPDATE=1` rewrites, review the diff);
 * the site URL is replaced by a placeholder since the sandbox's port varies. The Obsidian export is
 * checked the way Obsidian would read it: every wikilink and embed resolves to a file of the export.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { parse } from 'yaml';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { SEED } from '../../sandbox/confluence/seed';
import type { Envelope } from '../../src/shared/envelope';
import type { TreeDownloadResult, TreeStartResult, TreeStatus } from '../../src/shared/export';
import { downloadZip } from '../../sandbox/forge/download';
import { ok } from '../envelope';

const alice = SEED.users.alice;
const home = { id: SEED.pages.home, type: 'page' as const };
const update = process.env.UPDATE === '1';

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(async () => {
  await sb.close();
});

async function exportTree(payload: unknown): Promise<{ status: TreeStatus; files: Record<string, string> }> {
  const started = ok(await sb.invoke<Envelope<TreeStartResult>>('export/tree/start', { accountId: alice, content: home, payload }));
  await sb.platform.drain();
  const status = ok(await sb.invoke<Envelope<TreeStatus>>('export/tree/status', { accountId: alice, content: home, payload: { jobId: started.jobId } }));
  const { zip } = await downloadZip((part) => sb.invoke<Envelope<TreeDownloadResult>>('export/tree/download', { accountId: alice, content: home, payload: { jobId: started.jobId, part } }));
  const files: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(unzipSync(zip))) files[name] = /\.(md|yml|json|txt)$/.test(name) ? strFromU8(bytes) : `(${bytes.length} bytes)`;
  return { status, files };
}

/** Every entry but the manifest (it holds the export time), site URL neutralised. */
function goldenText(files: Record<string, string>): string {
  const site = sb.confluence.site.baseUrl.replace(/\/$/, '');
  return Object.keys(files)
    .filter((n) => n !== 'manifest.json')
    .sort()
    .map((n) => `=== ${n} ===\n${(files[n] ?? '').split(site).join('https://SITE')}`)
    .join('\n');
}

function golden(name: string, actual: string): void {
  const file = join(__dirname, 'presets-golden', `${name}.golden`);
  if (update || !existsSync(file)) writeFileSync(file, actual);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

const payload = (preset: string) => ({ format: 'md', preset, attachments: true, frontMatter: true });

/** Front matter of a Markdown file, parsed. */
function front(md: string): Record<string, unknown> {
  const m = /^---\n([\s\S]*?)\n---\n/.exec(md);
  if (!m) throw new Error('no front matter');
  return parse(m[1] ?? '') as Record<string, unknown>;
}

describe('tree export presets', () => {
  it('refuses an unknown preset, and a preset on a format other than Markdown', async () => {
    const bad = await sb.invoke<Envelope<TreeStartResult>>('export/tree/start', { accountId: alice, content: home, payload: { format: 'md', preset: 'hugo' } });
    expect(bad.ok).toBe(false);
    const html = await sb.invoke<Envelope<TreeStartResult>>('export/tree/start', { accountId: alice, content: home, payload: { format: 'html', preset: 'mkdocs' } });
    expect(html.ok).toBe(false);
    if (!html.ok) expect(html.error.code).toBe('BAD_REQUEST');
  });

  it('gfm: today\'s layout, page properties in front matter, the properties report as a table', async () => {
    const { status, files } = await exportTree(payload('gfm'));
    expect(status.phase).toBe('done');
    const install = files['Demo Home/Installation/index.md'] ?? '';
    // Page properties sit under their own key, never beside the tool's options.
    expect(front(install)).toMatchObject({ id: SEED.pages.install, confluence: { properties: { owner: 'Alice Author', status: 'Final', platforms: ['Linux', 'macOS'], see_also: '../FAQ/index.md' } } });
    expect(front(install)).not.toHaveProperty('owner');
    expect(front(files['Demo Home/User Guide/Chapter One/index.md'] ?? '')).toMatchObject({ confluence: { properties: { owner: '@Bob Builder', status: 'Draft', review_date: '2024-07-01' } } });
    // The details macro is no longer an unsupported macro.
    expect(status.report.some((e) => e.kind === 'unsupported-macro' && e.what === 'details')).toBe(false);
    const guide = files['Demo Home/User Guide/index.md'] ?? '';
    expect(guide).toContain('| Title | owner | status | review_date | platforms | see_also |');
    expect(guide).toContain('| [Chapter One](Chapter%20One/index.md) | @Bob Builder | Draft | 2024-07-01 |');
    expect(guide).toContain('| [Installation](../Installation/index.md) | Alice Author | Final |  | Linux, macOS | [FAQ](../FAQ/index.md) |');
    expect(guide).not.toContain('ct-properties-report');
    // The report's label filter could not be applied, and pages outside the export are not in it: said so.
    expect(status.report.some((e) => e.what === 'detailssummary' && /label "docs"/.test(e.detail))).toBe(true);
    golden('gfm', goldenText(files));
  });

  it('obsidian: folder notes, callouts, wikilinks and embeds that all resolve', async () => {
    const { status, files } = await exportTree(payload('obsidian'));
    expect(status.phase).toBe('done');
    const rich = files['Demo Home/User Guide/Rich Page/Rich Page.md'] ?? '';
    expect(rich).toContain('> [!info]\n> This is a info panel.');
    expect(rich).toContain('> [!danger]\n> This is a error panel.');
    expect(rich).toContain('> [!note]- Details inside an expand');
    expect(rich).toContain('[[Demo Home/FAQ/FAQ|the FAQ]]');
    expect(rich).toContain('![[Demo Home/User Guide/Rich Page/_attachments/diagram.png]]');
    expect(front(files['Demo Home/Installation/Installation.md'] ?? '')).toMatchObject({ confluence: { properties: { 'see-also': '[[Demo Home/FAQ/FAQ]]' } } });
    // Resolve every [[link]] and ![[embed]] as Obsidian does with full paths: `target` or `target.md`.
    const names = new Set(Object.keys(files));
    let checked = 0;
    for (const [name, text] of Object.entries(files)) {
      if (!name.endsWith('.md')) continue;
      for (const m of text.matchAll(/(!?)\[\[([^\]|#]+)(?:#[^\]|]*)?(?:\\?\|[^\]]*)?\]\]/g)) {
        const target = m[2] ?? '';
        const found = m[1] ? names.has(target) : names.has(`${target}.md`) || names.has(target);
        if (!found) throw new Error(`${name}: unresolved ${m[0]}`);
        checked += 1;
      }
      // No Markdown link to a local file is left: all became wikilinks.
      expect(text).not.toMatch(/\]\((?!https?:|#|mailto:)[^)]*\)/);
    }
    expect(checked).toBeGreaterThanOrEqual(8);
    golden('obsidian', goldenText(files));
  });

  it('mkdocs: admonitions, details, mkdocs.yml with the nav in tree order', async () => {
    const { status, files } = await exportTree(payload('mkdocs'));
    expect(status.phase).toBe('done');
    const rich = files['docs/Demo Home/User Guide/Rich Page/index.md'] ?? '';
    expect(rich).toContain('!!! warning\n\n    This is a warning panel.');
    expect(rich).toContain('??? note "Details inside an expand"\n\n    Hidden text.');
    expect(rich).toContain('    ??? note "A nested expand"\n\n        Even more hidden text.');
    const config = parse(files['mkdocs.yml'] ?? '') as { docs_dir: string; nav: unknown[]; markdown_extensions: string[]; theme: unknown };
    expect(config.docs_dir).toBe('docs');
    expect(config.theme).toEqual({ name: 'material' });
    expect(config.markdown_extensions).toEqual(expect.arrayContaining(['admonition', 'pymdownx.details']));
    // Every nav entry names a page file under docs/, in tree order.
    const paths: string[] = [];
    const walk = (items: unknown): void => {
      for (const it of items as Array<string | Record<string, unknown>>) {
        if (typeof it === 'string') paths.push(it);
        else for (const v of Object.values(it)) if (typeof v === 'string') paths.push(v); else walk(v);
      }
    };
    walk(config.nav);
    for (const p of paths) expect(files[`docs/${p}`]).toBeDefined();
    const mdFiles = Object.keys(files).filter((n) => n.endsWith('.md'));
    expect(new Set(paths).size).toBe(mdFiles.length);
    expect(paths.indexOf('Demo Home/User Guide/index.md')).toBeLessThan(paths.indexOf('Demo Home/User Guide/Chapter One/index.md'));
    expect(paths.indexOf('Demo Home/User Guide/Chapter One/Section 1.1/index.md')).toBeLessThan(paths.indexOf('Demo Home/Installation/index.md'));
    golden('mkdocs', goldenText(files));
  });

  it('docusaurus: admonitions, id/slug/sidebar_position, a _category_.json per folder', async () => {
    const { status, files } = await exportTree(payload('docusaurus'));
    expect(status.phase).toBe('done');
    const rich = files['Demo Home/User Guide/Rich Page/index.md'] ?? '';
    expect(rich).toContain(':::tip\n\nThis is a success panel.\n\n:::');
    expect(rich).toContain(':::danger\n\nThis is a error panel.\n\n:::');
    expect(front(rich)).toMatchObject({ id: SEED.pages.rich, slug: '/demo-home/user-guide/rich-page' });
    expect(front(files['Demo Home/User Guide/index.md'] ?? '')).toMatchObject({ slug: '/demo-home/user-guide', sidebar_position: 1 });
    expect(front(files['Demo Home/Installation/index.md'] ?? '')).toMatchObject({ sidebar_position: 2 });
    expect(JSON.parse(files['Demo Home/User Guide/_category_.json'] ?? '{}')).toEqual({ label: 'User Guide', position: 1 });
    expect(files['Demo Home/Installation/_category_.json']).toBeUndefined();
    // Slugs are unique across the export.
    const slugs = Object.entries(files).filter(([n]) => n.endsWith('.md')).map(([, t]) => front(t).slug);
    expect(new Set(slugs).size).toBe(slugs.length);
    golden('docusaurus', goldenText(files));
  });
});
