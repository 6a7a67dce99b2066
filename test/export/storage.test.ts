/** Storage exports one top-level block per line, losslessly (issue 23 part 10: it came out on one line). */
import { formatStorage } from '../../src/export/storage';

describe('formatStorage', () => {
  it('breaks lines between top-level elements only, and adds nothing else', () => {
    const stored = '<h1>T</h1><p>a<br />b</p><ul><li><p>x</p></li></ul><hr /><p>end</p>';
    const out = formatStorage(stored);
    expect(out).toBe('<h1>T</h1>\n<p>a<br />b</p>\n<ul><li><p>x</p></li></ul>\n<hr />\n<p>end</p>');
    expect(out.replace(/\n/g, '')).toBe(stored);
  });

  it('leaves CDATA, comments and attribute values holding > or < untouched', () => {
    const stored = '<ac:structured-macro ac:name="code"><ac:plain-text-body><![CDATA[a</p><p>b]]></ac:plain-text-body></ac:structured-macro><p title="x > y">z</p><!-- <p>c</p> --><p>d</p>';
    const out = formatStorage(stored);
    expect(out.split('\n')).toEqual([
      '<ac:structured-macro ac:name="code"><ac:plain-text-body><![CDATA[a</p><p>b]]></ac:plain-text-body></ac:structured-macro>',
      '<p title="x > y">z</p>',
      '<!-- <p>c</p> -->',
      '<p>d</p>',
    ]);
    expect(out.replace(/\n/g, '')).toBe(stored);
  });

  it('keeps text at the top level and an unterminated tag as they are', () => {
    expect(formatStorage('hello <p>x</p> bye')).toBe('hello <p>x</p> bye');
    expect(formatStorage('<p>x</p><p')).toBe('<p>x</p>\n<p');
  });
});
