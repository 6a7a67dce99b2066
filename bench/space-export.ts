/**
 * Whole-space export of a generated space of 10,000 pages (BENCH_SPACE_PAGES), some of them in trees
 * outside the homepage's (BENCH_SPACE_ROOTS root-level pages) plus blog posts, through the real
 * `export/space/start` resolver and queue consumer, then the private download. Reports pages,
 * requests (listing vs. job), points (bench/points.ts), seconds and the app's peak memory; the
 * sandbox Confluence runs in a child process (bench/tree-export-sandbox.ts), so the memory measured
 * here is the app's. `npx tsx bench/space-export.ts`.
 */
import { performance } from 'node:perf_hooks';
import { GEN_SPACE } from '../sandbox/confluence/generate';
import { SEED } from '../sandbox/confluence/seed';
import type { Envelope } from '../src/shared/envelope';
import type { TreeDownloadResult, TreeStartResult, TreeStatus } from '../src/shared/export';
import { pointsOf } from './points';
import { mb, round, Sandbox, startApp } from './tree-export';
import { downloadZip } from '../sandbox/forge/download';

const PAGES = Number(process.env.BENCH_SPACE_PAGES ?? 10_000);
const ROOTS = Number(process.env.BENCH_SPACE_ROOTS ?? 50);
const POSTS = Number(process.env.BENCH_SPACE_POSTS ?? 200);
const LATENCY_MS = Number(process.env.BENCH_SPACE_LATENCY ?? 20);

export async function benchSpaceExport(): Promise<Record<string, unknown>> {
  const child = await Sandbox.start({ pages: PAGES, seed: 11, maxDepth: 8, rootPages: ROOTS, blogPosts: POSTS, paragraphsPerPage: 6 });
  const app = startApp(child.url);
  const accountId = SEED.users.alice;
  // From the panel on the space's homepage: the space comes from the context.
  const where = { accountId, content: { id: child.rootId, type: 'page' as const }, space: { ...GEN_SPACE } };
  try {
    await child.ask({ cmd: 'latency', ms: LATENCY_MS });
    await child.ask({ cmd: 'reset' });
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const t0 = performance.now();
    let st: Envelope<TreeStatus>;
    let listingSeconds = 0;
    try {
      const started = await app.invoke<Envelope<TreeStartResult>>('export/space/start', { ...where, payload: { format: 'md', comments: false, attachments: false } });
      if (!started.ok) throw new Error(`start failed: ${JSON.stringify(started.error)}`);
      listingSeconds = (performance.now() - t0) / 1000;
      await app.platform.drain();
      st = await app.invoke<Envelope<TreeStatus>>('export/tree/status', { ...where, payload: { jobId: started.data.jobId } });
    } finally {
      clearInterval(sampler);
    }
    const seconds = (performance.now() - t0) / 1000;
    peak = Math.max(peak, process.memoryUsage().rss);
    if (!st.ok || st.data.phase !== 'done') throw new Error(`export did not finish: ${JSON.stringify(st).slice(0, 500)}`);
    const served = await child.requests();
    const listing = served.requests.filter((r) => /\/spaces\/\d+\/(pages|blogposts)/.test(r.path));
    const bodies = served.requests.filter((r) => /^\/wiki\/api\/v2\/(pages|blogposts)\?/.test(r.path));
    const pages = st.data.done;
    // The private zip, slice by slice, as the panel fetches it.
    const jobId = st.data.jobId;
    const { zip, parts } = await downloadZip((part) => app.invoke<Envelope<TreeDownloadResult>>('export/tree/download', { ...where, payload: { jobId, part } }));
    const zipBytes = zip.byteLength;
    const points = pointsOf(served.requests);
    return {
      bench: 'space-export',
      pages,
      expected: PAGES + POSTS,
      blogPosts: POSTS,
      rootPages: ROOTS + 1,
      requests: served.requests.length,
      requestsPerPage: round(served.requests.length / pages, 4),
      listingRequests: listing.length,
      bodyRequests: bodies.length,
      points,
      pointsPerPage: round(points / pages, 4),
      failedRequests: served.requests.filter((r) => r.status >= 400 || r.status === 0).length,
      latencyMs: LATENCY_MS,
      listingSeconds: round(listingSeconds, 2),
      seconds: round(seconds, 2),
      pagesPerSecond: round(pages / seconds, 1),
      invocations: st.data.invocations,
      zipBytes,
      downloadInvokes: parts,
      peakRssMB: mb(peak),
      rssBeforeMB: mb(rssBefore),
      sandboxMaxRssMB: served.maxRssMB,
    };
  } finally {
    child.stop();
  }
}

if (require.main === module) {
  void benchSpaceExport().then((line) => console.log(JSON.stringify(line)));
}
