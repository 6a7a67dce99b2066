/**
 * Inputs built to break the converter: prototype member names as types, absurd depth, malformed
 * nodes. None may throw; every text must survive.
 */
import { adfToMarkdown } from '../../src/export/markdown';
import { adfToHtml } from '../../src/export/html';
import { MAX_DEPTH } from '../../src/export/adf/state';
import type { AdfNode } from '../../src/export/adf';
import { createGenerator, loadAdfSchema, rng } from './adf-generator';

const doc = (...content: unknown[]): unknown => ({ type: 'doc', version: 1, content });
const para = (...content: unknown[]): unknown => ({ type: 'paragraph', content });
const text = (value: string, marks?: unknown[]): unknown => (marks ? { type: 'text', text: value, marks } : { type: 'text', text: value });

/** Markdown as a reader sees it: the serializer may write a letter as a character reference. */
const readable = (md: string): string => md.replace(/&#x([0-9a-f]+);/gi, (_m, hex: string) => String.fromCodePoint(parseInt(hex, 16)));

const prototypeNames = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

describe.each(prototypeNames)('type named %s', (name) => {
  test('as a block node: converted as unknown, its text kept', () => {
    // JSON.parse makes an own "__proto__" key, as a hostile page body would.
    const input = JSON.parse(JSON.stringify(doc({ type: name, content: [para(text('inside block'))] })));
    const { markdown, report } = adfToMarkdown(input);
    expect(markdown).toContain('inside block');
    expect(report).toContainEqual(expect.objectContaining({ kind: 'unsupported-node', what: name }));
  });

  test('as an inline node and a mark', () => {
    const input = JSON.parse(JSON.stringify(doc(para({ type: name, attrs: { text: 'leaf text' } }, text('marked', [{ type: name }])))));
    const { markdown, report } = adfToMarkdown(input);
    expect(readable(markdown)).toContain('leaf text');
    expect(readable(markdown)).toContain('marked');
    expect(report).toContainEqual(expect.objectContaining({ kind: 'unsupported-mark', what: name }));
  });

  test('as a panel type and a macro key: no function source printed', () => {
    const input = JSON.parse(
      JSON.stringify(
        doc(
          { type: 'panel', attrs: { panelType: name }, content: [para(text('panel body'))] },
          { type: 'bodiedExtension', attrs: { extensionKey: name, parameters: { macroParams: { [name]: { value: 'x' } } } }, content: [para(text('macro body'))] },
        ),
      ),
    );
    const md = adfToMarkdown(input).markdown;
    const html = adfToHtml(input, { css: '' }).html;
    for (const out of [md, html]) {
      expect(out).toContain('panel body');
      expect(out).toContain('macro body');
      expect(out).not.toMatch(/native code|function|\[object/);
    }
    expect(html).toContain('panel-info');
  });
});

function deep(levels: number, wrap: (inner: unknown) => unknown, leaf: unknown): unknown {
  let node = leaf;
  for (let i = 0; i < levels; i += 1) node = wrap(node);
  return node;
}

describe('depth', () => {
  test.each([
    ['blockquotes', (inner: unknown) => ({ type: 'blockquote', content: [inner] })],
    ['lists', (inner: unknown) => ({ type: 'bulletList', content: [{ type: 'listItem', content: [para(text('item')), inner] }] })],
    ['expands', (inner: unknown) => ({ type: 'nestedExpand', attrs: { title: 't' }, content: [inner] })],
    ['unknown nodes', (inner: unknown) => ({ type: 'mystery', content: [inner] })],
  ])('2,000 nested %s: no overflow, the deepest text kept, the flattening reported', (_name, wrap) => {
    const input = doc(deep(2000, wrap, para(text('bottom text'))));
    const { markdown, report } = adfToMarkdown(input);
    expect(markdown).toContain('bottom text');
    expect(adfToHtml(input, { css: '' }).html).toContain('bottom text');
    // One entry per subtree cut off at the bound (a list item's paragraph and its sub-list are two).
    const flat = report.filter((e) => e.kind === 'flattened');
    expect(flat.length).toBeGreaterThanOrEqual(1);
    expect(flat.length).toBeLessThanOrEqual(2);
    for (const e of flat) expect(e.path?.split('/').length).toBe(MAX_DEPTH + 1);
  });

  test('content within the bound is not flattened', () => {
    const input = doc(deep(20, (inner) => ({ type: 'blockquote', content: [inner] }), para(text('shallow'))));
    const { markdown, report } = adfToMarkdown(input);
    expect(report.filter((e) => e.kind === 'flattened')).toEqual([]);
    expect(markdown).toContain(`${'> '.repeat(20)}shallow`);
  });

  test('a deep code block is read without recursion', () => {
    const input = doc({ type: 'codeBlock', content: [deep(5000, (inner) => ({ type: 'x', content: [inner] }), text('deep code'))] });
    expect(adfToMarkdown(input).markdown).toContain('deep code');
  });
});

describe('malformed nodes', () => {
  test.each([
    ['content not an array', { type: 'paragraph', content: 'oops' }],
    ['null child', { type: 'paragraph', content: [null, text('after null')] }],
    ['child without type', { type: 'bulletList', content: [{ content: [] }, { type: 'listItem', content: [para(text('real item'))] }] }],
    ['marks not an array', { type: 'paragraph', content: [{ type: 'text', text: 'odd marks', marks: 'strong' }] }],
    ['null mark', { type: 'paragraph', content: [text('null mark', [null, { type: 'strong' }])] }],
    ['attrs a string', { type: 'heading', attrs: 'level', content: [text('odd heading')] }],
    ['text a number', { type: 'paragraph', content: [{ type: 'text', text: 42 }, text('next')] }],
    ['code block with a null line', { type: 'codeBlock', content: [null, text('code line')] }],
  ])('%s: converts without throwing', (_name, node) => {
    const input = doc(node);
    expect(() => adfToMarkdown(input)).not.toThrow();
    expect(() => adfToHtml(input, { css: '' })).not.toThrow();
    const texts = JSON.stringify(node).match(/"text":"([^"]+)"/g) ?? [];
    const md = adfToMarkdown(input).markdown;
    for (const t of texts) expect(md).toContain(t.slice(8, -1));
  });

  test('a handler that throws keeps the node text and reports it', () => {
    const { markdown, report } = adfToMarkdown(doc(para(text('kept anyway'))), {
      handlers: {
        paragraph: () => {
          throw new TypeError('boom');
        },
      },
    });
    expect(markdown).toContain('kept anyway');
    expect(report).toContainEqual(expect.objectContaining({ kind: 'unsupported-node', what: 'paragraph', path: 'doc/paragraph[0]' }));
  });
});

test('the converter does not mutate its input', () => {
  const input = doc({ type: 'paragraph', content: 'oops' }, para(text('x', [null])));
  const copy = JSON.parse(JSON.stringify(input)) as AdfNode;
  adfToMarkdown(input);
  expect(input).toEqual(copy);
});

test('content that is no row or cell inside a table is kept in a row of its own', () => {
  const input = doc({
    type: 'table',
    content: [
      { type: 'tableRow', content: [{ type: 'tableHeader', content: [para(text('head'))] }, para(text('stray in row'))] },
      para(text('stray in table')),
    ],
  });
  const { markdown } = adfToMarkdown(input);
  expect(markdown).toContain('stray in row');
  expect(markdown).toContain('stray in table');
  expect(markdown).toContain('head');
});

test('a table cut by the depth bound keeps its text', () => {
  let node: unknown = para(text('deep cell text'));
  for (let i = 0; i < 30; i += 1) node = { type: 'table', content: [{ type: 'tableRow', content: [{ type: 'tableCell', content: [node] }] }] };
  const { markdown, report } = adfToMarkdown(doc(node));
  expect(markdown).toContain('deep cell text');
  expect(report.some((e) => e.kind === 'flattened')).toBe(true);
});

describe('mutated schema documents', () => {
  // Valid generated documents with node types swapped (prototype names, leaves given content),
  // attrs, marks and content made malformed: type confusion a hostile page body can carry.
  const types = ['__proto__', 'constructor', 'toString', 'mystery', 'paragraph', 'text', 'table', 'tableRow', 'tableCell', 'listItem', 'panel', 'date', 'mention', 'status', 'emoji', 'media', 'mediaSingle', 'hardBreak', 'rule', 'extension', 'inlineExtension', 'heading', 'codeBlock', 'taskItem', 'decisionItem', 'expand', 'caption', 'blockCard'];

  test('200 mutated documents: no crash, almost every unit kept', () => {
    const schema = loadAdfSchema();
    const next = createGenerator(schema, 11);
    const rand = rng(11);
    const pick = (): string => types[Math.floor(rand() * types.length)] as string;
    const mutate = (node: unknown, root: boolean): unknown => {
      if (typeof node !== 'object' || node === null) return node;
      const n = node as { type?: string; attrs?: unknown; marks?: unknown; content?: unknown };
      const r = rand();
      if (r < 0.1 && !root) n.type = pick();
      else if (r < 0.12) n.attrs = 'x';
      else if (r < 0.14) n.marks = [{ type: pick() }, null];
      else if (r < 0.15 && !root) n.content = { length: 3 };
      if (Array.isArray(n.content)) n.content = n.content.map((c) => mutate(c, false));
      return n;
    };
    let units = 0;
    let missing = 0;
    for (let i = 0; i < 200; i += 1) {
      const input = mutate(next(), true);
      const md = adfToMarkdown(input);
      adfToHtml(input, { css: '' });
      units += md.fidelity?.units ?? 0;
      missing += md.fidelity?.missing ?? 0;
    }
    expect(units).toBeGreaterThan(300);
    // What is left is leaf content no handler can place (an emoji without text inside a code block).
    expect(missing / units).toBeLessThan(0.02);
  });
});
