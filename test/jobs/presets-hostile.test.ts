/**
 * Issue 21, end to end: a tree of hostile pages (titles, text, headings, table cells, an ESM line, a
 * mentioned user's display name, page properties) exported with each preset through the real
 * resolvers and consumer. Each target's output holds the text escaped by its reader's rules, front
 * matter holds only its fixed keys, and folder names are ones every target can read.
 * `HOSTILE_OUT=<file>` writes the Docusaurus and MkDocs files (`=== path ===` sections) for building
 * or compiling them with the real tools outside the repo.
 */
import { writeFileSync } from 'node:fs';
import { strFromU8, unzipSync } from 'fflate';
import { parse } from 'yaml';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { SEED } from '../../sandbox/confluence/seed';
import * as a from '../../sandbox/confluence/adf';
import { downloadZip } from '../../sandbox/forge/download';
import type { Envelope } from '../../src/shared/envelope';
import type { ExportPreset, TreeDownloadResult, TreeStartResult, TreeStatus } from '../../src/shared/export';
import type { AdfNode } from '../../src/export/adf';
import { ok } from '../envelope';

const alice = SEED.users.alice;
const RCE = "{globalThis.process?.getBuiltinModule?.('child_process').execSync('touch /tmp/x')}";
const XSS = '<img src=x onerror=alert(1)> <svg onload=alert(1)> <script>alert(1)</script>';
const ATTR = '{: onmouseover=alert(1) }';
/** Labels are user text too (issue 23.5): markup, YAML words, digits, a tag's own syntax. */
const LABELS = ['<img src=x onerror=alert(1)>', 'yes', '2024', '#tag', 'ops/runbook', 'café'];

let sb: Sandbox;
let root: { id: string; type: 'page' };
beforeAll(async () => {
  sb = await startSandbox();
  const site = sb.confluence.site;
  site.addUser({ accountId: 'evil-1', displayName: `${RCE} <b>Eve</b>`, accountType: 'atlassian' });
  const row = (k: string, v: string): AdfNode => ({ type: 'tableRow', content: [
    { type: 'tableHeader', content: [a.p(k)] }, { type: 'tableCell', content: [a.p(v)] },
  ] });
  const properties: AdfNode = { type: 'bodiedExtension', attrs: { extensionKey: 'details' }, content: [{ type: 'table', content: [
    row('custom_edit_url', 'javascript:alert(document.domain)'), row('draft', 'true'), row('toc_max_heading_level', '99'), row('template', 'evil.html'), row('Keywords', 'release'),
  ] }] };
  const top = site.addPage({ parentId: null, title: `Hostile ${ATTR} <img src=x onerror=alert(1)>`, spaceId: SEED.space.id, authorId: alice, adf: a.doc(a.p('Root.')) });
  root = { id: top.id, type: 'page' };
  const add = (title: string, ...content: AdfNode[]): void => void site.addPage({ parentId: top.id, title, spaceId: SEED.space.id, authorId: alice, adf: a.doc(...content), ...(title === 'We shipped it!' ? { labels: LABELS } : {}) });
  add('We shipped it!',
    a.p(RCE), a.h(2, `Heading ${RCE}`), a.h(2, `Attrs ${ATTR}`), a.table(['Cell'], [RCE]), a.p('export const x = 1'),
    a.p(XSS), a.p('Mentioned ', a.mention('evil-1', 'x')), a.p('%%hidden%% and #tag'), properties);
  add('_CON', a.p('A device name once the underscore goes.'));
  add('Café', a.p('Composed.'));
  add('Cafe\u0301', a.p('Decomposed.'));
});
afterAll(async () => {
  await sb.close();
});

async function exportTree(preset: ExportPreset): Promise<{ status: TreeStatus; files: Record<string, string> }> {
  const payload = { format: 'md', preset, attachments: false, frontMatter: true, comments: false };
  const started = ok(await sb.invoke<Envelope<TreeStartResult>>('export/tree/start', { accountId: alice, content: root, payload }));
  await sb.platform.drain();
  const status = ok(await sb.invoke<Envelope<TreeStatus>>('export/tree/status', { accountId: alice, content: root, payload: { jobId: started.jobId } }));
  expect(status.phase).toBe('done');
  const { zip } = await downloadZip((part) => sb.invoke<Envelope<TreeDownloadResult>>('export/tree/download', { accountId: alice, content: root, payload: { jobId: started.jobId, part } }));
  const files: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(unzipSync(zip))) files[name] = strFromU8(bytes);
  return { status, files };
}

const front = (md: string): Record<string, unknown> => parse(/^---\n([\s\S]*?)\n---\n/.exec(md)?.[1] ?? '') as Record<string, unknown>;
const page = (files: Record<string, string>, pattern: RegExp): string => Object.entries(files).find(([n]) => pattern.test(n))?.[1] ?? '';
const out: string[] = [];
afterAll(() => {
  if (process.env.HOSTILE_OUT) writeFileSync(process.env.HOSTILE_OUT, out.join(''));
});

describe.each(['gfm', 'obsidian', 'mkdocs', 'docusaurus'] as const)('%s export of a hostile tree', (preset) => {
  it('front matter holds the fixed keys; page properties only under confluence.properties', async () => {
    const { files } = await exportTree(preset);
    const fm = front(page(files, /We shipped it.*\.md$/));
    const own = ['id', 'title', 'space', 'version', 'author', 'created', 'updated', 'labels', 'url', 'confluence'];
    const allowed = { gfm: own, obsidian: [...own, 'tags'], mkdocs: [...own, 'tags'], docusaurus: [...own, 'tags', 'slug', 'sidebar_position'] }[preset];
    for (const key of Object.keys(fm)) expect(allowed).toContain(key);
    // Labels as they are, in every preset (a tree export once had none: issue 23.5).
    expect(fm.labels).toEqual([...LABELS].sort());
    expect(fm).not.toHaveProperty('custom_edit_url');
    expect(fm).not.toHaveProperty('draft');
    const key = preset === 'obsidian' ? 'custom-edit-url' : 'custom_edit_url';
    expect((fm.confluence as { properties: Record<string, string> }).properties).toMatchObject({ [key]: 'javascript:alert(document.domain)', draft: 'true', template: 'evil.html' });
    if (preset === 'mkdocs' || preset === 'docusaurus') {
      out.push(...Object.entries(files).filter(([n]) => /\.(md|yml)$/.test(n)).map(([n, t]) => `=== ${preset}/${n} ===\n${t}`));
    }
  });
});

test.each([
  // Obsidian: tag syntax only (letters, digits, _ - /, not all digits), or the note loses its tags.
  ['obsidian', ['tag', '_2024', 'img-src-x-onerror-alert-1', 'café', 'ops/runbook', 'yes']],
  // MkDocs Material prints tags unescaped, like titles.
  ['mkdocs', ['#tag', '2024', '&lt;img src=x onerror=alert(1)&gt;', 'café', 'ops/runbook', 'yes']],
  // Docusaurus renders them through React: as they are.
  ['docusaurus', [...LABELS].sort()],
  ['gfm', undefined],
] as const)('%s: labels become the tags the target reads, safe for it', async (preset, tags) => {
  const { files } = await exportTree(preset);
  const fm = front(page(files, /We shipped it.*\.md$/));
  expect(fm.tags).toEqual(tags);
});

test('docusaurus: nothing MDX would run, folder names webpack and Windows can read', async () => {
  const { files, status } = await exportTree('docusaurus');
  const text = page(files, /We shipped it.*\.md$/);
  expect(text).toContain("\\{globalThis.process?.getBuiltinModule?.('child_process').execSync('touch /tmp/x')\\}");
  expect(text).toContain('&#x65;xport const x = 1');
  expect(text).toContain('## Heading \\{globalThis');
  expect(text).toContain('| \\{globalThis');
  expect(text).toContain('@\\{globalThis');
  expect(text).not.toMatch(/^(import|export)\s/m);
  // Every `{` or `<` of page text is escaped: past the front matter, only the converter's own tags remain.
  const body = text.replace(/^---\n[\s\S]*?\n---\n/, '').replace(/<\/?(table|tr|th|td)>/g, '');
  expect(body.match(/(?<!\\)[{<]/g)).toBeNull();
  const dirs = Object.keys(files).map((n) => n.split('/'));
  for (const parts of dirs) for (const part of parts) {
    expect(part).not.toMatch(/[!#?%]/);
    expect(part).not.toMatch(/^_(?!category_\.json$)/);
    expect(part.split('.')[0]).not.toMatch(/^(con|prn|aux|nul|com\d|lpt\d)$/i);
  }
  const top = Object.keys(files).find((n) => n.endsWith('.md') && n.split('/').length === 2)?.split('/')[0] ?? '';
  expect(Object.keys(files)).toEqual(expect.arrayContaining([`${top}/We shipped it-/index.md`, `${top}/CON_/index.md`, `${top}/Café/index.md`, `${top}/Café (2)/index.md`]));
  // "We shipped it!" loses its `!` in every preset (../names safeSegment); only `_CON` → `CON_` is Docusaurus's own rename.
  expect(status.report).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'approximated', what: 'folder-name', count: 1 })]));
});

test('mkdocs: no raw HTML or attribute list from page text, titles safe in mkdocs.yml', async () => {
  const { files, status } = await exportTree('mkdocs');
  const text = page(files, /We shipped it.*\.md$/);
  expect(text).toContain('&#x3C;img src=x onerror=alert(1)> &#x3C;svg onload=alert(1)> &#x3C;script>alert(1)&#x3C;/script>');
  expect(text).toContain('## Attrs &#x7B;: onmouseover=alert(1) }');
  const config = parse(files['mkdocs.yml'] ?? '') as { site_name: string; markdown_extensions: string[] };
  expect(config.markdown_extensions).not.toContain('attr_list');
  expect(config.site_name).toBe('Hostile {: onmouseover=alert(1) } &lt;img src=x onerror=alert(1)&gt;');
  expect(files['docs/index.md']).toBe('# Hostile &#x7B;: onmouseover=alert(1) } &#x3C;img src=x onerror=alert(1)>\n\nStart at [Hostile &#x7B;: onmouseover=alert(1) } &#x3C;img src=x onerror=alert(1)>](Hostile%20%7B-%20onmouseover%3Dalert\\(1\\)%20%7D%20-img%20src%3Dx%20onerror%3Dalert\\(1\\)-/index.md).\n');
  expect(status.report).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'approximated', what: 'title', count: 1 })]));
});

test('obsidian: comments and tags in page text stay visible text', async () => {
  const { files } = await exportTree('obsidian');
  expect(page(files, /We shipped it.*\.md$/)).toContain('&#x25;%hidden&#x25;% and &#x23;tag');
});
