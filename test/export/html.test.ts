import sanitizeHtml from 'sanitize-html';
import { adfToHtml, sanitizeOptions } from '../../src/export/html';
import { EXPORT_CSS } from '../../src/export/stylesheet';

const doc = (...content: unknown[]) => ({ type: 'doc', version: 1, content });
const p = (...content: unknown[]) => ({ type: 'paragraph', content });
const text = (value: string, marks?: unknown[]) => ({ type: 'text', text: value, marks });

/** No element that could run script: script/iframe/object tags, on* handlers, javascript: URLs. */
function expectInert(html: string): void {
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/<(iframe|object|embed)/i);
  expect(html).not.toMatch(/\son\w+\s*=/i);
  expect(html).not.toMatch(/(href|src)\s*=\s*"\s*(javascript|vbscript|data):/i);
}

describe('HTML export', () => {
  test('is a standalone document with charset, title and the stylesheet', () => {
    const { html } = adfToHtml(doc(p(text('Hi'))), { css: 'body{color:red}', title: 'A <b>title</b>' });
    expect(html.startsWith('<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">')).toBe(true);
    expect(html).toContain('<title>A &lt;b&gt;title&lt;/b&gt;</title>');
    expect(html).toContain('<style>\nbody{color:red}\n</style>');
    expect(html).toContain('<p>Hi</p>');
  });

  test('<script> in text and code is text, not an element', () => {
    const { html } = adfToHtml(
      doc(p(text('<script>alert(1)</script>')), { type: 'codeBlock', attrs: { language: 'html' }, content: [text('<script>alert(2)</script>')] }),
      { css: '' },
    );
    expectInert(html);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('<pre><code class="language-html">&lt;script&gt;alert(2)&lt;/script&gt;</code></pre>');
  });

  test('javascript: links do not survive', () => {
    const { html, report } = adfToHtml(doc(p(text('click', [{ type: 'link', attrs: { href: 'javascript:alert(1)' } }]))), { css: '' });
    expectInert(html);
    expect(html).toContain('<p>click</p>');
    expect(report.map((e) => e.what)).toContain('link');
  });

  test('a hostile stylesheet or title cannot break out of <style>/<title>', () => {
    const { html } = adfToHtml(doc(), { css: '</style><script>alert(1)</script>', title: '</title><script>x</script>' });
    expectInert(html.replace(/<style>[\s\S]*?<\/style>/, ''));
    expect(html.match(/<\/style>/g)).toHaveLength(1);
  });

  test('the allowlist strips what our own serializer would never emit', () => {
    const dirty = '<p onclick="x()">a<img src="javascript:y" onerror="z()"><a href="javascript:alert(1)">l</a><iframe src="https://e.com"></iframe><input type="text"></p>';
    const clean = sanitizeHtml(dirty, sanitizeOptions);
    expectInert(clean);
    expect(clean).not.toContain('<input');
    expect(clean).toBe('<p>a<img /><a>l</a></p>');
  });

  test('panels, merged cells and code language', () => {
    const cell = (t: string, attrs: Record<string, unknown> = {}) => ({ type: 'tableCell', attrs, content: [p(text(t))] });
    const { html } = adfToHtml(
      doc(
        { type: 'panel', attrs: { panelType: 'warning' }, content: [p(text('careful'))] },
        { type: 'table', content: [{ type: 'tableRow', content: [cell('a', { colspan: 2 })] }, { type: 'tableRow', content: [cell('b'), cell('c')] }] },
        { type: 'codeBlock', attrs: { language: 'python' }, content: [text('x = 1')] },
      ),
      { css: '' },
    );
    expect(html).toContain('<div class="panel panel-warning">\n<p>careful</p>\n</div>');
    expect(html).toContain('<td colspan="2">a</td>');
    expect(html).toContain('<code class="language-python">x = 1</code>');
  });

  test('comments appendix lists threads with status', () => {
    const { html } = adfToHtml(doc(p(text('x', [{ type: 'annotation', attrs: { id: 'm', annotationType: 'inlineComment' } }]))), {
      css: '',
      comments: [{ id: '1', markerRef: 'm', author: 'Ana', created: '2024-01-01T00:00:00Z', status: 'resolved', text: 'ok <b>', replies: [] }],
    });
    expect(html).toContain('<section class="comments">');
    expect(html).toContain('<strong>Ana</strong> · 2024-01-01 · resolved<br />ok &lt;b&gt;');
    expect(html).toContain('href="#fn-c1"');
  });

  test('the export stylesheet is compiled in: panels, tables and print rules', () => {
    for (const rule of ['.panel-info', 'table {', '@media print']) expect(EXPORT_CSS).toContain(rule);
  });
});

describe('the page title (issue 23 part 10)', () => {
  const h1 = (t: string) => ({ type: 'heading', attrs: { level: 1 }, content: [{ type: 'text', text: t }] });
  const count = (html: string): number => (html.match(/<h1[\s>]/g) ?? []).length;

  it('is shown once when the page opens with it as a heading, and added otherwise', () => {
    const opens = { type: 'doc', version: 1, content: [h1('Release 1.0'), { type: 'paragraph', content: [{ type: 'text', text: 'Shipped.' }] }] };
    expect(count(adfToHtml(opens, { css: '', title: 'Release 1.0' }).html)).toBe(1);
    const other = { type: 'doc', version: 1, content: [h1('Overview')] };
    const html = adfToHtml(other, { css: '', title: 'Release 1.0' }).html;
    expect(count(html)).toBe(2);
    expect(html).toContain('<h1 class="page-title">Release 1.0</h1>');
  });
});
