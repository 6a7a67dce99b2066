import { adfToMarkdown } from '../../src/export/markdown';
import { AdfError } from '../../src/export/adf';
import { Report, summarize, type ReportEntry } from '../../src/export/report';

const doc = (...content: unknown[]) => ({ type: 'doc', version: 1, content });
const p = (...content: unknown[]) => ({ type: 'paragraph', content });

describe('fidelity report', () => {
  test('a dropped text colour is reported with its path and page', () => {
    const { markdown, report } = adfToMarkdown(
      doc(p({ type: 'text', text: 'red', marks: [{ type: 'textColor', attrs: { color: '#ff0000' } }] })),
      { pageId: '42' },
    );
    expect(markdown).toBe('red\n');
    expect(report).toEqual([
      { kind: 'dropped-mark', what: 'textColor', detail: expect.stringContaining('#ff0000'), path: 'doc/paragraph[0]/text[0]', pageId: '42' },
    ]);
  });

  test('an unknown macro leaves a visible placeholder and an unsupported-macro entry', () => {
    const { markdown, report } = adfToMarkdown(doc({ type: 'extension', attrs: { extensionKey: 'roadmap', extensionType: 'x' } }));
    expect(markdown).toBe('*\\[Macro: roadmap]*\n');
    expect(report).toEqual([expect.objectContaining({ kind: 'unsupported-macro', what: 'roadmap', path: 'doc/extension[0]' })]);
  });

  test('media the resolver cannot find is reported as attachment-missing', () => {
    const media = { type: 'mediaSingle', content: [{ type: 'media', attrs: { id: 'm1', type: 'file', collection: 'c' } }] };
    const { markdown, report } = adfToMarkdown(doc(media), { media: () => undefined });
    expect(markdown).toContain('Missing attachment: m1');
    expect(report.map((e) => [e.kind, e.what])).toEqual([['attachment-missing', 'media']]);
  });

  test('resolved media is an image with no report entry', () => {
    const media = { type: 'mediaSingle', content: [{ type: 'media', attrs: { id: 'm1', type: 'file', alt: 'Plan' } }] };
    const { markdown, report } = adfToMarkdown(doc(media), { media: () => ({ href: 'a/plan.png', isImage: true }) });
    expect(markdown).toBe('![Plan](a/plan.png)\n');
    expect(report).toEqual([]);
  });

  test('unknown nodes and marks are reported, their text kept', () => {
    const { markdown, report } = adfToMarkdown(doc(p({ type: 'text', text: 'glow', marks: [{ type: 'neon' }] }), { type: 'hologram', content: [p({ type: 'text', text: 'inside' })] }));
    expect(markdown).toBe('glow\n\ninside\n');
    expect(report.map((e) => `${e.kind}:${e.what}`)).toEqual(['unsupported-mark:neon', 'unsupported-node:hologram']);
  });

  test('whole-construct approximations are reported once per document', () => {
    const decision = { type: 'decisionList', content: [{ type: 'decisionItem', attrs: { state: 'DECIDED' }, content: [{ type: 'text', text: 'x' }] }] };
    const { report } = adfToMarkdown(doc(decision, decision));
    expect(report.filter((e) => e.what === 'decisionList')).toHaveLength(1);
  });

  test('an unresolved mention keeps its text and is reported; a resolved one is not', () => {
    const mention = (id: string, text?: string) => ({ type: 'mention', attrs: { id, text } });
    const { markdown, report } = adfToMarkdown(doc(p(mention('a'), { type: 'text', text: ' ' }, mention('b'))), { users: new Map([['a', 'Ana']]) });
    expect(markdown).toBe('@Ana @b\n');
    expect(report).toEqual([expect.objectContaining({ kind: 'approximated', what: 'mention' })]);
  });

  test('javascript: links lose the link, keep the text, and are reported', () => {
    const { markdown, report } = adfToMarkdown(doc(p({ type: 'text', text: 'click', marks: [{ type: 'link', attrs: { href: ' JaVa\tScript:alert(1)' } }] })));
    expect(markdown).toBe('click\n');
    expect(report[0]).toEqual(expect.objectContaining({ kind: 'approximated', what: 'link' }));
  });

  test('callers can override a handler', () => {
    const { markdown } = adfToMarkdown(doc({ type: 'rule' }), { handlers: { rule: () => ({ type: 'paragraph', children: [{ type: 'text', value: 'RULE' }] }) } });
    expect(markdown).toBe('RULE\n');
  });

  test('input that is not an ADF doc throws AdfError', () => {
    expect(() => adfToMarkdown({ type: 'paragraph' })).toThrow(AdfError);
    expect(() => adfToMarkdown(null)).toThrow(/Not an ADF document/);
    expect(() => adfToMarkdown({ type: 'doc', content: 'x' })).toThrow(AdfError);
  });

  test('Report collects, merges and serializes; summarize groups by kind and what', () => {
    const a: ReportEntry = { kind: 'approximated', what: 'table', detail: 'one' };
    const b: ReportEntry = { kind: 'dropped-mark', what: 'textColor', detail: 'two' };
    const report = new Report();
    report.add(a);
    report.merge([b, b], new Report());
    expect(JSON.parse(JSON.stringify(report))).toEqual([a, b, b]);
    expect(summarize(report.entries())).toEqual([
      { kind: 'dropped-mark', what: 'textColor', count: 2, detail: 'two' },
      { kind: 'approximated', what: 'table', count: 1, detail: 'one' },
    ]);
  });
});
