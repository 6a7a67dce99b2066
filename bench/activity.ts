/**
 * Events at volume: a page with auto-export on receives N edits, each delivered twice (as the
 * platform may), plus a comment per edit. Reports Confluence requests per auto-export (the metered
 * cost), KVS operations per delivery, trigger latency, the activity log's size (entries and bytes), and that exactly one
 * attachment version was written per page version. `npx tsx bench/activity.ts` prints one JSON line.
 */
import { performance } from 'node:perf_hooks';
import * as a from '../sandbox/confluence/adf';
import { SEED } from '../sandbox/confluence/seed';
import { commentCreatedEvent, pageUpdatedEvent } from '../sandbox/forge/events';
import { startSandbox } from '../sandbox/harness';
import { logPrefix } from '../src/activity/log';
import { pointsOf } from './points';

const EDITS = 200;
const LATENCY_MS = 20;

export async function benchActivity(): Promise<Record<string, unknown>> {
  const sb = await startSandbox();
  try {
    const site = sb.confluence.site;
    const pageId = SEED.pages.guide;
    const { alice, bob } = SEED.users;
    await sb.invoke('autoexport/set', { accountId: alice, content: { id: pageId, type: 'page' }, payload: { enabled: true, format: 'md', frontMatter: true, comments: false } });
    await sb.platform.drain();
    sb.confluence.setLatency(LATENCY_MS);
    sb.confluence.resetRequests();
    const kvsBefore = sb.platform.kvs.ops.length;

    const triggerMs: number[] = [];
    let deliveries = 0;
    const started = performance.now();
    for (let i = 0; i < EDITS; i++) {
      site.updatePage(pageId, { adf: a.doc(a.p(`Edit ${i}.`)) }, i % 2 ? alice : bob);
      const event = pageUpdatedEvent(site, pageId);
      for (let k = 0; k < 2; k++) {
        const t = performance.now();
        await sb.trigger(event);
        triggerMs.push(performance.now() - t);
        deliveries++;
      }
      const c = site.addComment({ kind: 'footer', pageId, authorId: bob, adf: a.doc(a.p(`Comment ${i}.`)) });
      const t = performance.now();
      await sb.trigger(commentCreatedEvent(site, c.id));
      triggerMs.push(performance.now() - t);
      deliveries++;
      // Edits minutes apart, as on a real site: each export finishes before the next edit.
      await sb.platform.drain();
    }
    const wallMs = Math.round(performance.now() - started);
    const copy = site.attachmentsOf(pageId).find((x) => x.title.endsWith('.md'));
    const sorted = [...triggerMs].sort((x, y) => x - y);
    const pct = (p: number) => Number((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0).toFixed(2));
    const exports = (copy?.history.length ?? 1) - 1;
    return {
      edits: EDITS,
      deliveries,
      latencyMs: LATENCY_MS,
      attachmentVersionsWritten: exports,
      oneVersionPerPageVersion: exports === EDITS,
      confluenceRequests: sb.confluence.requests.length,
      points: pointsOf(sb.confluence.requests),
      pointsPerAutoExport: Number((pointsOf(sb.confluence.requests) / Math.max(1, exports)).toFixed(2)),
      requestsPerAutoExport: Number((sb.confluence.requests.length / Math.max(1, exports)).toFixed(2)),
      // Trigger and consumer together (the consumer's reads and writes are spread over the deliveries).
      kvsOpsPerDelivery: Number(((sb.platform.kvs.ops.length - kvsBefore) / deliveries).toFixed(2)),
      triggerMsP50: pct(0.5),
      triggerMsP95: pct(0.95),
      wallMs,
      logEntries: sb.platform.kvs.keys().filter((k) => k.startsWith(logPrefix(pageId))).length,
      logBytes: sb.platform.kvs.keys().filter((k) => k.startsWith(logPrefix(pageId))).reduce((n, k) => n + Buffer.byteLength(JSON.stringify(sb.platform.kvs.peek(k))), 0),
    };
  } finally {
    await sb.close();
  }
}

if (require.main === module) {
  benchActivity().then((r) => console.log(JSON.stringify(r)), (e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
