import { anchorReport, annotationsOf, checkAnchor, sameText } from '../../src/comments/anchors';
import type { AdfNode } from '../../src/export/adf';

const ann = (id: string, type = 'inlineComment') => ({ type: 'annotation', attrs: { annotationType: type, id } });
const t = (text: string, ...marks: Array<{ type: string; attrs?: Record<string, unknown> }>): AdfNode => ({ type: 'text', text, ...(marks.length ? { marks } : {}) });
const p = (...content: AdfNode[]): AdfNode => ({ type: 'paragraph', content });
const doc = (...content: AdfNode[]): AdfNode => ({ type: 'doc', content });

describe('annotationsOf', () => {
  it('joins the text of consecutive marked nodes and numbers annotations in document order', () => {
    const d = doc(
      p(t('a '), t('second', ann('m2'))),
      p(t('bold ', ann('m1'), { type: 'strong' }), t('part', ann('m1')), t(' rest')),
    );
    const found = annotationsOf(d);
    expect([...found.keys()]).toEqual(['m2', 'm1']);
    expect(found.get('m1')).toEqual({ markerRef: 'm1', text: 'bold part', position: 1 });
    expect(found.get('m2')?.position).toBe(0);
  });

  it('joins a highlight spanning two paragraphs with a space, and ignores other annotation types', () => {
    const d = doc(p(t('end of one', ann('x'))), p(t('start of two', ann('x')), t('hidden', ann('y', 'somethingElse'))));
    const found = annotationsOf(d);
    expect(found.get('x')?.text).toBe('end of one start of two');
    expect(found.has('y')).toBe(false);
  });

  it('finds annotations inside nested blocks (lists, tables)', () => {
    const cell = { type: 'tableCell', content: [p(t('in a cell', ann('c')))] };
    const d = doc({ type: 'table', content: [{ type: 'tableRow', content: [cell] }] }, { type: 'bulletList', content: [{ type: 'listItem', content: [p(t('item', ann('l')))] }] });
    expect([...annotationsOf(d).values()].map((a) => [a.markerRef, a.text])).toEqual([['c', 'in a cell'], ['l', 'item']]);
  });
});

describe('checkAnchor and anchorReport', () => {
  const found = annotationsOf(doc(p(t('same words', ann('ok'))), p(t('new words', ann('edited'))), p(t('lonely', ann('orphan')))));

  it('classifies ok, changed, missing and unchecked', () => {
    expect(checkAnchor(found, 'ok', 'same  words')).toEqual({ state: 'ok', position: 0 });
    expect(checkAnchor(found, 'edited', 'old words')).toEqual({ state: 'changed', current: 'new words', position: 1 });
    expect(checkAnchor(found, 'gone', 'anything')).toEqual({ state: 'missing' });
    expect(checkAnchor(undefined, 'ok', 'same words')).toEqual({ state: 'unchecked' });
    // An empty original selection cannot be compared: the highlight exists, so it is ok.
    expect(checkAnchor(found, 'edited', '').state).toBe('ok');
  });

  it('lists dangling and changed threads and annotations without a thread', () => {
    const report = anchorReport(found, [
      { id: '1', markerRef: 'ok', selection: 'same words' },
      { id: '2', markerRef: 'edited', selection: 'old words' },
      { id: '3', markerRef: 'gone', selection: 'deleted text' },
    ]);
    expect(report).toEqual({
      checked: true,
      dangling: [{ commentId: '3', markerRef: 'gone', selection: 'deleted text' }],
      changed: [{ commentId: '2', markerRef: 'edited', selection: 'old words', current: 'new words' }],
      orphans: [{ markerRef: 'orphan', text: 'lonely' }],
    });
    expect(anchorReport(undefined, [{ id: '1', markerRef: 'ok', selection: 'x' }]).checked).toBe(false);
  });

  it('treats whitespace differences as the same text', () => {
    expect(sameText('a\u00a0b\n c ', 'a b c')).toBe(true);
    expect(sameText('a b', 'a c')).toBe(false);
  });
});
