/**
 * Real-world ADF (test/corpus/real, provenance in its README): every document converts to Markdown,
 * HTML and each tree-export preset without a crash, the independent verifier finds nothing missing,
 * and every word of the source is in the output. `npm run bench -- corpus` compares with the peers.
 */
import { adfToMarkdown } from '../../src/export/markdown';
import { adfToHtml } from '../../src/export/html';
import { rewriteTree, type RewriteContext } from '../../src/export/presets/rewrite';
import { loadRealCorpus, recall } from '../corpus/real';

const corpus = loadRealCorpus();
const styles: Array<RewriteContext['style']> = ['obsidian', 'mkdocs', 'docusaurus'];
// Missing words, and structure (checkboxes, nesting, languages, cells, panels) no report entry names.
const missing = (report: ReadonlyArray<{ kind: string }>) => report.filter((e) => e.kind === 'content-missing' || e.kind === 'structure-missing');

test('the corpus has at least 50 documents from at least 3 sources', () => {
  expect(corpus.length).toBeGreaterThanOrEqual(50);
  expect(new Set(corpus.map((d) => d.name.split('/')[0])).size).toBeGreaterThanOrEqual(3);
  for (const d of corpus) expect(d.doc).toMatchObject({ type: 'doc' });
});

describe.each(corpus.map((d) => [d.name, d] as const))('%s', (_name, { doc }) => {
  test('Markdown: no crash, nothing missing, every source word kept', () => {
    const out = adfToMarkdown(doc, { pageId: 'p1' });
    expect(missing(out.report)).toEqual([]);
    expect(out.fidelity).toBeDefined();
    const r = recall(doc, out.markdown);
    expect(r.found).toBe(r.words);
  });

  test('HTML: no crash, nothing missing, sanitized', () => {
    const { html, report } = adfToHtml(doc, { pageId: 'p1', css: '' });
    expect(missing(report)).toEqual([]);
    expect(html).not.toMatch(/<(script|iframe|object|embed)/i);
    expect(html).not.toMatch(/<[a-z][^>]*\son\w+\s*=/i);
    expect(html).not.toMatch(/(href|src)\s*=\s*"\s*(javascript|vbscript|data):/i);
    const r = recall(doc, html);
    expect(r.found).toBe(r.words);
  });

  test.each(styles)('preset %s: no crash, nothing missing', (style) => {
    const out = adfToMarkdown(doc, {
      pageId: 'p1',
      rewrite: (tree, serialize) => rewriteTree(tree, { style, file: 'S/P/index.md', exists: () => false, serialize }),
    });
    expect(missing(out.report)).toEqual([]);
  });
});
