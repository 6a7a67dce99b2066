/**
 * Issue 23.12: `static/` holds what Forge apps keep there. The app's icon is a declared resource for
 * the byline item, the global page and the Rovo agent (`resource:<key>;<file>.svg`, the form
 * @forge/manifest's icon check takes: utils/global/validateGlobalModules.js), and the HTML export
 * stylesheet is a real `.css` file compiled into the functions (scripts/embed-css.ts).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CSS_FILE, MODULE_FILE, stylesheetModule } from '../../scripts/embed-css';
import { EXPORT_CSS } from '../../src/export/stylesheet';

const root = join(__dirname, '..', '..');
const manifest = parse(readFileSync(join(root, 'manifest.yml'), 'utf8')) as {
  modules: Record<string, Array<{ key: string; icon?: string }>>;
  resources: Array<{ key: string; path: string }>;
};

test.each(['confluence:contentBylineItem', 'confluence:globalPage', 'rovo:agent'])('%s has the app icon, an SVG of a declared resource', (type) => {
  const modules = manifest.modules[type] ?? [];
  expect(modules.length).toBeGreaterThan(0);
  for (const m of modules) {
    const [, key, file] = /^resource:([\w-]+);([\w./-]+\.svg)$/.exec(m.icon ?? '') ?? [];
    const resource = manifest.resources.find((r) => r.key === key);
    expect(resource).toBeDefined();
    const dir = join(root, resource?.path ?? '');
    expect(statSync(dir).isDirectory()).toBe(true);
    expect(resource?.path.startsWith('static/')).toBe(true);
    const svg = readFileSync(join(dir, file ?? ''), 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    // An icon is drawn by the product: nothing in it may run or load.
    expect(svg).not.toMatch(/<script|on\w+=|href=|url\(/i);
  }
});

test('the export stylesheet is static/export.css, compiled into the code (the module is current)', () => {
  expect(existsSync(CSS_FILE)).toBe(true);
  const css = readFileSync(CSS_FILE, 'utf8');
  expect(readFileSync(MODULE_FILE, 'utf8')).toBe(stylesheetModule(css));
  expect(EXPORT_CSS).toBe(css);
  expect(css).toMatch(/\.panel-info \{/);
  // Plain CSS without external resources: an export opens offline.
  expect(css).not.toMatch(/@import|url\(/);
});
