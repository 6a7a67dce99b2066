/**
 * Tree export on a generated 1,000-page site, through the real resolver and queue consumer:
 * requests per page (bulk bodies) against a page-at-a-time fetch of the same tree in the same run,
 * pages per second with 100 ms injected latency, and peak RSS. `npx tsx bench/tree-export.ts`.
 */
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateSite } from '../sandbox/confluence/generate';
import { SEED } from '../sandbox/confluence/seed';
import { startSandbox } from '../sandbox/harness';
import { createClient } from '../src/confluence/client';
import { allDescendants } from '../src/confluence/tree';
import type { Envelope } from '../src/shared/envelope';
import type { TreeStartResult, TreeStatus } from '../src/shared/export';

const PAGES = 1000;
const LATENCY_MS = 100;

export async function benchTreeExport(): Promise<Record<string, unknown>> {
  const { site, rootId } = generateSite({ pages: PAGES, seed: 7 });
  const sb = await startSandbox({ site });
  const accountId = SEED.users.alice;
  const content = { id: rootId, type: 'page' as const };
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 25);
  try {
    // Ours: listing as the user, bulk bodies as the app, one zip upload.
    sb.confluence.setLatency(LATENCY_MS);
    sb.confluence.resetRequests();
    const t0 = performance.now();
    const started = await sb.invoke<Envelope<TreeStartResult>>('export/tree/start', { accountId, content, payload: { format: 'md', comments: false, attachments: false } });
    if (!started.ok) throw new Error(`start failed: ${started.error.code}`);
    await sb.platform.drain();
    const seconds = (performance.now() - t0) / 1000;
    const st = await sb.invoke<Envelope<TreeStatus>>('export/tree/status', { accountId, content, payload: { jobId: started.data.jobId } });
    if (!st.ok || st.data.phase !== 'done') throw new Error(`export did not finish: ${JSON.stringify(st)}`);
    const requests = sb.confluence.requests.length;
    // The user's listing (/descendants, re-listed below every 10th level) vs. the job's own requests.
    const listingRequests = sb.confluence.requests.filter((r) => r.path.includes('/descendants')).length;
    const pages = st.data.done;

    // Baseline: the same tree, one body request per page (as page-at-a-time exporters do), plus
    // the same listing and upload. Request counts do not depend on latency, so it runs without.
    sb.confluence.setLatency(0);
    sb.confluence.resetRequests();
    await sb.platform.run({ accountId, moduleKey: 'bench' }, async () => {
      const client = createClient('user');
      const ids = [rootId];
      for await (const d of allDescendants(client, rootId)) if (d.type === 'page') ids.push(d.id);
      for (const id of ids) await client.getPage(id, { bodyFormat: 'atlas_doc_format' });
    });
    const baselineRequests = sb.confluence.requests.length + 1; // + the upload
    return {
      bench: 'tree-export',
      pages,
      requests,
      requestsPerPage: round(requests / pages, 4),
      baselineRequestsPerPage: round(baselineRequests / pages, 4),
      listingRequests,
      jobRequests: requests - listingRequests,
      jobRequestsPerPage: round((requests - listingRequests) / pages, 4),
      latencyMs: LATENCY_MS,
      pagesPerSecond: round(pages / seconds, 1),
      seconds: round(seconds, 2),
      invocations: st.data.invocations,
      zipBytes: st.data.attachment?.bytes,
      peakRssMB: Math.round(peak / (1024 * 1024)),
    };
  } finally {
    clearInterval(sampler);
    await sb.close();
  }
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

// Works under tsx whether it runs this file as CommonJS or ESM.
if (basename(process.argv[1] ?? '').replace(/\.[cm]?[jt]s$/, '') === 'tree-export') {
  void benchTreeExport().then((r) => console.log(JSON.stringify(r)));
}
