import { parse } from 'yaml';
import { frontMatter, type PageMeta } from '../../src/export/frontmatter';
import { adfToMarkdown } from '../../src/export/markdown';

const body = (fm: string): string => fm.replace(/^---\n/, '').replace(/---\n$/, '');

describe('front matter', () => {
  test.each([
    'Plain title',
    'Release: v2',
    '# not a comment',
    '- not a list',
    '"quoted" and \'single\'',
    'yes',
    'null',
    '12345',
    '会議メモ: 第3四半期',
    'مرحبا: العالم',
    'line one\nline two',
    '--- not a separator',
    '@at & *star',
  ])('title %j round-trips through YAML', (title) => {
    const fm = frontMatter({ id: '1', title });
    expect(fm.startsWith('---\n') && fm.endsWith('---\n')).toBe(true);
    expect(parse(body(fm))).toEqual({ id: '1', title });
    // A YAML 1.1 reader (Jekyll, PyYAML) must see the same strings.
    expect(parse(body(fm), { version: '1.1' })).toEqual({ id: '1', title });
  });

  test('all fields, in a fixed order, ids and labels stay strings', () => {
    const meta: PageMeta = {
      id: '98765', title: 'T', spaceKey: 'ENG', version: 3, author: 'Ana', created: '2024-01-02T00:00:00Z',
      updated: '2024-02-03T00:00:00Z', labels: ['on', '2024'], url: 'https://x.test/p?a=1#b',
    };
    const fm = frontMatter(meta);
    expect(Object.keys(parse(body(fm), { version: '1.1' }))).toEqual(['id', 'title', 'space', 'version', 'author', 'created', 'updated', 'labels', 'url']);
    expect(parse(body(fm), { version: '1.1' })).toMatchObject({ id: '98765', labels: ['on', '2024'], created: '2024-01-02T00:00:00Z', version: 3 });
  });

  test('adfToMarkdown puts it before the body', () => {
    const { markdown } = adfToMarkdown({ type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Hi' }] }] }, { frontMatter: { id: '7', title: 'A: B' } });
    expect(markdown).toBe('---\nid: "7"\ntitle: "A: B"\n---\n\nHi\n');
  });
});
