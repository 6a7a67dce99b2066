// `node .ci/site-scan.mjs <built site dir>`: the built HTML holds no script and no event handler that
// came from page content, and no link or embed whose URL runs script (issue 21). Exit 1 with each
// finding. The pages are parsed (htmlparser2, sanitize-html's own parser), not matched by regex: an
// escaped `onerror=` inside an alt text is text, not an attribute.
//
// Telling the tools' own scripts apart from page content:
// - any `on*` attribute is a finding: neither Docusaurus's classic theme nor MkDocs (mkdocs,
//   material) writes one; .ci/real-tools scans the seed site's builds too, so a theme that starts
//   writing one shows up there first, with its exact tag, rather than being allowed here unseen;
// - a `<script src>` must be a file of the site (the tool's bundles): a page cannot add one;
// - an inline script is the tool's unless it holds text of a payload (`alert(`, `execSync`,
//   `ct-hostile`): the hostile fixture (sandbox/confluence/hostile.ts) marks every payload so;
// - scripts of a data type (`application/ld+json`, Docusaurus's breadcrumbs) do not run, but a page
//   title that broke out of one would show up as a script element or a handler of its own.
// URLs: `javascript:` and `vbscript:` anywhere; `data:` anywhere but an image's source (Docusaurus
// inlines small images as data: URLs; a browser runs no script from an image, whatever its type).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';

// htmlparser2 as sanitize-html (a dependency of the app) resolves it: no dependency of our own.
const require = createRequire(import.meta.url);
const { Parser } = createRequire(require.resolve('sanitize-html'))('htmlparser2');

const root = process.argv[2];
if (!root || !existsSync(root)) {
  console.error('usage: node .ci/site-scan.mjs <built site dir>');
  process.exit(2);
}

function* htmlFiles(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* htmlFiles(p);
    else if (e.name.endsWith('.html')) yield p;
  }
}

const PAYLOAD = /alert\s*\(|execSync|ct-hostile|onerror|onload/i;
const URL_ATTRS = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'poster', 'data', 'background', 'srcset']);
const RUNS = /^(javascript|vbscript):/i;
const JS_TYPES = /^(|text\/javascript|application\/javascript|module|text\/ecmascript)$/i;
const short = (s) => (s.length > 120 ? `${s.slice(0, 117)}...` : s);

/** A browser ignores whitespace and control characters inside a scheme (`java\tscript:`). */
const scheme = (v) => v.replace(/[\u0000-\u0020\u007f]+/g, '');

function scan(file, findings) {
  const where = relative(root, file);
  let script = null; // the open <script>: its attributes and text
  const parser = new Parser({
    onopentag(name, attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (/^on/i.test(k)) findings.push(`${where}: <${name} ${k}="${short(v)}"> (event handler)`);
        if (URL_ATTRS.has(k.toLowerCase())) {
          for (const url of k === 'srcset' ? v.split(',').map((s) => s.trim().split(/\s+/)[0] ?? '') : [v]) {
            const s = scheme(url);
            const image = name === 'img' && (k === 'src' || k === 'srcset');
            if (RUNS.test(s) || (/^data:/i.test(s) && !image)) findings.push(`${where}: <${name} ${k}="${short(url)}"> (script URL)`);
          }
        }
      }
      if (name === 'script') script = { attrs, text: '' };
    },
    ontext(t) {
      if (script) script.text += t;
    },
    onclosetag(name) {
      if (name !== 'script' || !script) return;
      const { attrs, text } = script;
      script = null;
      if (!JS_TYPES.test((attrs.type ?? '').trim())) return; // data, not code
      if (attrs.src !== undefined) {
        const src = attrs.src.split(/[?#]/)[0];
        const local = src.startsWith('/') ? join(root, src) : join(dirname(file), src);
        if (/^([a-z][a-z0-9+.-]*:|\/\/)/i.test(src) || !existsSync(local) || !statSync(local).isFile()) {
          findings.push(`${where}: <script src="${short(attrs.src)}"> (not a file of the site)`);
        }
      } else if (PAYLOAD.test(text)) {
        findings.push(`${where}: <script>${short(text.trim())}</script> (inline script with page text)`);
      }
    },
  }, { decodeEntities: true, lowerCaseAttributeNames: true });
  parser.end(readFileSync(file, 'utf8'));
}

const findings = [];
let pages = 0;
for (const file of htmlFiles(root)) {
  pages += 1;
  scan(file, findings);
}
// A title's payload lands in every page's navigation: one line per finding, with the pages it is on.
const byWhat = new Map();
for (const f of findings) {
  const [where, what] = f.split(/: (?=<)/, 2);
  const on = byWhat.get(what) ?? new Set();
  on.add(where);
  byWhat.set(what, on);
}
for (const [what, on] of byWhat) console.log(`unsafe: ${what} on ${on.size} page(s), e.g. ${[...on][0]}`);
console.log(`site scan: ${pages} pages, ${byWhat.size} distinct findings (${root})`);
process.exit(byWhat.size ? 1 : 0);
