/**
 * Offline converter: `npm run convert -- page.adf.json [--format md|html|json] [--comments c.json]`.
 * Prints the conversion to stdout and the fidelity report (JSON) to stderr. Exit codes: 0 done
 * (even with approximations), 1 unreadable input, 2 bad usage.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { adfToMarkdown } from '../export/markdown';
import { adfToHtml } from '../export/html';
import { EXPORT_CSS } from '../export/stylesheet';
import { toJsonBundle } from '../export/json';
import { AdfError } from '../export/adf';
import type { InlineThread } from '../export/anchors';
import type { PageMeta } from '../export/frontmatter';
import type { ReportEntry } from '../export/report';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readFile(path: string): string;
  /** The HTML stylesheet; defaults to the export's own (EXPORT_CSS). */
  css?: () => string;
  /** Batch mode (`--out`): a directory's entries, or undefined when `path` is a file. */
  list?(path: string): string[] | undefined;
  /** Batch mode: writes a file, creating its directory. */
  writeFile?(path: string, text: string): void;
}

const formats = ['md', 'html', 'json'] as const;
type Format = (typeof formats)[number];

export const usage = `Usage: npm run convert -- <file.adf.json> [--format md|html|json] [--comments <comments.json>]
       npm run convert -- <files or folders…> --out <dir> [--format md|html|json]

  <file.adf.json>   an ADF document, or a Confluence page JSON with body.atlas_doc_format.value
  --format          md (default), html or json
  --comments        a JSON array of inline-comment threads, shown as footnotes (one input only)
  --out             convert every input (folders: every .json file inside) in one process; writes
                    <name>.<format> and <name>.report.json per input and prints a summary line
  --help            this text

Prints the conversion to stdout and the fidelity report (JSON) to stderr.`;

class UsageError extends Error {}
class InputError extends Error {}

interface Args {
  file?: string;
  files: string[];
  format: Format;
  comments?: string;
  out?: string;
  help: boolean;
}

export function parseArgs(argv: readonly string[]): Args {
  const args: Args = { format: 'md', help: false, files: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--help' || flag === '-h') args.help = true;
    else if (flag === '--format') {
      const f = value();
      if (!(formats as readonly string[]).includes(f)) throw new UsageError(`unknown format "${f}" (use md, html or json)`);
      args.format = f as Format;
    } else if (flag === '--comments') args.comments = value();
    else if (flag === '--out') args.out = value();
    else if (flag.startsWith('-')) throw new UsageError(`unknown option ${flag}`);
    else args.files.push(arg);
  }
  if (args.out === undefined && args.files.length > 1) throw new UsageError(`unexpected argument "${args.files[1] ?? ''}" (several inputs need --out <dir>)`);
  if (args.out !== undefined && args.comments !== undefined) throw new UsageError('--comments takes one input, not --out');
  args.file = args.files[0];
  return args;
}

function readJson(io: CliIo, path: string): unknown {
  let text: string;
  try {
    text = io.readFile(path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new InputError(`cannot read ${path}${code ? ` (${code})` : ''}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InputError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
}

interface PageJson {
  id?: unknown;
  title?: unknown;
  version?: { number?: unknown };
  body?: { atlas_doc_format?: { value?: unknown } };
}

/** A bare ADF doc, or a page from the REST API whose ADF is a JSON string in the body. */
export function unwrapPage(json: unknown, fallbackTitle: string): { adf: unknown; meta: PageMeta } {
  const page = (typeof json === 'object' && json !== null ? json : {}) as PageJson;
  const value = page.body?.atlas_doc_format?.value;
  if (value === undefined) return { adf: json, meta: { id: 'local', title: fallbackTitle } };
  let adf: unknown = value;
  if (typeof value === 'string') {
    try {
      adf = JSON.parse(value) as unknown;
    } catch {
      throw new InputError('body.atlas_doc_format.value is not valid JSON');
    }
  }
  const meta: PageMeta = {
    id: typeof page.id === 'string' || typeof page.id === 'number' ? String(page.id) : 'local',
    title: typeof page.title === 'string' ? page.title : fallbackTitle,
  };
  if (typeof page.version?.number === 'number') meta.version = page.version.number;
  return { adf, meta };
}

function convertOne(io: CliIo, file: string, format: Format, threads?: InlineThread[]): { out: string; report: ReportEntry[] } {
  const { adf, meta } = unwrapPage(readJson(io, file), basename(file).replace(/\.adf\.json$|\.json$/, ''));
  if (format === 'html') {
    const { html, report } = adfToHtml(adf, { css: (io.css ?? (() => EXPORT_CSS))(), comments: threads, title: meta.title, pageId: bundled(meta) });
    return { out: html, report };
  }
  const { markdown, report } = adfToMarkdown(adf, { comments: threads, pageId: bundled(meta) });
  // The JSON bundle carries the report of the Markdown conversion.
  return { out: format === 'json' ? toJsonBundle({ meta, adf, comments: threads, report }) : markdown, report };
}

/** Inputs expanded: a folder stands for every .json file below it (sorted), with its relative name. */
function inputs(io: CliIo, paths: readonly string[]): Array<{ file: string; name: string }> {
  const out: Array<{ file: string; name: string }> = [];
  for (const path of paths) {
    if (io.list?.(path) === undefined) {
      out.push({ file: path, name: basename(path) });
      continue;
    }
    const stack = [path];
    const found: string[] = [];
    while (stack.length > 0) {
      const dir = stack.pop() as string;
      for (const entry of io.list(dir) ?? []) {
        const child = join(dir, entry);
        if (io.list(child) !== undefined) stack.push(child);
        else if (entry.endsWith('.json') && !entry.endsWith('.report.json')) found.push(child);
      }
    }
    for (const file of found.sort()) out.push({ file, name: relative(path, file) });
  }
  return out;
}

/**
 * `--out`: every input converted in this one process (start-up is paid once), one output and
 * one report per input, failures counted and named, a JSON summary line on stdout.
 */
function batch(paths: readonly string[], outDir: string, format: Format, io: CliIo): number {
  if (!io.list || !io.writeFile) throw new UsageError('--out is not available here');
  const started = performance.now();
  const ext = format === 'json' ? 'bundle.json' : format;
  const used = new Set<string>();
  const summary = { files: 0, converted: 0, failed: 0, reportEntries: 0, missingUnits: 0, seconds: 0, failures: [] as Array<{ file: string; error: string }> };
  for (const { file, name } of inputs(io, paths)) {
    summary.files += 1;
    let stem = name.replace(/\.adf\.json$|\.json$/, '');
    for (let n = 2; used.has(stem); n += 1) stem = `${name.replace(/\.adf\.json$|\.json$/, '')}-${n}`;
    used.add(stem);
    try {
      const { out, report } = convertOne(io, file, format);
      io.writeFile(join(outDir, `${stem}.${ext}`), out);
      io.writeFile(join(outDir, `${stem}.report.json`), `${JSON.stringify(report, null, 2)}\n`);
      summary.converted += 1;
      summary.reportEntries += report.length;
      summary.missingUnits += report.filter((e) => e.kind === 'content-missing').length;
    } catch (err) {
      if (!(err instanceof InputError || err instanceof AdfError)) throw err;
      summary.failed += 1;
      // Named in the summary too (issue 23: it counted failures without saying which files).
      summary.failures.push({ file, error: err.message });
      io.stderr(`convert: ${err.message.startsWith(file) ? '' : `${file}: `}${err.message}\n`);
    }
  }
  summary.seconds = Math.round(performance.now() - started) / 1000;
  io.stdout(`${JSON.stringify(summary)}\n`);
  return summary.failed > 0 ? 1 : 0;
}

export function run(argv: readonly string[], io: CliIo): number {
  try {
    const args = parseArgs(argv);
    if (args.help) {
      io.stdout(`${usage}\n`);
      return 0;
    }
    if (!args.file) throw new UsageError('missing input file');
    if (args.out !== undefined) return batch(args.files, args.out, args.format, io);
    const comments = args.comments ? readJson(io, args.comments) : undefined;
    if (comments !== undefined && !Array.isArray(comments)) throw new InputError(`${args.comments} must hold a JSON array of threads`);
    const { out, report } = convertOne(io, args.file, args.format, comments as InlineThread[] | undefined);
    io.stdout(out);
    io.stderr(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`convert: ${err.message} (see --help)\n`);
      return 2;
    }
    if (err instanceof InputError || err instanceof AdfError) {
      io.stderr(`convert: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

if (typeof require !== 'undefined' && require.main === module) {
  process.exitCode = run(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    readFile: (p) => readFileSync(p, 'utf8'),
    list: (p) => (statSync(p, { throwIfNoEntry: false })?.isDirectory() ? readdirSync(p) : undefined),
    writeFile: (p, text) => {
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, text);
    },
  });
}

/** Report entries name the page only when the input said which page it was. */
function bundled(meta: PageMeta): string | undefined {
  return meta.id === 'local' ? undefined : meta.id;
}
