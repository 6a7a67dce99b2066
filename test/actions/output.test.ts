/** The pure parts of the actions: page references, fences, sections and parts. */
import { parsePageRef, readCall } from '../../src/actions/input';
import { fenced, fidelityLine, packParts, sectionNamed, sections } from '../../src/actions/output';
import { BadInput } from '../../src/shared/validate';

const site = 'https://acme.atlassian.net';

describe('parsePageRef', () => {
  it('reads ids and this site\'s page, blog and REST URLs', () => {
    expect(parsePageRef(' 123 ', site)).toEqual({ id: '123' });
    expect(parsePageRef(456, site)).toEqual({ id: '456' });
    expect(parsePageRef(`${site}/wiki/spaces/K/pages/789/Title+Here?x=1#h`, site)).toEqual({ id: '789', type: 'page', host: 'acme.atlassian.net' });
    expect(parsePageRef(`${site}/wiki/spaces/K/blog/2024/06/27/44662787/Holiday`, site)).toMatchObject({ id: '44662787', type: 'blogpost' });
    expect(parsePageRef(`${site}/wiki/api/v2/blogposts/55`, site)).toMatchObject({ id: '55', type: 'blogpost' });
    expect(parsePageRef('acme.atlassian.net/wiki/pages/viewpage.action?pageId=77', site)).toMatchObject({ id: '77' });
    expect(parsePageRef('/wiki/spaces/K/pages/12/T', site)).toEqual({ id: '12', type: 'page' });
    expect(() => parsePageRef('javascript:alert(1)', site)).toThrow(BadInput);
    expect(() => parsePageRef('ftp://acme.atlassian.net/wiki/pages/1', site)).toThrow(BadInput);
    expect(parsePageRef('', site)).toBeUndefined();
    expect(parsePageRef(null, site)).toBeUndefined();
  });

  it('refuses other sites, non-URLs, long and non-text values without echoing them', () => {
    expect(() => parsePageRef('https://evil.example/wiki/spaces/K/pages/1', site)).toThrow(/another site \(evil\.example\)/);
    expect(() => parsePageRef('not a page', site)).toThrow(BadInput);
    expect(() => parsePageRef(`${site}/wiki/spaces/K/overview`, site)).toThrow(BadInput);
    expect(() => parsePageRef(-5, site)).toThrow(BadInput);
    expect(() => parsePageRef({ id: 1 }, site)).toThrow(BadInput);
    const long = `${site}/${'a'.repeat(5000)}`;
    expect(() => parsePageRef(long, site)).toThrow(/too long \(5027 characters\)/);
    try {
      parsePageRef(long, site);
    } catch (e) {
      expect((e as Error).message.length).toBeLessThan(120);
    }
  });
});

describe('readCall', () => {
  it('takes the page and the user from the platform context, never from inputs', () => {
    const call = readCall(
      { page: '9', accountId: 'mallory', context: { cloudId: 'c', moduleKey: 'k', confluence: { url: `${site}/wiki/spaces/K/pages/5/T`, resourceType: 'page', contentId: '5', spaceKey: 'K', spaceId: '1' } } },
      { principal: { accountId: 'alice' } },
    );
    expect(call).toMatchObject({ accountId: 'alice', cloudId: 'c', siteUrl: site, here: { id: '5', type: 'page' }, inputs: { page: '9', accountId: 'mallory' } });
    expect(readCall({ context: { confluence: { resourceType: 'blog', contentId: '6' } } }, { principal: { accountId: 'a' } }).here).toEqual({ id: '6', type: 'blogpost' });
    expect(readCall({ context: { confluence: { resourceType: 'database', contentId: '7' } } }, { principal: { accountId: 'a' } }).hereDatabase).toBe('7');
    expect(() => readCall({}, {})).toThrow(/signed-in user/);
  });
});

describe('fenced', () => {
  it('uses a fence longer than any backtick run in the text', () => {
    const text = 'a\n`````\nb ``` c\n';
    const out = fenced(text);
    expect(out.startsWith('``````markdown\n')).toBe(true);
    expect(out.endsWith('\n``````')).toBe(true);
    expect(fenced('plain')).toBe('```markdown\nplain\n```');
  });
});

describe('sections and parts', () => {
  const md = ['---', 'title: x', '# not a heading inside front matter', '---', '', 'Intro.', '', '# A', '', 'a text', '', '```', '# not a heading in code', '```', '', '## A.1', '', 'deep', '', '# B', '', 'b text', ''].join('\n');

  it('splits before headings outside front matter and code, losing nothing', () => {
    const s = sections(md);
    expect(s.map((x) => x.heading)).toEqual([undefined, 'A', 'A.1', 'B']);
    expect(s.map((x) => x.text).join('')).toBe(md);
    expect(sectionNamed(s, 'a')?.map((x) => x.heading)).toEqual(['A', 'A.1']);
    expect(sectionNamed(s, '## b')?.map((x) => x.heading)).toEqual(['B']);
    expect(sectionNamed(s, 'zzz')).toBeUndefined();
  });

  it('packs whole sections up to the budget, cuts an oversized one between paragraphs', () => {
    const s = sections(md);
    const parts = packParts(s, 70);
    expect(parts.map((p) => p.text).join('')).toBe(md);
    for (const p of parts) expect(Buffer.byteLength(p.text)).toBeLessThanOrEqual(70);
    const big = sections(`# H\n\n${'word '.repeat(30)}\n\n${'more '.repeat(30)}\n`);
    const cut = packParts(big, 200);
    expect(cut.length).toBe(2);
    expect(cut[1]?.headings).toEqual(['H (continued)']);
    // A single line longer than a part is cut at characters, never lost (multi-byte safe).
    const line = packParts(sections('é'.repeat(500)), 101);
    expect(line.map((p) => p.text).join('')).toBe('é'.repeat(500));
    for (const p of line) expect(Buffer.byteLength(p.text)).toBeLessThanOrEqual(101);
  });
});

describe('fidelityLine', () => {
  it('says nothing was lost, or counts notes by kind', () => {
    expect(fidelityLine([])).toMatch(/nothing dropped or approximated/);
    const line = fidelityLine([
      { kind: 'approximated', what: 'panel', detail: '' },
      { kind: 'approximated', what: 'panel', detail: '' },
      { kind: 'unsupported-macro', what: 'jira', detail: '' },
    ]);
    expect(line).toBe('Fidelity: 3 notes: 2× approximated panel; 1× unsupported-macro jira.');
  });
});
