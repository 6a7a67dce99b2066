import { bodyCap, clip, mentionIds, parseAdf, plainText, renderBody } from '../../src/comments/body';
import type { AdfNode } from '../../src/export/adf';

const bytes = (s: string) => new TextEncoder().encode(s).byteLength;

describe('comment bodies', () => {
  const doc: AdfNode = {
    type: 'doc',
    content: [
      { type: 'paragraph', content: [{ type: 'text', text: 'Hi ' }, { type: 'mention', attrs: { id: 'acc-1', text: '@old name' } }, { type: 'text', text: ', see', marks: [{ type: 'strong' }] }, { type: 'hardBreak' }, { type: 'text', text: 'next line' }] },
      { type: 'bulletList', content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'item one' }] }] }] },
      { type: 'codeBlock', content: [{ type: 'text', text: 'x = 1' }] },
    ],
  };

  it('renders plain text with mentions named from the users batch and blocks on their own lines', () => {
    expect(plainText(doc, new Map([['acc-1', 'Alice']]))).toBe('Hi @Alice, see\nnext line\nitem one\nx = 1');
    expect(plainText(doc)).toContain('@old name');
  });

  it('renders Markdown through the export converter', () => {
    const out = renderBody(doc, new Map([['acc-1', 'Alice']]), 'c1');
    expect(out.markdown).toContain('**');
    expect(out.markdown).toContain('- item one');
    expect(out.markdown).toContain('```');
    expect(out.text).toContain('item one');
  });

  it('keeps a body that is not ADF readable and reports it', () => {
    const out = renderBody({ type: 'paragraph', content: [{ type: 'text', text: 'loose' }] }, new Map(), 'c9');
    expect(out.markdown).toBe('loose');
    expect(out.report[0]?.detail).toContain('c9');
    expect(parseAdf('not json')).toBeUndefined();
    expect(parseAdf(undefined)).toBeUndefined();
    expect(renderBody(undefined, new Map(), 'c0')).toEqual({ markdown: '', text: '', report: [] });
  });

  it('collects mentioned account ids', () => {
    expect([...mentionIds(doc)]).toEqual(['acc-1']);
  });

  it('clips to a UTF-8 byte budget without splitting surrogate pairs', () => {
    expect(clip('short', 100)).toEqual({ value: 'short', clipped: false });
    const cjk = '漢'.repeat(100); // 300 bytes
    const cut = clip(cjk, 100);
    expect(cut.clipped).toBe(true);
    expect(bytes(cut.value)).toBeLessThanOrEqual(100);
    expect(cut.value.endsWith('…')).toBe(true);
    const emoji = '😀'.repeat(50);
    const e = clip(emoji, 30);
    expect(bytes(e.value)).toBeLessThanOrEqual(30);
    expect(e.value).not.toMatch(/[\ud800-\udbff]…$/);
  });

  it('shares the body budget among comments within bounds', () => {
    expect(bodyCap(1)).toBe(16_000);
    expect(bodyCap(1000)).toBe(800);
    expect(bodyCap(1_000_000)).toBe(200);
  });
});
