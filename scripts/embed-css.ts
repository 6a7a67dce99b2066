/**
 * Compiles static/export.css into src/export/stylesheet.ts, the module every HTML export inlines.
 * Why a build step: the Forge deploy archive holds the bundle, manifest.yml and the package files
 * only, so a stylesheet read with fs at run time would be missing on a real site, and the Forge
 * bundler (@forge/bundler's webpack config) has no loader for `.css` imports in functions. The
 * generated module is committed, because `forge deploy` runs no npm script; `npm run bundle` runs
 * this first, and test/export/stylesheet.test.ts fails when the module is older than the CSS.
 *   tsx scripts/embed-css.ts           rewrites the module
 *   tsx scripts/embed-css.ts --check   exit 1 when it is stale
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');
export const CSS_FILE = join(root, 'static', 'export.css');
export const MODULE_FILE = join(root, 'src', 'export', 'stylesheet.ts');

/** The module's text for a stylesheet (a JSON string literal: no escaping to get wrong). */
export function stylesheetModule(css: string): string {
  return [
    '// Generated from static/export.css by `npm run css` (scripts/embed-css.ts): edit the CSS, not this file.',
    '/** The stylesheet inlined into every HTML export: plain CSS, no external resources. */',
    `export const EXPORT_CSS: string = ${JSON.stringify(css)};`,
    '',
  ].join('\n');
}

function main(): void {
  const want = stylesheetModule(readFileSync(CSS_FILE, 'utf8'));
  const have = readFileSync(MODULE_FILE, 'utf8');
  if (process.argv.includes('--check')) {
    if (want !== have) {
      console.error('src/export/stylesheet.ts is stale: run `npm run css`.');
      process.exit(1);
    }
    return;
  }
  if (want !== have) writeFileSync(MODULE_FILE, want);
}

if (require.main === module) main();
