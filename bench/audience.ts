/**
 * The cost of the audience check (issue 13): a page whose children macro lists 1,000 child pages
 * (every 10th restricted), exported to Markdown as a download (no check) and as an attachment (each
 * child checked: can every viewer of the page read it?). Reports Confluence requests and time for
 * both, per 1,000 listed children. `npx tsx bench/audience.ts` prints one JSON line.
 */
import { performance } from 'node:perf_hooks';
import * as a from '../sandbox/confluence/adf';
import { SEED } from '../sandbox/confluence/seed';
import { startSandbox } from '../sandbox/harness';
import { pointsOf } from './points';

const CHILDREN = 1000;

export async function benchAudience(): Promise<Record<string, unknown>> {
  const sb = await startSandbox({ latencyMs: 2 });
  try {
    const site = sb.confluence.site;
    const parent = site.addPage({ id: '990000', parentId: SEED.pages.home, title: 'Many Children', spaceId: SEED.space.id, authorId: SEED.users.alice, adf: a.doc(a.p('Index.'), a.macro('children', {}, 'kids')), labels: [] });
    for (let i = 1; i <= CHILDREN; i++) {
      const child = site.addPage({ id: String(990000 + i), parentId: parent.id, title: `Child ${i}`, spaceId: SEED.space.id, authorId: SEED.users.alice, adf: a.doc(a.p(`Child ${i}.`)), labels: [] });
      if (i % 10 === 0) site.restrict(child.id, [SEED.users.alice]);
    }
    const call = async (key: 'export/page' | 'export/attach') => {
      sb.confluence.resetRequests();
      const t = performance.now();
      const env = (await sb.invoke(key, { accountId: SEED.users.alice, content: { id: parent.id, type: 'page' }, payload: { format: 'md', frontMatter: false } })) as { ok: boolean; data?: { report: Array<{ kind: string }> } };
      if (!env.ok) throw new Error(`${key} failed`);
      return { ms: Math.round(performance.now() - t), requests: sb.confluence.requests.length, points: pointsOf(sb.confluence.requests), withheld: (env.data?.report ?? []).filter((e) => e.kind === 'withheld').length };
    };
    await call('export/page'); // warm-up
    const download = await call('export/page');
    const attach = await call('export/attach');
    return {
      children: CHILDREN,
      latencyMs: 2,
      downloadRequests: download.requests,
      downloadPoints: download.points,
      downloadMs: download.ms,
      attachRequests: attach.requests,
      attachPoints: attach.points,
      points: download.points + attach.points,
      attachMs: attach.ms,
      checkRequestsPer1000: Math.round(((attach.requests - download.requests - 1) / CHILDREN) * 1000),
      withheld: attach.withheld,
    };
  } finally {
    await sb.close();
  }
}

if (require.main === module) {
  benchAudience().then((r) => console.log(JSON.stringify(r)), (e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
