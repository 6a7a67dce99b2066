/**
 * .ci/site-scan.mjs, the check .ci/real-tools runs over the built HTML of the hostile site: it must
 * find what page content would run in a browser, and nothing in the tools' own markup.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = join(__dirname, '..', '..', '.ci', 'site-scan.mjs');

async function scan(pages: Record<string, string>): Promise<{ code: number; out: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'site-scan-'));
  try {
    for (const [name, html] of Object.entries(pages)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), html);
    }
    const r = await run(process.execPath, [script, dir]).then((o) => ({ code: 0, out: o.stdout }), (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }));
    return r;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const page = (body: string): string =>
  `<!doctype html><html><head><script src="/assets/main.js"></script><script>(function(){document.documentElement.dataset.theme='light'})()</script>`
  + `<script type="application/ld+json">{"name":"<img src=x onerror=alert(1)> alert('x')"}</script></head><body>${body}</body></html>`;

describe('.ci/site-scan.mjs', () => {
  it("passes the tools' own scripts, escaped payloads, attribute text and inlined images", async () => {
    const r = await scan({
      'assets/main.js': '',
      'index.html': page(`<article><p>&lt;script&gt;alert('x')&lt;/script&gt; {: onmouseover=alert(1) }</p>`
        + `<img alt="x&quot; onerror=&quot;alert(1)" src="data:image/png;base64,AAAA"><a href="https://example.com/?q=javascript:">ok</a></article>`),
    });
    expect(r.out).toMatch(/site scan: 1 pages, 0 distinct findings/);
    expect(r.code).toBe(0);
  });

  it.each([
    ['<img src=x onerror=alert(1)>', /<img onerror="alert\(1\)"> \(event handler\)/],
    ['<h1 onmouseover="alert(2)">T</h1>', /<h1 onmouseover="alert\(2\)">/],
    ["<script>alert('p')</script>", /inline script with page text/],
    ['<script src="https://evil.example/x.js"></script>', /not a file of the site/],
    ['<a href=" java\tscript:alert(1)">x</a>', /\(script URL\)/],
    ['<a href="data:text/html,<script>alert(1)</script>">x</a>', /\(script URL\)/],
    ['<iframe src="data:text/html;base64,PHNjcmlwdD4="></iframe>', /\(script URL\)/],
  ])('finds %s', async (html, finding) => {
    const r = await scan({ 'assets/main.js': '', 'a/index.html': page(html) });
    expect(r.out).toMatch(finding);
    expect(r.code).toBe(1);
  });
});
