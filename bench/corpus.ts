/**
 * Fidelity on the real-world corpus (test/corpus/real): crashes, units the independent verifier
 * misses, and text-word recall (share of the source's words found in the output) for our Markdown
 * and HTML against the peers adf-to-md and mdast-util-from-adf + mdast-util-to-markdown (GFM).
 * `npm run bench -- corpus` prints one JSON line.
 */
import { basename } from 'node:path';
import { toMarkdown } from 'mdast-util-to-markdown';
import { gfmToMarkdown } from 'mdast-util-gfm';
import type { Root } from 'mdast';
import { adfToMarkdown } from '../src/export/markdown';
import { adfToHtml } from '../src/export/html';
import { loadRealCorpus, recall } from '../test/corpus/real';

// adf-to-md is CommonJS without types; this is the part of its API we use.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const adfToMd = require('adf-to-md') as { convert(doc: unknown): { result: string } };

interface Tally {
  crashes: number;
  words: number;
  found: number;
  /** Documents where some source word is missing from the output. */
  lossy: number;
}

const tally = (): Tally => ({ crashes: 0, words: 0, found: 0, lossy: 0 });

function measure(t: Tally, doc: unknown, run: () => string): void {
  const words = recall(doc, '').words;
  let out: string;
  try {
    out = run();
  } catch {
    t.crashes += 1;
    t.words += words;
    if (words > 0) t.lossy += 1;
    return;
  }
  const r = recall(doc, out);
  t.words += r.words;
  t.found += r.found;
  if (r.found < r.words) t.lossy += 1;
}

const summary = (t: Tally): Record<string, number> => ({
  crashes: t.crashes,
  lossyDocuments: t.lossy,
  recall: t.words === 0 ? 1 : Math.round((t.found / t.words) * 10_000) / 10_000,
});

export async function benchCorpus(): Promise<Record<string, unknown>> {
  // ESM-only: loaded here rather than at the top, so the file also runs as CommonJS under tsx.
  const { fromADF } = (await import('mdast-util-from-adf')) as { fromADF(doc: unknown): Root };
  const corpus = loadRealCorpus();
  const ours = tally();
  const oursHtml = tally();
  const peer = tally();
  const peer2 = tally();
  let missing = 0;
  let units = 0;
  const log = console.log;
  const warn = console.warn;
  // adf-to-md logs every node type it does not know.
  console.log = () => undefined;
  console.warn = () => undefined;
  try {
    for (const { doc } of corpus) {
      measure(ours, doc, () => {
        const out = adfToMarkdown(doc, { pageId: 'p1' });
        missing += out.report.filter((e) => e.kind === 'content-missing').length;
        units += out.fidelity?.units ?? 0;
        return out.markdown;
      });
      measure(oursHtml, doc, () => {
        const out = adfToHtml(doc, { pageId: 'p1', css: '' });
        missing += out.report.filter((e) => e.kind === 'content-missing').length;
        return out.html;
      });
      // adf-to-md mutates its input: each peer gets its own copy.
      measure(peer, doc, () => adfToMd.convert(structuredClone(doc)).result);
      measure(peer2, doc, () => toMarkdown(fromADF(structuredClone(doc)), { extensions: [gfmToMarkdown()] }));
    }
  } finally {
    console.log = log;
    console.warn = warn;
  }
  return {
    bench: 'corpus',
    documents: corpus.length,
    sources: new Set(corpus.map((d) => d.name.split('/')[0])).size,
    kb: Math.round(corpus.reduce((n, d) => n + d.bytes, 0) / 1000),
    sourceWords: ours.words,
    verifierUnits: units,
    /** content-missing entries over both of our outputs (target 0). */
    verifierMissing: missing,
    ours: summary(ours),
    oursHtml: summary(oursHtml),
    'adf-to-md': summary(peer),
    'mdast-util-from-adf': summary(peer2),
  };
}

// Works under tsx whether it runs this file as CommonJS or ESM.
if (basename(process.argv[1] ?? '').replace(/\.[cm]?[jt]s$/, '') === 'corpus') {
  void benchCorpus().then((r) => console.log(JSON.stringify(r)));
}
