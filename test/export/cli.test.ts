import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
});
