/**
 * Golden files: test/fixtures/<case>/{input.adf.json, expected.md, expected.html} (+ options.json,
 * comments.json). `UPDATE=1 npx jest test/export/golden` rewrites the expected files; review the diff.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';
import { adfToMarkdown } from '../../src/export/markdown';
import { adfToHtml } from '../../src/export/html';
import type { AdfNode } from '../../src/export/adf';
import { loadCases } from './fixtures';

const update = process.env.UPDATE === '1';
const css = '/* export.css */';
const cases = loadCases();

function golden(file: string, actual: string): void {
  if (update || !existsSync(file)) writeFileSync(file, actual);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

/** Text a reader must still find: ADF text and code, but not editor-only placeholders. */
function adfTexts(node: AdfNode, out: string[] = []): string[] {
  if (node.type === 'text' && node.text) out.push(node.text);
  for (const child of node.content ?? []) adfTexts(child, out);
  return out;
}

function decode(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&#10;/g, '\n')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

function mdTexts(node: { type: string; value?: unknown; children?: unknown[] }, out: string[] = []): string[] {
  if (typeof node.value === 'string') out.push(node.type === 'html' ? decode(node.value) : node.value);
  for (const child of (node.children ?? []) as Array<typeof node>) mdTexts(child, out);
  return out;
}

const squash = (s: string): string => s.replace(/\s+/g, '');

test('there are golden cases', () => {
  expect(cases.length).toBeGreaterThanOrEqual(25);
});

describe.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
  test('markdown matches expected.md', () => {
    golden(join(c.dir, 'expected.md'), adfToMarkdown(c.input, c.options).markdown);
  });

  test('html matches expected.html', () => {
    golden(join(c.dir, 'expected.html'), adfToHtml(c.input, { ...c.options, css }).html);
  });

  test('the independent verifier finds every visible unit in both outputs', () => {
    for (const out of [adfToMarkdown(c.input, c.options), adfToHtml(c.input, { ...c.options, css })]) {
      expect(out.report.filter((e) => e.kind === 'content-missing' || e.kind === 'structure-missing')).toEqual([]);
      expect(out.fidelity?.units).toBeGreaterThan(0);
    }
  });

  test('round trip keeps every text', () => {
    const md = readFileSync(join(c.dir, 'expected.md'), 'utf8');
    const tree = fromMarkdown(md, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
    const seen = squash(mdTexts(tree).join(''));
    for (const t of adfTexts(c.input as AdfNode)) {
      if (squash(t)) expect(seen).toContain(squash(t));
    }
  });
});
