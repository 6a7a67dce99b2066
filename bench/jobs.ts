/**
 * "Your exports" (`export/jobs`, issue 23) on the seed site: Confluence requests and points (none:
 * it reads the job index in KVS), and KVS operations, with the caller's jobs among other users'.
 * And the global page's space list (`export/spaces`): requests and points on the seed site and on
 * a site with 1,200 more spaces, with and without a search.
 */
import { SEED } from '../sandbox/confluence/seed';
import { startSandbox } from '../sandbox/harness';
import { pointsOf } from './points';

export async function benchJobs(): Promise<Array<Record<string, unknown>>> {
  const sb = await startSandbox();
  try {
    const home = { id: SEED.pages.home, type: 'page' as const };
    const guide = { id: SEED.pages.guide, type: 'page' as const };
    // Alice: 3 finished exports (the storage limit keeps at most 10 undownloaded); Bob: 3 more.
    for (const accountId of [SEED.users.alice, SEED.users.bob]) {
      for (const content of [home, guide, home]) await sb.invoke('export/tree/start', { accountId, content, payload: { format: 'md', mode: 'full' } });
      await sb.platform.drain();
    }
    const lines: Array<Record<string, unknown>> = [];
    for (const where of ['page', 'global'] as const) {
      sb.confluence.resetRequests();
      const ops = sb.platform.kvs.ops.length;
      const t = performance.now();
      const answer = await sb.invoke<{ ok: boolean; data?: { jobs: unknown[] } }>('export/jobs', { accountId: SEED.users.alice, ...(where === 'page' ? { content: home } : {}), payload: {} });
      lines.push({
        bench: 'jobs',
        where,
        jobsListed: answer.data?.jobs.length ?? 0,
        jobsOnSite: 6,
        requests: sb.confluence.requests.length,
        points: pointsOf(sb.confluence.requests),
        kvsOps: sb.platform.kvs.ops.length - ops,
        ms: Math.round(performance.now() - t),
      });
    }
    // The global page's space list (export/spaces): the seed site, then 1,200 more spaces (past one answer's 1,000).
    for (const extra of [0, 1200]) {
      for (let i = 0; i < extra; i++) sb.confluence.site.addSpace({ id: String(800000 + i), key: `B${i}`, name: `Bench ${i}`, authorId: SEED.users.alice });
      for (const query of [undefined, 'bench 11']) {
        sb.confluence.resetRequests();
        const t = performance.now();
        const answer = await sb.invoke<{ ok: boolean; data?: { spaces: unknown[]; more: boolean } }>('export/spaces', { accountId: SEED.users.alice, payload: query ? { query } : {} });
        lines.push({
          bench: 'spaces',
          spacesOnSite: sb.confluence.site.spaces.size,
          query: query ?? null,
          listed: answer.data?.spaces.length ?? 0,
          more: answer.data?.more ?? null,
          requests: sb.confluence.requests.length,
          points: pointsOf(sb.confluence.requests),
          ms: Math.round(performance.now() - t),
        });
      }
    }
    return lines;
  } finally {
    await sb.close();
  }
}
