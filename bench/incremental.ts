/**
 * Incremental tree export (issue 17, items 2 and 6): on a generated 1,000-page tree, a full export
 * through the real resolvers and queue consumer, then rounds of 1, 10 and 100 edited pages, each
 * re-exported incrementally (building on the previous round's export, as a user re-exporting would),
 * all against the same metered sandbox in the same run. One JSON line per round:
 *
 *   {"bench":"incremental","pages","changed","points","fullPoints","requests","fullRequests",
 *    "ofFullPoints","fetched","listed","detection":{points,requests},"floorPoints"}
 *
 * `points`/`requests`: everything the re-export cost Confluence (start: change search, metadata,
 * count; run: bodies, names). `fullPoints`/`fullRequests`: the full export measured at the start.
 * `floorPoints`: what this design cannot go below for that round: the site's time zone (systemInfo,
 * 2), one search (1 + one point per hit), the hits' metadata in bulk (1 + one per hit + the root), and
 * the changed bodies in bulk (one request per 250 + one per page); the name lookups are on top.
 * No search total is asked for (an estimate on real sites).
 *
 * A last line, `"event":"permissions_updated"`: one page of the tree restricted away from the
 * requester (Confluence sends the event, the trigger records it), then the re-export: it lists the
 * tree again as the user (about one point per page), the price of never carrying a page she may no
 * longer read. Moves and restores cost the same.
 */
import * as a from '../sandbox/confluence/adf';
import { generateSite } from '../sandbox/confluence/generate';
import { SEED } from '../sandbox/confluence/seed';
import { startSandbox, type Sandbox } from '../sandbox/harness';
import { downloadZip } from '../sandbox/forge/download';
import type { Envelope } from '../src/shared/envelope';
import type { TreeDownloadResult, TreeStartResult, TreeStatus } from '../src/shared/export';
import { pointsOf } from './points';

const PAGES = 1000;
const ROUNDS = [1, 10, 100];
const accountId = SEED.users.alice;

interface Run {
  points: number;
  requests: number;
  started: TreeStartResult;
  status: TreeStatus;
  detection: { points: number; requests: number };
  fetched: number;
}

/** One export, start to downloaded zip, metered from the start call on. */
async function exportOnce(sb: Sandbox, content: { id: string; type: 'page' }, mode: 'full' | 'incremental'): Promise<Run> {
  sb.confluence.resetRequests();
  const started = await sb.invoke<Envelope<TreeStartResult>>('export/tree/start', { accountId, content, payload: { format: 'md', comments: false, attachments: false, mode } });
  if (!started.ok) throw new Error(`start failed: ${started.error.code}`);
  const detection = { points: pointsOf(sb.confluence.requests), requests: sb.confluence.requests.length };
  await sb.platform.drain();
  const st = await sb.invoke<Envelope<TreeStatus>>('export/tree/status', { accountId, content, payload: { jobId: started.data.jobId } });
  if (!st.ok || st.data.phase !== 'done') throw new Error(`export did not finish: ${JSON.stringify(st.ok ? st.data.error : st.error)}`);
  await downloadZip((part) => sb.invoke<Envelope<TreeDownloadResult>>('export/tree/download', { accountId, content, payload: { jobId: started.data.jobId, part } }));
  const fetched = sb.confluence.requests.filter((r) => r.path.includes('body-format')).reduce((n, r) => n + new URL(`http://x${r.path}`).searchParams.getAll('id').length, 0);
  return { points: pointsOf(sb.confluence.requests), requests: sb.confluence.requests.length, started: started.data, status: st.data, detection, fetched };
}

export async function benchIncremental(): Promise<Array<Record<string, unknown>>> {
  const { site, rootId } = generateSite({ pages: PAGES, seed: 11, maxDepth: 8, paragraphsPerPage: 3 });
  const sb = await startSandbox({ site });
  try {
    const content = { id: rootId, type: 'page' as const };
    const full = await exportOnce(sb, content, 'full');
    const under = [...site.contents.values()].filter((c) => c.type === 'page' && site.ancestorIds(c.id).includes(rootId));
    const lines: Array<Record<string, unknown>> = [];
    for (const [round, changed] of ROUNDS.entries()) {
      const edited = new Set<string>();
      for (let i = round * 7; edited.size < changed; i++) edited.add(under[(i * 97) % under.length]?.id ?? '');
      for (const id of edited) site.updatePage(id, { adf: a.doc(a.p(`Edited in round ${round}.`)) }, accountId);
      const inc = await exportOnce(sb, content, 'incremental');
      if (inc.started.mode !== 'incremental') throw new Error(`round ${round} ran in full: ${inc.started.reason}`);
      const hits = changed; // every edit is a hit; pages edited near the base's site time may add a few
      lines.push({
        bench: 'incremental',
        pages: full.status.done,
        changed,
        points: inc.points,
        fullPoints: full.points,
        requests: inc.requests,
        fullRequests: full.requests,
        ofFullPoints: Number((inc.points / full.points).toFixed(4)),
        fetched: inc.fetched,
        listed: inc.status.report.some((r) => r.what === 'incremental' && r.detail.includes('listed again')),
        detection: inc.detection,
        floorPoints: 2 + 1 + hits + (1 + hits + 1) + Math.ceil(changed / 250) + changed,
        target: inc.points <= 0.05 * full.points || changed !== 10 ? 'met' : 'missed',
      });
    }
    const hidden = under[500]?.id ?? '';
    site.restrict(hidden, [SEED.users.bob], SEED.users.bob);
    const touched = await exportOnce(sb, content, 'incremental');
    if (touched.started.mode !== 'incremental') throw new Error(`the touched round ran in full: ${touched.started.reason}`);
    lines.push({
      bench: 'incremental',
      event: 'permissions_updated',
      pages: full.status.done,
      changed: 0,
      points: touched.points,
      fullPoints: full.points,
      requests: touched.requests,
      fullRequests: full.requests,
      ofFullPoints: Number((touched.points / full.points).toFixed(4)),
      fetched: touched.fetched,
      listed: touched.status.report.some((r) => r.what === 'incremental' && r.detail.includes('listed again')),
      detection: touched.detection,
    });
    return lines;
  } finally {
    await sb.close();
  }
}

if (require.main === module) {
  benchIncremental().then((lines) => lines.forEach((l) => console.log(JSON.stringify(l))), (e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
