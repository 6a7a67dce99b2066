import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, type CliIo } from '../../src/cli/convert';

const root = join(__dirname, '..', '..');

function fakeIo(files: Record<string, string>): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout(t: string) { io.out += t; },
    stderr(t: string) { io.err += t; },
    readFile(path: string) {
      const f = files[path];
      if (f === undefined) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      return f;
    },
    css: () => '/* css */',
  };
  return io;
}

const adf = { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Hi', marks: [{ type: 'textColor', attrs: { color: '#f00' } }] }] }] };

describe('convert CLI', () => {
  test('Markdown to stdout, report JSON to stderr, exit 0 despite approximations', () => {
    const io = fakeIo({ 'a.json': JSON.stringify(adf) });
    expect(run(['a.json'], io)).toBe(0);
    expect(io.out).toBe('Hi\n');
    expect(JSON.parse(io.err)).toEqual([expect.objectContaining({ kind: 'dropped-mark', what: 'textColor' })]);
  });

  test('accepts a Confluence page JSON with the ADF as a string', () => {
    const page = { id: '42', title: 'Page', version: { number: 3 }, body: { atlas_doc_format: { value: JSON.stringify(adf), representation: 'atlas_doc_format' } } };
    const io = fakeIo({ 'page.json': JSON.stringify(page) });
    expect(run(['page.json', '--format', 'json'], io)).toBe(0);
    const bundle = JSON.parse(io.out);
    expect(bundle.meta).toEqual({ id: '42', title: 'Page', version: 3 });
    expect(bundle.adf).toEqual(adf);
    expect(bundle.report[0].pageId).toBe('42');
  });

  test('html format and --comments', () => {
    const doc = { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'x', marks: [{ type: 'annotation', attrs: { id: 'm' } }] }] }] };
    const threads = [{ id: '1', markerRef: 'm', author: 'Ana', created: '2024-01-01', text: 'note', replies: [] }];
    const io = fakeIo({ 'd.json': JSON.stringify(doc), 'c.json': JSON.stringify(threads) });
    expect(run(['--format=html', 'd.json', '--comments', 'c.json'], io)).toBe(0);
    expect(io.out).toContain('<!doctype html>');
    expect(io.out).toContain('/* css */');
    expect(io.out).toContain('<strong>Ana</strong>');
  });

  test.each([
    [['missing.json'], 1, 'convert: cannot read missing.json (ENOENT)\n'],
    [['bad.json'], 1, /^convert: bad\.json is not valid JSON: .+\n$/],
    [['para.json'], 1, 'convert: Not an ADF document: expected type "doc", got "paragraph".\n'],
    [['a.json', '--verbose'], 2, 'convert: unknown option --verbose (see --help)\n'],
    [['a.json', '--format', 'pdf'], 2, 'convert: unknown format "pdf" (use md, html or json) (see --help)\n'],
    [[], 2, 'convert: missing input file (see --help)\n'],
    [['a.json', '--comments', 'a.json'], 1, 'convert: a.json must hold a JSON array of threads\n'],
  ])('%j exits %i with one clear line', (argv, code, message) => {
    const io = fakeIo({ 'a.json': JSON.stringify(adf), 'bad.json': '{nope', 'para.json': '{"type":"paragraph"}' });
    expect(run(argv, io)).toBe(code);
    expect(io.out).toBe('');
    if (typeof message === 'string') expect(io.err).toBe(message);
    else expect(io.err).toMatch(message);
  });

  test('--help prints usage and exits 0', () => {
    const io = fakeIo({});
    expect(run(['--help'], io)).toBe(0);
    expect(io.out).toContain('Usage: npm run convert');
  });

  test('runs as a script through tsx', () => {
    const fixture = join(root, 'test/fixtures/panels/input.adf.json');
    const res = spawnSync(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), 'src/cli/convert.ts', fixture], { cwd: root, encoding: 'utf8' });
    expect(res.status).toBe(0);
    expect(res.stdout).toBe(readFileSync(join(root, 'test/fixtures/panels/expected.md'), 'utf8'));
    expect(JSON.parse(res.stderr)).toEqual(expect.any(Array));
  });

  describe('--out: many inputs in one process', () => {
    function folderIo(files: Record<string, string>): ReturnType<typeof fakeIo> & { written: Map<string, string> } {
      const io = Object.assign(fakeIo(files), { written: new Map<string, string>() });
      io.list = (path: string) => {
        const prefix = `${path}/`;
        const names = Object.keys(files).filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length).split('/')[0] as string);
        return names.length > 0 ? [...new Set(names)] : undefined;
      };
      io.writeFile = (path: string, text: string) => void io.written.set(path, text);
      return io;
    }

    test('files and folders: one output and one report each, failures named, a summary line', () => {
      const io = folderIo({
        'one.adf.json': JSON.stringify(adf),
        'dir/a.json': JSON.stringify(adf),
        'dir/sub/b.adf.json': JSON.stringify(adf),
        'dir/old.report.json': '[]',
        'dir/bad.json': '{nope',
      });
      expect(run(['one.adf.json', 'dir', '--out', 'out'], io)).toBe(1);
      expect([...io.written.keys()].sort()).toEqual(['out/a.md', 'out/a.report.json', 'out/one.md', 'out/one.report.json', 'out/sub/b.md', 'out/sub/b.report.json']);
      expect(io.written.get('out/sub/b.md')).toBe('Hi\n');
      expect(JSON.parse(io.written.get('out/a.report.json') ?? '')).toEqual([expect.objectContaining({ kind: 'dropped-mark' })]);
      expect(io.err).toMatch(/^convert: dir\/bad\.json is not valid JSON/);
      expect(JSON.parse(io.out)).toEqual({ files: 4, converted: 3, failed: 1, reportEntries: 3, missingUnits: 0, seconds: expect.any(Number), failures: [{ file: 'dir/bad.json', error: expect.stringMatching(/not valid JSON/) }] });
    });

    test('same names from two inputs do not overwrite each other', () => {
      const io = folderIo({ 'x/p.json': JSON.stringify(adf), 'y/p.json': JSON.stringify(adf) });
      expect(run(['x', 'y', '--out', 'o', '--format', 'html'], io)).toBe(0);
      expect([...io.written.keys()].filter((k) => k.endsWith('.html')).sort()).toEqual(['o/p-2.html', 'o/p.html']);
    });

    test('several inputs without --out, or --comments with --out, are usage errors', () => {
      expect(run(['a.json', 'b.json'], fakeIo({}))).toBe(2);
      expect(run(['a.json', '--out', 'o', '--comments', 'c.json'], folderIo({}))).toBe(2);
    });

    test('the golden fixtures folder through the real script: every case, no unit missing', () => {
      const out = mkdtempSync(join(tmpdir(), 'convert-'));
      try {
        const res = spawnSync(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), 'src/cli/convert.ts', 'test/fixtures', '--out', out], { cwd: root, encoding: 'utf8' });
        const cases = readdirSync(join(root, 'test/fixtures')).filter((d) => !d.includes('.'));
        // options.json and comments.json files are inputs too when a folder is given: they fail as non-ADF.
        const summary = JSON.parse(res.stdout.trim().split('\n').pop() ?? '{}') as { converted: number; missingUnits: number };
        expect(summary.converted).toBe(cases.length);
        expect(summary.missingUnits).toBe(0);
        expect(readFileSync(join(out, 'panels/input.md'), 'utf8')).toBe(readFileSync(join(root, 'test/fixtures/panels/expected.md'), 'utf8'));
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    });
  });
});
