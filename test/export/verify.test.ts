/**
 * The independent verifier: it must notice content a handler loses, name the node path, and stay
 * quiet on faithful exports.
 */
import { adfToMarkdown } from '../../src/export/markdown';
import { adfToHtml } from '../../src/export/html';
import { squash, squashByRegex, verifyExport } from '../../src/export/verify';
import type { ReportEntry } from '../../src/export/report';

const doc = (...content: unknown[]): unknown => ({ type: 'doc', version: 1, content });
const para = (...content: unknown[]): unknown => ({ type: 'paragraph', content });
const text = (value: string, marks?: unknown[]): unknown => (marks ? { type: 'text', text: value, marks } : { type: 'text', text: value });

const rich = doc(
  para(text('Plain words'), { type: 'mention', attrs: { id: 'u1', text: '@old name' } }, { type: 'status', attrs: { text: 'IN REVIEW', color: 'blue' } }),
  para({ type: 'date', attrs: { timestamp: '1700000000000' } }, { type: 'emoji', attrs: { shortName: ':rocket:' } }, text('site', [{ type: 'link', attrs: { href: 'https://example.com/a/b' } }])),
  { type: 'blockCard', attrs: { url: 'https://cards.example.org/x' } },
  { type: 'codeBlock', content: [text('line one\nline two')] },
  { type: 'expand', attrs: { title: 'Expand title' }, content: [para(text('hidden body'))] },
  { type: 'bodiedExtension', attrs: { extensionKey: 'info', parameters: { macroParams: { title: { value: 'Macro title' } } } }, content: [para(text('macro body'))] },
);

test('a faithful export has nothing missing, in Markdown and HTML', () => {
  const users = new Map([['u1', 'Ann Lee']]);
  const md = adfToMarkdown(rich, { users });
  expect(md.report.filter((e) => e.kind === 'content-missing')).toEqual([]);
  // 14 = text, mention, status, date, emoji, link text + URL, card URL, 2 code lines, expand title + body, macro title + body.
  expect(md.fidelity).toEqual({ units: 14, missing: 0 });
  const html = adfToHtml(rich, { users, css: '' });
  expect(html.report.filter((e) => e.kind === 'content-missing')).toEqual([]);
});

test.each([
  ['mention', 'mention', 'doc/paragraph[0]/mention[1]'],
  ['status', 'status', 'doc/paragraph[0]/status[2]'],
  ['date', 'date', 'doc/paragraph[1]/date[0]'],
  ['emoji', 'emoji', 'doc/paragraph[1]/emoji[1]'],
  ['blockCard', 'blockCard', 'doc/blockCard[2]'],
  ['expand', 'expand', 'doc/expand[4]'],
])('a %s a handler drops is reported at its path', (type, what, path) => {
  const { report, fidelity } = adfToMarkdown(rich, { handlers: { [type]: () => undefined } });
  const missing = report.filter((e) => e.kind === 'content-missing');
  expect(missing).toContainEqual(expect.objectContaining({ what, path }));
  expect(fidelity?.missing).toBe(missing.length);
});

test('a dropped code block is reported once per line, a dropped link URL at its text', () => {
  const { report } = adfToMarkdown(rich, { handlers: { codeBlock: () => undefined }, marks: { link: (_s, _m, children) => children } });
  const missing = report.filter((e) => e.kind === 'content-missing').map((e) => `${e.path} ${e.detail}`);
  expect(missing).toEqual([
    expect.stringMatching(/^doc\/paragraph\[1\]\/text\[2\] A link URL/),
    expect.stringMatching(/^doc\/codeBlock\[3\]\/text\[0\] A text/),
    expect.stringMatching(/^doc\/codeBlock\[3\]\/text\[0\] A text/),
  ]);
});

test('text lost inside a nested table is reported with its path through the embedded document', () => {
  const inner = { type: 'doc', version: 1, content: [{ type: 'table', content: [{ type: 'tableRow', content: [{ type: 'tableCell', content: [para(text('inner cell'))] }] }] }] };
  const input = doc({ type: 'extension', attrs: { extensionKey: 'nested-table', parameters: { adf: JSON.stringify(inner) } } });
  expect(adfToMarkdown(input).report.filter((e) => e.kind === 'content-missing')).toEqual([]);
  const lossy = adfToMarkdown(input, { handlers: { extension: () => undefined } });
  expect(lossy.report).toContainEqual(
    expect.objectContaining({ kind: 'content-missing', what: 'text', path: 'doc/extension[0]/doc[0]/table[0]/tableRow[0]/tableCell[0]/paragraph[0]/text[0]' }),
  );
});

test('the report names no page text', () => {
  const { report } = adfToMarkdown(doc(para(text('secret payroll figure'))), { handlers: { paragraph: () => undefined } });
  expect(report).toHaveLength(1);
  expect(JSON.stringify(report)).not.toMatch(/secret|payroll/);
});

test('links removed on purpose are not expected; rewritten links are expected as rewritten', () => {
  const input = doc(para(text('bad', [{ type: 'link', attrs: { href: 'javascript:alert(1)' } }]), text(' good', [{ type: 'link', attrs: { href: 'https://wiki/x' } }])));
  expect(verifyExport(input, 'bad good https://wiki/x').missing).toEqual([]);
  expect(verifyExport(input, 'bad good ../x.md', { linkRewrite: () => '../x.md' }).missing).toEqual([]);
  expect(verifyExport(input, 'bad good', { linkRewrite: () => '../x.md' }).missing).toHaveLength(1);
});

test('source text is literal and a backslash-escaped `&` starts no reference (issue 21: MkDocs writes `&` as `&#x26;`)', () => {
  const input = { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'AT&amp;T' }] }] };
  expect(verifyExport(input, 'AT&#x26;amp;T').missing).toEqual([]);
  expect(verifyExport(input, 'AT\\&amp;T').missing).toEqual([]);
  // An export that showed `AT&T` lost the text the page holds.
  expect(verifyExport(input, 'AT&amp;T').missing).toHaveLength(1);
  expect(verifyExport(input, 'AT&T').missing).toHaveLength(1);
});

test('squash decodes references and keeps only letters and digits', () => {
  expect(squash('a&#x20;b\\*c* &amp; <ins>d</ins> &#10;é1')).toBe('abcinsdinsé1');
});

test('squash (ASCII by char code, regex only on non-ASCII runs) equals the one-regex definition', () => {
  const tricky = [
    '',
    'plain ascii 123',
    '***',
    'e\u0301 combining acute after ASCII, a\u0308\u0304 two marks',
    '\u0301 leading mark, trailing mark a\u0301',
    'astral letters 𝒜𝔅 𐐷 and emoji 😀👍🏽 and CJK 漢字かな',
    'digits in other scripts: ٣٤ ५६ ൧ Ⅻ ² ½ 𝟘',
    'ª º µ ß ǅ ÿ\u00a0nbsp\u2009thin\u200bzwsp\u00adshy',
    'lone surrogates \ud800 x \udc00 y',
    'references &#x41;&#66;&amp;&lt;x&gt; &#x1D49C; &#x301;a &#0; &#x110000; &bogus; &NBSP; &#10;é1',
    'a&#x20;b\\*c* &amp; <ins>d</ins>',
    'mixed-é-ü_ö.ñ/ø¿¡«»—…',
  ];
  for (const s of tricky) expect(squash(s)).toBe(squashByRegex(s));
  // Random strings over the same alphabet, fixed seed.
  const alphabet = [...new Set(tricky.join(''))];
  let seed = 7;
  const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let n = 0; n < 2000; n += 1) {
    const s = Array.from({ length: Math.floor(next() * 24) }, () => alphabet[Math.floor(next() * alphabet.length)] ?? '').join('');
    expect(squash(s)).toBe(squashByRegex(s));
  }
});

test('a document 100,000 levels deep is verified without overflow', () => {
  let node: unknown = text('bottom');
  for (let i = 0; i < 100_000; i += 1) node = { type: 'blockquote', content: [node] };
  expect(verifyExport(doc(node), 'bottom').units).toBe(1);
  expect(verifyExport(doc(node), 'nothing').missing[0]?.path?.split('/')).toHaveLength(100_002);
});

describe('structure (issue 25)', () => {
  const task = (state: string, text: string, ...nested: unknown[]) => ({ type: 'taskItem', attrs: { localId: 'x', state }, content: [{ type: 'text', text }, ...nested] });
  const tasks = { type: 'doc', content: [{ type: 'taskList', attrs: { localId: 'l' }, content: [task('TODO', 'task'), { type: 'taskList', attrs: { localId: 'm' }, content: [task('DONE', 'Nested')] }] }] };
  const structure = (doc: unknown, output: string, report: ReportEntry[] = []) => verifyExport(doc, output, { report }).structure;

  test('task boxes and their states, nesting depth', () => {
    expect(structure(tasks, '- [ ] task\n  - [x] Nested\n')).toEqual([]);
    expect(structure(tasks, '<ul><li><input type="checkbox" disabled> task<ul><li><input type="checkbox" disabled checked> Nested</li></ul></li></ul>')).toEqual([]);
    // The flattened output of issue 25 item 1: words kept, a state and the nesting lost.
    const flat = structure(tasks, '- [ ] taskNested\n');
    expect(flat.map((e) => e.kind)).toEqual(['structure-missing', 'structure-missing']);
    expect(flat[0]?.path).toBe('doc/taskList[0]/taskItem[0]');
    expect(structure(tasks, '- [ ] task\n  - [ ] Nested\n')).toHaveLength(1);
    // A loss the converter named is not a finding.
    expect(structure(tasks, '- [ ] task Nested\n', [{ kind: 'flattened', what: 'taskList', detail: '' }])).toEqual([]);
  });

  test('code languages, table cells (merged too), panels, expands', () => {
    const code = { type: 'doc', content: [{ type: 'codeBlock', attrs: { language: 'cpp' }, content: [{ type: 'text', text: 'x' }] }] };
    expect(structure(code, '```cpp\nx\n```')).toEqual([]);
    expect(structure(code, '<pre><code class="language-cpp">x</code></pre>')).toEqual([]);
    expect(structure(code, '```\nx\n```')).toHaveLength(1);
    const cell = (colspan = 1) => ({ type: 'tableCell', attrs: { colspan }, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'c' }] }] });
    const table = { type: 'doc', content: [{ type: 'table', content: [{ type: 'tableRow', content: [cell(2), cell()] }] }] };
    expect(structure(table, '<table><tr><td colspan="2">c</td><td>c</td></tr></table>')).toEqual([]);
    expect(structure(table, '<table><tr><td>c</td><td>c</td></tr></table>')).toHaveLength(1);
    expect(structure(table, '| c |\n| - |\n')).toHaveLength(1);
    const panel = { type: 'doc', content: [{ type: 'panel', attrs: { panelType: 'warning' }, content: [] }, { type: 'expand', attrs: { title: 'T' }, content: [] }] };
    expect(structure(panel, '> [!WARNING]\n\n<details>\n<summary>T</summary>\n</details>')).toEqual([]);
    expect(structure(panel, '> [!NOTE]\n\n<details>\n<summary>T</summary>\n</details>')).toHaveLength(1);
    expect(structure(panel, '> [!WARNING]\n\n**T**')).toHaveLength(1);
  });

  test('a link on media is expected even when the file is gone', () => {
    const doc = { type: 'doc', content: [{ type: 'mediaSingle', content: [{ type: 'media', attrs: { id: 'gone', type: 'file' }, marks: [{ type: 'link', attrs: { href: 'https://example.com/t' } }] }] }] };
    expect(verifyExport(doc, '*[Missing attachment: gone]*').missing).toHaveLength(1);
    expect(verifyExport(doc, '[*[Missing attachment: gone]*](https://example.com/t)').missing).toEqual([]);
  });
});
