import { fileName, safeSegment, truncateBytes, uniqueName } from '../../src/export/names';

const bytes = (s: string): number => new TextEncoder().encode(s).length;

describe('safeSegment', () => {
  test.each([
    ['..', 'untitled'],
    ['../../etc/passwd', '-.-etc-passwd'],
    ['a/b\\c', 'a-b-c'],
    ['C:\\Windows', 'C--Windows'],
    ['bell\u0007 and\nnewline\ttab', 'bell and newline tab'],
    ['  .hidden  ', 'hidden'],
    ['trailing dots...', 'trailing dots'],
    ['CON', '_CON'],
    ['nul.txt', '_nul.txt'],
    // Windows ignores trailing spaces and dots before the extension, and knows CONIN$ / CONOUT$ / CLOCK$.
    ['CON .txt', '_CON .txt'],
    ['con. .md', '_con. .md'],
    ['CONIN$', '_CONIN$'],
    ['conout$.txt', '_conout$.txt'],
    ['CLOCK$', '_CLOCK$'],
    ['CONINX', 'CONINX'],
    // A lone surrogate is not a character: replaced, so the name can be encoded.
    ['bad \uD800 half', 'bad \uFFFD half'],
    ['\uDC00tail', '\uFFFDtail'],
    ['ok \uD83D\uDE00 pair', 'ok \uD83D\uDE00 pair'],
    ['Console', 'Console'],
    ['evil\u202Etxt.exe', 'eviltxt.exe'],
    ['', 'untitled'],
    ['Plan: Q3 * "draft"?', 'Plan- Q3 - -draft--'],
  ])('%j → %j', (input, expected) => {
    expect(safeSegment(input)).toBe(expected);
  });

  test.each([
    ['Japanese', '日本語のページタイトル'.repeat(30)],
    ['Arabic', 'عنوان الصفحة باللغة العربية '.repeat(15)],
    ['emoji', '👩‍👩‍👧‍👦🚀🇯🇵'.repeat(40)],
  ])('300-char %s titles are cut to 80 UTF-8 bytes on a character boundary', (_name, title) => {
    expect(title.length).toBeGreaterThanOrEqual(300);
    const out = safeSegment(title);
    expect(bytes(out)).toBeLessThanOrEqual(80);
    expect(out.length).toBeGreaterThan(0);
    expect(title.replace(/\s+/g, ' ').startsWith(out)).toBe(true);
    expect(out).not.toMatch(/\uFFFD/);
    expect(/[\uD800-\uDBFF]$/.test(out)).toBe(false);
  });

  test('keeps non-Latin scripts', () => {
    expect(safeSegment('Привет мир')).toBe('Привет мир');
    expect(safeSegment('会議メモ 2024')).toBe('会議メモ 2024');
  });

  test('never yields a separator or a parent reference', () => {
    for (const t of ['..', '../..', '/', '\\', '.../...', 'a/../b']) {
      const s = safeSegment(t);
      expect(s).not.toMatch(/[/\\]/);
      expect(s).not.toContain('..');
    }
  });

  test('truncateBytes keeps whole emoji sequences', () => {
    expect(truncateBytes('👩‍👩‍👧‍👦x', 10)).toBe('');
    expect(truncateBytes('ab👍', 5)).toBe('ab');
  });
});

describe('uniqueName and fileName', () => {
  test('duplicates get (2), (3) before the extension, ignoring case', () => {
    const taken = new Set<string>();
    expect(uniqueName(taken, 'Page.md')).toBe('Page.md');
    expect(uniqueName(taken, 'page.md')).toBe('page (2).md');
    expect(uniqueName(taken, 'Page.md')).toBe('Page (3).md');
    expect(uniqueName(taken, 'Notes')).toBe('Notes');
    expect(uniqueName(taken, 'Notes')).toBe('Notes (2)');
  });

  test('fileName builds a safe download name', () => {
    expect(fileName('Q3: plan/draft', 'md')).toBe('Q3- plan-draft.md');
    expect(fileName('..', '.HTML')).toBe('untitled.html');
  });
});
