/**
 * .ci/site-links.mjs, the link check .ci/real-tools runs over the sites MkDocs and Docusaurus build:
 * over a small built site, it must pass good links and name each broken file link and anchor.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const script = join(__dirname, '../../.ci/site-links.mjs');
let site: string;
beforeEach(() => {
  site = mkdtempSync(join(tmpdir(), 'site-links-'));
  mkdirSync(join(site, 'Demo Home', 'FAQ'), { recursive: true });
  writeFileSync(join(site, 'index.html'), '<h1 id="top">Home</h1><a href="Demo%20Home/FAQ/#q1">q</a><a href="https://example.com/x">ext</a><a href="#top">up</a>');
  writeFileSync(join(site, 'Demo Home', 'FAQ', 'index.html'), '<h2 id="q1">Q</h2><img src="../../index.html"><a href="/">home</a><script>var a = \' href="nowhere"\';</script>');
});
afterEach(() => rmSync(site, { recursive: true, force: true }));

function check(): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [script, site], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout };
}

describe('.ci/site-links.mjs', () => {
  it('passes a site whose relative links and anchors all resolve (external links and scripts skipped)', () => {
    const r = check();
    expect(r.out).toContain('4 checked, 0 broken');
    expect(r.code).toBe(0);
  });

  it('names a link to a missing file and a missing anchor, and exits 1', () => {
    writeFileSync(join(site, 'Demo Home', 'page.html'), '<a href="FAQ/index.md">md</a><a href="FAQ/#q2">a</a><a href="FAQ/#q1">ok</a>');
    const r = check();
    expect(r.out).toContain('broken link: Demo Home/page.html: FAQ/index.md (no such file)');
    expect(r.out).toContain('broken link: Demo Home/page.html: FAQ/#q2 (no id "q2")');
    expect(r.out).toContain('7 checked, 2 broken');
    expect(r.code).toBe(1);
  });
});
