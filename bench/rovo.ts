/**
 * The Rovo actions on the seed site, called as Rovo calls them: per action, Confluence requests,
 * bytes returned (the answer as JSON, what counts against the 5 MB action limit) and time, at a set
 * Confluence latency. Then the largest page `get-page-markdown` still returns whole (one part): the
 * page grows until the answer is cut, and the boundary is bisected.
 * `npx tsx bench/rovo.ts` prints the JSON lines.
 */
import { performance } from 'node:perf_hooks';
import * as a from '../sandbox/confluence/adf';
import { SEED } from '../sandbox/confluence/seed';
import { startSandbox, type Sandbox } from '../sandbox/harness';
import { pointsOf } from './points';

const LATENCY_MS = 20;
const P = SEED.pages;

interface Case {
  action: string;
  what: string;
  content?: string;
  inputs?: Record<string, unknown>;
}

async function measure(sb: Sandbox, c: Case, accountId: string = SEED.users.alice): Promise<Record<string, unknown>> {
  sb.confluence.resetRequests();
  const t = performance.now();
  const answer = await sb.callAction<unknown>(c.action, { accountId, content: c.content, inputs: c.inputs });
  const ms = performance.now() - t;
  const error = answer && typeof answer === 'object' && 'error' in answer ? (answer as { error: { code: string } }).error.code : undefined;
  return {
    bench: 'rovo',
    action: c.action,
    case: c.what,
    requests: sb.confluence.requests.length,
    points: pointsOf(sb.confluence.requests),
    bytes: Buffer.byteLength(JSON.stringify(answer)),
    ms: Math.round(ms),
    latencyMs: LATENCY_MS,
    ...(error ? { error } : {}),
  };
}

/** A page of `sections` headed sections of 20 paragraphs (~2.3 kB of Markdown each paragraph). */
function bigPage(sections: number) {
  const para = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor. '.repeat(30);
  const blocks = [];
  for (let s = 1; s <= sections; s++) {
    blocks.push(a.h(2, a.text(`Section ${s}`)));
    for (let i = 0; i < 20; i++) blocks.push(a.p(a.text(para)));
  }
  return a.doc(...blocks);
}

async function wholeAt(sb: Sandbox, sections: number): Promise<{ whole: boolean; bytes: number; adfBytes: number; ms: number }> {
  const adf = bigPage(sections);
  sb.confluence.site.updatePage(P.faq, { adf }, SEED.users.alice);
  const t = performance.now();
  const answer = await sb.callAction<string>('get-page-markdown', { accountId: SEED.users.alice, content: P.faq });
  const ms = performance.now() - t;
  return { whole: typeof answer === 'string' && answer.includes('This is the whole page'), bytes: Buffer.byteLength(JSON.stringify(answer)), adfBytes: Buffer.byteLength(JSON.stringify(adf)), ms: Math.round(ms) };
}

export async function benchRovo(): Promise<Array<Record<string, unknown>>> {
  const sb = await startSandbox();
  const out: Array<Record<string, unknown>> = [];
  try {
    sb.confluence.setLatency(LATENCY_MS);
    const url = `${sb.confluence.url}/wiki/spaces/DEMO/pages/${P.faq}/FAQ`;
    const cases: Case[] = [
      { action: 'get-page-markdown', what: 'rich page, from the context', content: P.rich },
      { action: 'get-page-markdown', what: 'page by URL input, not on a page', inputs: { page: url } },
      { action: 'get-page-markdown', what: 'page by id input (type looked up)', inputs: { page: P.faq } },
      { action: 'get-comment-threads', what: 'rich page, all threads', content: P.rich },
      { action: 'get-comment-threads', what: 'many comments, open inline', content: P.manyComments, inputs: { status: 'open', kind: 'inline' } },
      { action: 'get-comment-threads', what: 'many comments, all', content: P.manyComments },
      { action: 'inspect-database', what: 'database by id', inputs: { database: SEED.database } },
      { action: 'inspect-database', what: 'databases under the page', content: P.dbHost },
      { action: 'get-page-activity', what: 'rich page', content: P.rich },
      { action: 'start-tree-export', what: 'home tree (listing + job; the export runs after)', content: P.home },
    ];
    for (const c of cases) out.push(await measure(sb, c));
    out.push({ ...(await measure(sb, { action: 'get-page-markdown', what: 'restricted page as Bob (NOT_FOUND)', content: P.restricted }, SEED.users.bob)) });
    await sb.platform.drain();

    // The largest page returned whole: grow, then bisect the section count.
    sb.confluence.setLatency(0);
    let lo = 1;
    let hi = 8;
    while ((await wholeAt(sb, hi)).whole) {
      lo = hi;
      hi *= 2;
    }
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if ((await wholeAt(sb, mid)).whole) lo = mid;
      else hi = mid;
    }
    const largest = await wholeAt(sb, lo);
    const first = await wholeAt(sb, hi);
    out.push({
      bench: 'rovo-largest-whole-page',
      sections: lo,
      answerBytes: largest.bytes,
      adfBytes: largest.adfBytes,
      ms: largest.ms,
      firstCutAt: { sections: hi, answerBytes: first.bytes, adfBytes: first.adfBytes },
      limitBytes: 5_000_000,
    });
  } finally {
    await sb.close();
  }
  return out;
}

if (require.main === module) {
  benchRovo().then((lines) => lines.forEach((l) => console.log(JSON.stringify(l))));
}
