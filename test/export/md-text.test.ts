/**
 * The fast `text` handler must serialize exactly like mdast-util-to-markdown's own: every case is
 * serialized with and without it and compared, including the escapes it relies on the library for.
 */
import type * as Md from 'mdast';
import { defaultHandlers, toMarkdown, type Info, type Options } from 'mdast-util-to-markdown';
import { gfmToMarkdown } from 'mdast-util-gfm';
import { text, textHandler } from '../../src/export/md-text';
import { DIALECTS, type Dialect } from '../../src/export/escape';

const base: Options = { extensions: [gfmToMarkdown()], bullet: '-', fences: true, rule: '-', listItemIndent: 'one' };
const fast: Options = { ...base, handlers: { text } };

function both(tree: Md.Root): { ours: string; library: string } {
  return { ours: toMarkdown(structuredClone(tree), fast), library: toMarkdown(structuredClone(tree), base) };
}

const t = (value: string): Md.Text => ({ type: 'text', value });
const p = (...children: Md.PhrasingContent[]): Md.Paragraph => ({ type: 'paragraph', children });
const root = (...children: Md.RootContent[]): Md.Root => ({ type: 'root', children });

describe('fast text handler', () => {
  test.each([
    ['asterisk', root(p(t('a*b'))), 'a\\*b\n'],
    ['underscore at a word edge', root(p(t('_a'))), '\\_a\n'],
    ['ampersand before a letter', root(p(t('AT&T'))), 'AT\\&T\n'],
    ['trailing space at paragraph end', root(p(t('end '))), 'end&#x20;\n'],
    ['backslash before punctuation', root(p(t('a\\*'))), 'a\\\\\\*\n'],
    ['hash after a break', root(p(t('a'), { type: 'break' }, t('# b'))), 'a\\\n\\# b\n'],
    ['bracket', root(p(t('[x]'))), '\\[x]\n'],
    ['plain prose', root(p(t('nothing to escape here, really.'))), 'nothing to escape here, really.\n'],
  ])('%s', (_name, tree, expected) => {
    const { ours, library } = both(tree);
    expect(library).toBe(expected);
    expect(ours).toBe(library);
  });

  test('a pipe is escaped inside a table cell but not outside', () => {
    const cell = (value: string): Md.TableCell => ({ type: 'tableCell', children: [t(value)] });
    const tree = root(p(t('a|b')), {
      type: 'table',
      children: [
        { type: 'tableRow', children: [cell('h|1'), cell('h2')] },
        { type: 'tableRow', children: [cell('x'), cell('y|z')] },
      ],
    });
    const { ours, library } = both(tree);
    expect(library).toContain('h\\|1');
    expect(library.startsWith('a|b\n')).toBe(true);
    expect(ours).toBe(library);
  });

  test('autolink text is left to the library', () => {
    const tree = root(p({ type: 'link', url: 'https://a.b/c d', title: null, children: [t('https://a.b/c d')] }));
    const { ours, library } = both(tree);
    expect(ours).toBe(library);
  });

  test('random phrasing full of Markdown characters serializes as the library does', () => {
    const randomTree = trees(11);
    let escaped = 0;
    for (let i = 0; i < 200; i += 1) {
      const tree = randomTree();
      const { ours, library } = both(tree);
      expect(ours).toBe(library);
      if (/\\[*_`[\]<>|~#]|&#x/.test(library)) escaped += 1;
    }
    // The comparison only means something if the library did escape things.
    expect(escaped).toBeGreaterThan(60);
  });

  // Each preset's dialect (../escape) adds unsafe patterns and characters written as references:
  // the fast handler must still equal the library's handler given the same patterns and `encode`.
  test.each(['mdx', 'python-markdown', 'obsidian'] as Dialect[])('with the %s dialect it serializes as the library does', (dialect) => {
    const rules = DIALECTS[dialect];
    const withRules: Options = { ...base, extensions: [gfmToMarkdown(), { unsafe: rules.unsafe }] };
    const library: Options = { ...withRules, handlers: { text: (node, parent, state, info) => defaultHandlers.text(node, parent, state, { ...info, encode: [...rules.encode] } as Info) } };
    const ours: Options = { ...withRules, handlers: { text: textHandler(rules.encode) } };
    const hostile = root(p(t('{x} <b> export const a %%c%% ==h== #tag ^id-1 $m$ AT&amp;T')), p(t('import x')));
    let differs = 0;
    const randomTree = trees(11, ['{', '}', '%', '$', '^', '&amp;', '\nimport ', '\nexport ']);
    for (const tree of [hostile, ...Array.from({ length: 150 }, randomTree)]) {
      const a = toMarkdown(structuredClone(tree), ours);
      expect(a).toBe(toMarkdown(structuredClone(tree), library));
      if (a !== toMarkdown(structuredClone(tree), fast)) differs += 1;
    }
    // The dialect did change the output, so the comparison covers its patterns.
    expect(differs).toBeGreaterThan(20);
  });
});

/** Random trees full of Markdown characters, the same for the same seed. */
function trees(start: number, extra: readonly string[] = []): () => Md.Root {
  let seed = start;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const alphabet = ['a', ' ', '\n', '\t', '*', '_', '`', '~', '#', '-', '+', '.', ')', '(', '[', ']', '!', '<', '>', '&', '\\', '|', ':', '@', '=', '1', 'w', '/', 'é', '😀', 'www.', 'http://', '1. ', '- ', ...extra];
  const str = (): string => Array.from({ length: 1 + Math.floor(rand() * 8) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
  const phrasing = (depth: number): Md.PhrasingContent => {
    const r = rand();
    if (depth > 1 || r < 0.5) return t(str());
    const children = [phrasing(depth + 1), phrasing(depth + 1)];
    if (r < 0.6) return { type: 'strong', children };
    if (r < 0.7) return { type: 'emphasis', children };
    if (r < 0.75) return { type: 'delete', children };
    if (r < 0.85) return { type: 'link', url: `https://x.y/${str()}`, title: null, children };
    if (r < 0.9) return { type: 'inlineCode', value: str() };
    if (r < 0.95) return { type: 'break' };
    return { type: 'html', value: '<ins>' };
  };
  const para = (): Md.Paragraph => p(...Array.from({ length: 1 + Math.floor(rand() * 4) }, () => phrasing(0)));
  const block = (): Md.RootContent => {
    const r = rand();
    if (r < 0.4) return para();
    if (r < 0.55) return { type: 'heading', depth: 2, children: para().children };
    if (r < 0.7) return { type: 'list', ordered: rand() < 0.5, spread: false, children: [{ type: 'listItem', spread: false, children: [para()] }] };
    if (r < 0.85) return { type: 'blockquote', children: [para()] };
    const cell = (): Md.TableCell => ({ type: 'tableCell', children: para().children });
    return { type: 'table', children: [{ type: 'tableRow', children: [cell(), cell()] }, { type: 'tableRow', children: [cell(), cell()] }] };
  };
  return () => root(...Array.from({ length: 1 + Math.floor(rand() * 3) }, block));
}
