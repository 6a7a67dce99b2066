/**
 * The real-world ADF corpus (test/corpus/real/<source>/<name>.adf.json, provenance in its README)
 * and the text-token measure the corpus test and `npm run bench -- corpus` share.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const realCorpusDir = join(__dirname, 'real');

export interface RealDoc {
  /** `<source>/<name>`, as in the README. */
  name: string;
  doc: unknown;
  bytes: number;
}

export function loadRealCorpus(): RealDoc[] {
  const docs: RealDoc[] = [];
  for (const source of readdirSync(realCorpusDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    for (const file of readdirSync(join(realCorpusDir, source)).filter((f) => f.endsWith('.adf.json')).sort()) {
      const text = readFileSync(join(realCorpusDir, source, file), 'utf8');
      docs.push({ name: `${source}/${file.replace(/\.adf\.json$/, '')}`, doc: JSON.parse(text) as unknown, bytes: Buffer.byteLength(text) });
    }
  }
  return docs;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * What a reader sees as words in the source: text nodes, mention names, status labels, emoji
 * without a character (their short name), expand titles. Attributes a converter may legitimately render differently (URLs,
 * dates, ids) are left out, so the figure compares converters on prose, not on formatting choices.
 */
export function sourceWords(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const n of node) sourceWords(n, out);
    return out;
  }
  if (!isObj(node)) return out;
  const attrs = isObj(node.attrs) ? node.attrs : {};
  const take = (v: unknown): void => {
    if (typeof v === 'string') out.push(...words(v));
  };
  switch (node.type) {
    case 'text':
      take(node.text);
      break;
    case 'mention':
    case 'status':
      take(attrs.text);
      break;
    case 'emoji':
      // The character when there is one (it has no letters); the short name only as fallback.
      take(typeof attrs.text === 'string' && attrs.text !== '' ? attrs.text : attrs.shortName);
      break;
    case 'expand':
    case 'nestedExpand':
      take(attrs.title);
      break;
  }
  sourceWords(node.content, out);
  return out;
}

const decode = (s: string): string =>
  s.replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&(amp|lt|gt|quot|apos);/g, (_, n: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[n] ?? '');

/** Lower-cased runs of letters and digits; character references decoded first. */
export function words(text: string): string[] {
  return (decode(text).toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
}

/** Share of the source's words (with multiplicity) found in `output`: 1 when nothing is lost. */
export function recall(doc: unknown, output: string): { words: number; found: number } {
  const have = new Map<string, number>();
  for (const w of words(output)) have.set(w, (have.get(w) ?? 0) + 1);
  let total = 0;
  let found = 0;
  for (const w of sourceWords(doc)) {
    total += 1;
    const left = have.get(w) ?? 0;
    if (left > 0) {
      found += 1;
      have.set(w, left - 1);
    }
  }
  return { words: total, found };
}
