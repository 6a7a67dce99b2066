/**
 * Offline converter: `npm run convert -- page.adf.json [--format md|html|json] [--comments c.json]`.
 * Prints the conversion to stdout and the fidelity report (JSON) to stderr. Exit codes: 0 done
 * (even with approximations), 1 unreadable input, 2 bad usage.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
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
}

const formats = ['md', 'html', 'json'] as const;
type Format = (typeof formats)[number];

export const usage = `Usage: npm run convert -- <file.adf.json> [--format md|html|json] [--comments <comments.json>]

  <file.adf.json>   an ADF document, or a Confluence page JSON with body.atlas_doc_format.value
  --format          md (default), html or json
  --comments        a JSON array of inline-comment threads, shown as footnotes
  --help            this text

Prints the conversion to stdout and the fidelity report (JSON) to stderr.`;

class UsageError extends Error {}
class InputError extends Error {}

interface Args {
  file?: string;
  format: Format;
  comments?: string;
  help: boolean;
}

export function parseArgs(argv: readonly string[]): Args {
  const args: Args = { format: 'md', help: false };
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
    else if (flag.startsWith('-')) throw new UsageError(`unknown option ${flag}`);
    else if (args.file === undefined) args.file = arg;
    else throw new UsageError(`unexpected argument "${arg}"`);
  }
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

export function run(argv: readonly string[], io: CliIo): number {
  try {
    const args = parseArgs(argv);
    if (args.help) {
      io.stdout(`${usage}\n`);
      return 0;
    }
    if (!args.file) throw new UsageError('missing input file');
    const { adf, meta } = unwrapPage(readJson(io, args.file), basename(args.file).replace(/\.adf\.json$|\.json$/, ''));
    const comments = args.comments ? readJson(io, args.comments) : undefined;
    if (comments !== undefined && !Array.isArray(comments)) throw new InputError(`${args.comments} must hold a JSON array of threads`);
    const threads = comments as InlineThread[] | undefined;
    let out: string;
    let report: ReportEntry[];
    if (args.format === 'html') {
      ({ html: out, report } = adfToHtml(adf, { css: (io.css ?? (() => EXPORT_CSS))(), comments: threads, title: meta.title, pageId: bundled(meta) }));
    } else if (args.format === 'json') {
      // Convert anyway: the bundle carries the report of the Markdown conversion.
      ({ report } = adfToMarkdown(adf, { comments: threads, pageId: bundled(meta) }));
      out = toJsonBundle({ meta, adf, comments, report });
    } else {
      ({ markdown: out, report } = adfToMarkdown(adf, { comments: threads, pageId: bundled(meta) }));
    }
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
  });
}

/** Report entries name the page only when the input said which page it was. */
function bundled(meta: PageMeta): string | undefined {
  return meta.id === 'local' ? undefined : meta.id;
}
