import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Reads the HTML export stylesheet for Node callers (CLI, tests); html.ts itself stays pure. */
export function loadExportCss(path = resolve(process.cwd(), 'static/export.css')): string {
  return readFileSync(path, 'utf8');
}
