import { CSV_COLUMNS, csvCell, exportComments, toCsv } from '../../src/comments/formats';
import type { CommentView } from '../../src/shared/comments';

describe('csvCell', () => {
  it.each([
    ['=1+2', "'=1+2"],
    ['+SUM(A1)', "'+SUM(A1)"],
    ['-2+3', "'-2+3"],
    ['@cmd', "'@cmd"],
    ['\t=evil', "'\t=evil"],
    ['\r=evil', "\"'\r=evil\""],
    ['  =HYPERLINK("http://x")', "\"'  =HYPERLINK(\"\"http://x\"\")\""],
    // Issue 21: invisible or non-ASCII spaces before the sign, and fullwidth signs.
    ['\u00a0=1+2', "'\u00a0=1+2"],
    ['\u3000=1+2', "'\u3000=1+2"],
    ['\u200b=1+2', "'\u200b=1+2"],
    ['\ufeff+1', "'\ufeff+1"],
    ['\u2060@cmd', "'\u2060@cmd"],
    ['\u200b\u00a0 -1', "'\u200b\u00a0 -1"],
    ['\uff1dSUM(A1)', "'\uff1dSUM(A1)"],
    ['\uff0b1', "'\uff0b1"],
    ['\uff0d1', "'\uff0d1"],
    ['\uff20cmd', "'\uff20cmd"],
    ['\u3000\uff1d1', "'\u3000\uff1d1"],
  ])('neutralizes a formula in %j', (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  it('quotes commas, quotes and line breaks, and leaves plain text alone', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell('plain text')).toBe('plain text');
    expect(csvCell('a=b')).toBe('a=b');
    expect(csvCell('a\u00a0=b')).toBe('a\u00a0=b');
    expect(csvCell('\u200bplain')).toBe('\u200bplain');
    expect(csvCell(3)).toBe('3');
    expect(csvCell(undefined)).toBe('');
  });
});

function view(o: Partial<CommentView>): CommentView {
  const id = o.id ?? '1';
  return {
    id, kind: 'footer', threadId: id, parentId: null, depth: 0, authorId: 'acc', author: 'Ann', created: '2024-01-01T00:00:00Z',
    updated: '2024-01-01T00:00:00Z', version: 1, markdown: 'body', text: 'body', clipped: false, replies: [], ...o,
  };
}

const deep = view({
  id: '1',
  kind: 'inline',
  markdown: '**Root** body',
  inline: { markerRef: 'm1', selection: 'quoted words', status: 'resolved', anchor: 'changed', currentText: 'new words', resolvedBy: { accountId: 'b', name: 'Bob' }, resolvedAt: '2024-02-01T00:00:00Z' },
  replies: [view({ id: '2', threadId: '1', parentId: '1', depth: 1, kind: 'inline', text: '=cmd|calc', markdown: 'reply *one*', replies: [view({ id: '3', threadId: '1', parentId: '2', depth: 2, kind: 'inline', markdown: 'reply two' })] })],
});

describe('CSV export', () => {
  it('writes one row per comment with thread id and depth, BOM and CRLF', () => {
    const csv = toCsv([deep, view({ id: '9', text: 'plain' })]);
    expect(csv.startsWith('\uFEFF')).toBe(true);
    const rows = csv.slice(1).split('\r\n').filter(Boolean);
    expect(rows[0]).toBe(CSV_COLUMNS.join(','));
    expect(rows).toHaveLength(5);
    const col = (row: string | undefined, name: (typeof CSV_COLUMNS)[number]) => (row ?? '').split(',')[CSV_COLUMNS.indexOf(name)];
    expect(rows.slice(1).map((r) => [col(r, 'thread_id'), col(r, 'comment_id'), col(r, 'parent_id'), col(r, 'depth')])).toEqual([
      ['1', '1', '', '0'], ['1', '2', '1', '1'], ['1', '3', '2', '2'], ['9', '9', '', '0'],
    ]);
    expect(col(rows[1], 'anchor_text')).toBe('quoted words');
    expect(col(rows[1], 'resolved_by')).toBe('Bob');
    expect(col(rows[2], 'status')).toBe('resolved');
    expect(col(rows[2], 'text')).toBe("'=cmd|calc");
  });
});

describe('Markdown and JSON export', () => {
  const input = {
    content: { id: '42', type: 'page' as const, title: 'My page' },
    threads: [deep],
    counts: { total: 3, threads: 1, footer: 0, inline: 3, open: 0, resolved: 1, byStatus: { open: 0, reopened: 0, resolved: 1, dangling: 0 }, anchorIssues: 1 },
    anchors: { checked: true, dangling: [], changed: [], orphans: [{ markerRef: 'o1', text: 'lonely words' }] },
    skipped: [{ id: '5', kind: 'footer' as const, parentId: '1', reason: 'not-found' as const, detail: 'gone' }],
  };

  it('writes threads with the anchor quoted, nested replies, anchor notes and what was skipped', () => {
    const file = exportComments('markdown', input);
    expect(file.fileName).toBe('My page (comments).md');
    const md = file.content;
    expect(md).toContain('# Comments on “My page”');
    expect(md).toContain('> quoted words');
    expect(md).toContain('now reads “new words”');
    expect(md).toContain('Resolved by Bob on 2024-02-01');
    expect(md).toContain('**Root** body');
    // Replies nest as list items, with their Markdown bodies indented under them.
    expect(md).toMatch(/\n- \*\*Ann\*\*[^\n]*\n\n {2}reply \*one\*\n\n {2}- \*\*Ann\*\*[^\n]*\n\n {4}reply two/);
    expect(md).toContain('lonely words');
    expect(md).toContain('Comment 5 (footer): gone');
  });

  it('writes JSON that parses back to the same threads', () => {
    const file = exportComments('json', input);
    expect(file.mediaType).toBe('application/json');
    expect(JSON.parse(file.content)).toEqual(input);
  });
});
