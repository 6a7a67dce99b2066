import { renderPage } from '../../src/export/service';
import { reportLine } from '../../src/shared/export';
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
      { kind: 'dropped-mark', what: 'textColor', count: 2, detail: 'two', details: ['two'] },
      { kind: 'approximated', what: 'table', count: 1, detail: 'one', details: ['one'] },
    ]);
  });
});

describe('each format reports what it loses (issue 23 part 2)', () => {
  const rich = (): unknown => ({
    type: 'doc', version: 1, content: [
      { type: 'panel', attrs: { panelType: 'success' }, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'ok' }] }] },
      { type: 'panel', attrs: { panelType: 'custom' }, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'own' }] }] },
      { type: 'paragraph', content: [{ type: 'status', attrs: { text: 'DONE', color: 'green' } }, { type: 'text', text: ' red', marks: [{ type: 'textColor', attrs: { color: '#ff5630' } }] }] },
      { type: 'table', content: [{ type: 'tableRow', content: [{ type: 'tableCell', attrs: { colspan: 2 }, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'wide' }] }] }] }] },
      { type: 'extension', attrs: { extensionType: 'com.example', extensionKey: 'mystery-widget' } },
    ],
  });
  const page = { id: '1', title: 'Rich', version: { number: 3 }, body: { atlas_doc_format: { value: JSON.stringify(rich()) } } };
  const render = (format: 'md' | 'html' | 'json') => renderPage({ page, users: new Map(), media: new Map() } as never, { format, frontMatter: false, comments: false, anchors: false, attachments: false });
  const whats = (r: { report: Array<{ what: string; detail: string }> }) => r.report.map((e) => `${e.what}: ${e.detail}`);

  it('Markdown reports the panel kinds, status colours, text colour and merged cells it cannot keep', () => {
    const md = whats(render('md')).join('\n');
    expect(md).toMatch(/panel: Success panels became TIP alerts/);
    expect(md).toMatch(/status: Status lozenges became bold text/);
    expect(md).toMatch(/table: A table became an HTML table/);
    expect(md).toMatch(/textColor: The text colour \(#ff5630\) is not kept/);
  });

  it('HTML keeps panels, status colours and merged cells, and reports only what HTML loses', () => {
    const html = whats(render('html'));
    expect(html.join('\n')).not.toMatch(/Markdown|TIP alert|Status lozenges|HTML table/);
    expect(html).toContain('panel: A custom panel became an info panel; its colour and icon are not kept.');
    expect(html).toContain('textColor: The text colour (#ff5630) is not kept; the text is kept without it.');
    expect(html.some((l) => l.startsWith('mystery-widget:'))).toBe(true);
  });

  it('JSON carries the ADF whole: nothing of the body is reported lost', () => {
    const json = render('json');
    expect(json.report).toEqual([]);
    expect((JSON.parse(json.text) as { report: unknown[] }).report).toEqual([]);
  });

  it('names every item in words for a person', () => {
    expect(reportLine({ kind: 'approximated', what: 'decisionList', count: 1, detail: 'Decisions become list items.' })).toBe('Decision list (approximated): Decisions become list items.');
    expect(reportLine({ kind: 'approximated', what: 'layoutSection', count: 2, detail: 'Flattened.', details: ['Flattened.'] })).toBe('Page layout (approximated), 2 items: Flattened.');
    expect(reportLine({ kind: 'attachment-missing', what: 'media', count: 2, detail: 'a.png is missing.', details: ['a.png is missing.', 'b.png is missing.'] }))
      .toBe('Image or file (attachment missing), 2 items: a.png is missing.; b.png is missing.');
    expect(reportLine({ kind: 'unsupported-macro', what: 'mystery-widget', count: 1, detail: 'x' })).toBe('The "mystery-widget" macro (macro not supported): x');
    expect(reportLine({ kind: 'approximated', what: 'someNewNode', count: 7, detail: 'd', details: ['d', 'e'] })).toBe('Some new node (approximated), 7 items: d; e; and 5 more');
  });
});
