/**
 * Converts schema-generated ADF documents and collects every failure: crashes, slow documents,
 * units the verifier misses, text words absent from the Markdown.
 * `npm run fuzz -- --count 1000 --seed 42` prints a JSON summary (exit 1 on any failure).
 */
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import { adfToMarkdown } from '../../src/export/markdown';
import { adfToHtml } from '../../src/export/html';
import type { ReportEntry } from '../../src/export/report';
import { adfValidator, createGenerator, loadAdfSchema } from './adf-generator';

export interface FuzzResult {
  seed: number;
  generated: number;
  /** Generated documents the schema rejected (skipped; the generator is approximate on purpose). */
  invalid: number;
  crashes: Array<{ index: number; error: string }>;
  timeouts: Array<{ index: number; ms: number }>;
  missing: Array<{ index: number; format: string; entry: ReportEntry }>;
  /** Structure the verifier did not find while no report entry names its loss. */
  structure: Array<{ index: number; format: string; entry: ReportEntry }>;
  lostWords: Array<{ index: number; word: string }>;
  nodeTypes: Map<string, number>;
  nestedTables: number;
  mb: number;
  seconds: number;
}

const slowMs = 1000;

function decode(text: string): string {
  return text.replace(/&#x([0-9a-f]+);/gi, (_m, hex: string) => String.fromCodePoint(parseInt(hex, 16)));
}

/** Words of text nodes, including those inside nested-table parameters. */
function textWords(node: unknown, types: Map<string, number>, out: string[] = []): string[] {
  const stack = [node];
  while (stack.length > 0) {
    const n = stack.pop() as { type?: string; text?: string; content?: unknown[]; attrs?: { parameters?: { adf?: unknown } } } | undefined;
    if (!n || typeof n !== 'object') continue;
    if (typeof n.type === 'string') types.set(n.type, (types.get(n.type) ?? 0) + 1);
    if (n.type === 'text' && typeof n.text === 'string') out.push(...(n.text.match(/w\d+x/g) ?? []));
    const adf = n.attrs?.parameters?.adf;
    if (typeof adf === 'string') {
      types.set('nested-table', (types.get('nested-table') ?? 0) + 1);
      stack.push(JSON.parse(adf));
    }
    if (Array.isArray(n.content)) stack.push(...n.content);
  }
  return out;
}

/**
 * Legacy and non-canonical forms real editors write, which the schema rejects (so they are added
 * after validation): task lists nested in task items (marklassian), a blockTaskItem holding only a
 * macro, the legacy `image` node, `attrs.macroParams`, `__bodyContent`, numbers where strings
 * belong, an unknown node, and a mark on a node that takes none. Words are numbered like the
 * generator's (`w…x`) so a lost one is found.
 */
export function legacyForms(index: number): unknown[] {
  const w = (k: number): string => `w${900_000 + index * 20 + k}x`;
  const text = (k: number): unknown => ({ type: 'text', text: w(k) });
  const task = (state: unknown, ...content: unknown[]): unknown => ({ type: 'taskItem', attrs: { localId: 'l', state }, content });
  const ext = (attrs: Record<string, unknown>, type = 'extension'): unknown => ({ type, attrs: { extensionType: 'com.atlassian.confluence.macro.core', ...attrs } });
  return [
    { type: 'taskList', attrs: { localId: 'l' }, content: [task('TODO', text(1), { type: 'taskList', attrs: { localId: 'm' }, content: [task('DONE', text(2)), task(7, text(3))] })] },
    { type: 'taskList', attrs: { localId: 'l' }, content: [{ type: 'blockTaskItem', attrs: { localId: 'b', state: 'DONE' }, content: [ext({ extensionKey: 'toc', parameters: { macroParams: {} } })] }] },
    { type: 'paragraph', content: [{ type: 'image', attrs: { src: `https://example.com/${w(4)}.png`, alt: w(5), title: w(6) } }] },
    ext({ extensionKey: 'jira', macroParams: { key: { value: `PROJ-${index}` } } }),
    ext({ extensionKey: 'mermaid-cloud', parameters: { macroParams: { __bodyContent: { value: `graph TD\n  ${w(7)} --> ${w(8)}` } } } }),
    { type: 'paragraph', content: [{ type: 'emoji', attrs: { shortName: 42 } }, { type: 'mention', attrs: { id: null, text: 7 } }, text(9)] },
    { type: 'codeBlock', attrs: { language: 3 }, content: [{ type: 'text', text: w(10) }] },
    { type: 'panel', attrs: { panelType: 5 }, content: [{ type: 'paragraph', content: [text(11)] }] },
    { type: 'heading', attrs: { level: null }, marks: [{ type: 'strong' }], content: [text(12)] },
    { type: 'expand', attrs: { title: { nested: true } }, content: [{ type: 'paragraph', content: [text(13)] }] },
    { type: 'mysteryNode', attrs: { text: w(14) } },
    { type: 'paragraph', marks: [{ type: 'link', attrs: { href: 5 } }], content: [{ type: 'text', text: w(15), marks: [{ type: 'mysteryMark' }] }] },
  ];
}

export function fuzz({ count, seed }: { count: number; seed: number }): FuzzResult {
  const schema = loadAdfSchema();
  const valid = adfValidator(schema);
  const next = createGenerator(schema, seed);
  const result: FuzzResult = { seed, generated: 0, invalid: 0, crashes: [], timeouts: [], missing: [], structure: [], lostWords: [], nodeTypes: new Map(), nestedTables: 0, mb: 0, seconds: 0 };
  const started = performance.now();
  // Bounded: the schema accepts most documents the generator makes (about 19 in 20).
  for (let attempt = 0; result.generated < count && attempt < count * 3; attempt += 1) {
    const doc = next();
    if (!valid(doc)) {
      result.invalid += 1;
      continue;
    }
    const index = result.generated;
    result.generated += 1;
    // Every third document also carries the legacy forms (after validation: the schema rejects them).
    if (index % 3 === 0) (doc as { content: unknown[] }).content.push(...legacyForms(index));
    result.mb += Buffer.byteLength(JSON.stringify(doc)) / 1e6;
    const words = textWords(doc, result.nodeTypes);
    try {
      const t0 = performance.now();
      const md = adfToMarkdown(doc);
      const html = adfToHtml(doc, { css: '' });
      const ms = performance.now() - t0;
      if (ms > slowMs) result.timeouts.push({ index, ms: Math.round(ms) });
      for (const [format, report] of [['md', md.report], ['html', html.report]] as const) {
        for (const entry of report) {
          if (entry.kind === 'content-missing') result.missing.push({ index, format, entry });
          if (entry.kind === 'structure-missing') result.structure.push({ index, format, entry });
        }
      }
      const seen = new Set(decode(md.markdown).match(/w\d+x/g) ?? []);
      for (const word of words) if (!seen.has(word)) result.lostWords.push({ index, word });
    } catch (error) {
      result.crashes.push({ index, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    }
  }
  result.nestedTables = result.nodeTypes.get('nested-table') ?? 0;
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer`);
  return value;
}

if (basename(process.argv[1] ?? '').replace(/\.[cm]?[jt]s$/, '') === 'fuzz') {
  const r = fuzz({ count: arg('count', 200), seed: arg('seed', 20261125) });
  const failures = r.crashes.length + r.timeouts.length + r.missing.length + r.structure.length + r.lostWords.length;
  console.log(
    JSON.stringify({
      seed: r.seed,
      documents: r.generated,
      invalid: r.invalid,
      mb: Math.round(r.mb * 100) / 100,
      seconds: Math.round(r.seconds * 100) / 100,
      crashes: r.crashes.length,
      timeouts: r.timeouts.length,
      missingUnits: r.missing.length,
      structuralLosses: r.structure.length,
      lostWords: r.lostWords.length,
      firstFailures: [...r.crashes, ...r.timeouts, ...r.missing, ...r.structure, ...r.lostWords].slice(0, 5),
    }),
  );
  process.exitCode = failures > 0 ? 1 : 0;
}
