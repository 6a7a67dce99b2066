// `node .ci/site-links.mjs <built site dir>`: every relative link and asset (href, src) of every
// built HTML page must name a file of the site, and every #fragment an id in that page. The tools'
// own checks miss some: MkDocs checks only Markdown links to files (no anchors, no raw-HTML links),
// Docusaurus skips raw-HTML links of .md pages. Exit 1 with the list of broken links.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = process.argv[2];
if (!root || !existsSync(root)) {
  console.error('usage: node .ci/site-links.mjs <built site dir>');
  process.exit(2);
}

function* htmlFiles(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* htmlFiles(p);
    else if (e.name.endsWith('.html')) yield p;
  }
}

/** The file a site path is served from, as a static host does (dir → index.html, extensionless → .html). */
function served(path) {
  for (const p of [path, join(path, 'index.html'), `${path}.html`]) if (existsSync(p) && statSync(p).isFile()) return p;
  return undefined;
}

const ids = new Map();
function idsOf(file) {
  if (!ids.has(file)) ids.set(file, new Set([...readFileSync(file, 'utf8').matchAll(/\s(?:id|name)="([^"]*)"/g)].map((m) => m[1])));
  return ids.get(file);
}

const decode = (s) => s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'");
const broken = new Set(); // one line per page and link, however often the page repeats it
let checked = 0;
for (const file of htmlFiles(root)) {
  // Inline scripts and styles hold no links of the page.
  const html = readFileSync(file, 'utf8').replace(/<script\b[\s\S]*?<\/script>/g, '').replace(/<style\b[\s\S]*?<\/style>/g, '');
  for (const m of html.matchAll(/\s(?:href|src)="([^"]*)"/g)) {
    const link = decode(m[1]);
    if (link === '' || /^([a-z][a-z0-9+.-]*:|\/\/)/i.test(link)) continue; // external: http:, mailto:, data:
    checked += 1;
    const [pathPart, fragment] = link.split('#', 2);
    const path = decodeURIComponent(pathPart.split('?')[0]);
    const target = path === '' ? file : served(path.startsWith('/') ? join(root, path) : join(dirname(file), path));
    const where = relative(root, file);
    if (!target) broken.add(`${where}: ${link} (no such file)`);
    else if (fragment && target.endsWith('.html') && !idsOf(target).has(decodeURIComponent(fragment))) broken.add(`${where}: ${link} (no id "${fragment}")`);
  }
}
for (const b of broken) console.log(`broken link: ${b}`);
console.log(`site links: ${checked} checked, ${broken.size} broken (${root})`);
process.exit(broken.size ? 1 : 0);
