/**
 * Comments at scale: a page with 1,000 comments in threads three replies deep (built with the
 * sandbox Site API), read through the real `comments/list` resolver at 100 ms latency per request.
 * Reports requests (by kind), wall time and response size, plus the same walk at other concurrency
 * levels for comparison. `npx tsx bench/comments.ts` prints one JSON line.
 */
import { performance } from 'node:perf_hooks';
import * as a from '../sandbox/confluence/adf';
import type { AdfNode } from '../sandbox/confluence/adf';
import { Site } from '../sandbox/confluence/site';
import { startSandbox } from '../sandbox/harness';
import { createClient } from '../src/confluence/client';
import { countComments, exportComments, readComments, selectThreads, type CommentsModel } from '../src/comments';
import type { Envelope } from '../src/shared/envelope';
import type { CommentsResult } from '../src/shared/comments';
import { pointsOf } from './points';

const USERS = ['712020:bench-0000-0000-0000-000000000001', '712020:bench-0000-0000-0000-000000000002', '712020:bench-0000-0000-0000-000000000003'];
const PAGE = '500001';
const THREADS = { footer: 120, inline: 80 };
/** root, two replies, a reply to the first reply, and a reply to that: depths 0–3, 5 comments per thread. */
const PER_THREAD = 5;
const LATENCY_MS = 100;

const WORDS = 'review the table layout wording release draft owner status deadline budget risk check source typo merge clarify'.split(' ');

function body(seed: number): a.AdfDoc {
  // Bodies of 40–400 words, some with a list, so rendering and the size cap are exercised.
  const n = 40 + ((seed * 7919) % 360);
  const text = Array.from({ length: n }, (_, i) => WORDS[(seed + i * 31) % WORDS.length]).join(' ');
  const blocks: AdfNode[] = [a.p(text.slice(0, 60), a.text(' with emphasis', a.strong), text.slice(60))];
  if (seed % 5 === 0) blocks.push(a.ul([`point ${seed}`], ['another point']));
  return a.doc(...blocks);
}

export function buildSite(): { site: Site; expected: { comments: number; resolvedOrReopened: number } } {
  const site = new Site({ firstId: 600000 });
  USERS.forEach((id, i) => site.addUser({ accountId: id, displayName: `Bench User ${i + 1}`, accountType: 'atlassian' }));
  site.addSpace({ id: '300001', key: 'BENCH', name: 'Bench', authorId: USERS[0] ?? '' });

  // The page: one paragraph per inline thread, its highlight in it; some text edited, some gone.
  const marker = (i: number) => `bench-marker-${String(i).padStart(4, '0')}`;
  const paras: AdfNode[] = [a.h(1, 'Busy review')];
  for (let i = 0; i < THREADS.inline; i++) {
    if (i % 8 === 7) continue; // dangling: the highlighted text was deleted
    const words = i % 8 === 6 ? `edited words ${i}` : `highlight ${i}`;
    paras.push(a.p(`Paragraph ${i} has `, a.text(words, a.annotation(marker(i))), ' in it.'));
  }
  paras.push(a.p('An ', a.text('orphan highlight', a.annotation('bench-orphan')), ' too.'));
  site.addPage({ id: PAGE, parentId: null, title: 'Busy review', spaceId: '300001', authorId: USERS[0] ?? '', adf: a.doc(...paras) });

  let n = 0;
  let resolvedOrReopened = 0;
  const author = () => USERS[n % USERS.length] ?? '';
  const thread = (kind: 'footer' | 'inline', i: number) => {
    const states = ['open', 'open', 'resolved', 'open', 'reopened', 'resolved', 'open', 'dangling'] as const;
    const status = states[i % states.length] ?? 'open';
    const inline = kind === 'inline'
      ? { markerRef: marker(i), originalSelection: `highlight ${i}`, resolutionStatus: status, ...(status === 'resolved' || status === 'reopened' ? { resolvedBy: USERS[1], resolvedAt: site.tick() } : {}) }
      : {};
    if (kind === 'inline' && (status === 'resolved' || status === 'reopened')) resolvedOrReopened += 1;
    const add = (parent: string | null) => {
      n += 1;
      return site.addComment({ kind, pageId: PAGE, parentCommentId: parent, authorId: author(), adf: body(n), ...inline }).id;
    };
    const root = add(null);
    const first = add(root);
    add(root);
    const second = add(first);
    add(second);
  };
  for (let i = 0; i < THREADS.footer; i++) thread('footer', i);
  for (let i = 0; i < THREADS.inline; i++) thread('inline', i);
  return { site, expected: { comments: n, resolvedOrReopened } };
}

function kindOf(path: string): string {
  if (/\/pages\/\d+\/(footer|inline)-comments/.test(path)) return 'rootLists';
  if (path.includes('/children')) return 'children';
  if (/\/inline-comments\/\d+(\?|$)/.test(path)) return 'resolution';
  if (path.includes('users-bulk')) return 'users';
  if (/\/pages\/\d+(\?|$)/.test(path)) return 'pageBody';
  return 'other';
}

export async function benchComments(): Promise<Record<string, unknown>> {
  const { site, expected } = buildSite();
  const sb = await startSandbox({ site });
  try {
    const content = { id: PAGE, type: 'page' as const };
    const accountId = USERS[0] ?? '';

    // Warm-up at 0 latency: module loading and JIT out of the measurement. Its time is the CPU cost
    // of the sandbox server and the app together (both run in this process).
    sb.confluence.setLatency(0);
    let t = performance.now();
    await sb.invoke('comments/list', { accountId, content, payload: {} });
    const zeroLatencyMs = Math.round(performance.now() - t);

    sb.confluence.setLatency(LATENCY_MS);
    sb.confluence.resetRequests();
    t = performance.now();
    const env = await sb.invoke<Envelope<CommentsResult>>('comments/list', { accountId, content, payload: { sort: 'position' } });
    const wallMs = Math.round(performance.now() - t);
    if (!env.ok) throw new Error(`comments/list failed: ${env.error.code} ${env.error.message}`);
    const r = env.data;
    const requests = sb.confluence.requests.length;
    const points = pointsOf(sb.confluence.requests);
    const byKind: Record<string, number> = {};
    for (const q of sb.confluence.requests) byKind[kindOf(q.path)] = (byKind[kindOf(q.path)] ?? 0) + 1;

    // The same walk through the service at other concurrency levels (same client, same identity).
    const concurrency: Record<string, number> = {};
    let model: CommentsModel | undefined;
    for (const c of [8, 32]) {
      const start = performance.now();
      model = await sb.platform.run({ accountId, moduleKey: 'bench' }, () => readComments(createClient('user'), content, { concurrency: c }));
      concurrency[`c${c}`] = Math.round(performance.now() - start);
    }

    // Export sizes as they would travel in the resolver's answer (a JSON string).
    const exportBytes: Record<string, number> = {};
    if (model) {
      const { threads } = selectThreads(model, {});
      for (const format of ['markdown', 'csv', 'json'] as const) {
        const file = exportComments(format, { content: model.content, threads, counts: countComments(model.threads), anchors: model.anchors, skipped: model.skipped });
        exportBytes[format] = Buffer.byteLength(JSON.stringify(file.content));
      }
    }

    return {
      name: 'comments',
      comments: r.counts.total,
      expectedComments: expected.comments,
      threads: r.counts.threads,
      maxDepth: 3,
      latencyMs: LATENCY_MS,
      resolverConcurrency: 16,
      requests,
      points,
      pointsPerComment: Number((points / r.counts.total).toFixed(3)),
      // The floor set by latency alone: requests / concurrency × latency (the rest is sandbox and app CPU).
      latencyFloorMs: Math.round((requests / 16) * LATENCY_MS),
      requestsByKind: byKind,
      requestsPerComment: Number((requests / r.counts.total).toFixed(3)),
      wallMs,
      zeroLatencyMs,
      wallMsByConcurrency: concurrency,
      responseBytes: Buffer.byteLength(JSON.stringify(env)),
      exportBytes,
      clipped: r.clipped,
      anchors: { dangling: r.anchors.dangling.length, changed: r.anchors.changed.length, orphans: r.anchors.orphans.length },
      skipped: r.skipped.length,
      incomplete: r.incomplete,
    };
  } finally {
    await sb.close();
  }
}

if (require.main === module) {
  benchComments().then((r) => console.log(JSON.stringify(r)), (e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
