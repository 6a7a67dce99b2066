/**
 * The sandbox Confluence for bench/tree-export.ts, in its own process, so the generated site's memory
 * is not counted as the app's. Forked with IPC and one JSON argument (`generateSite` options): it
 * builds the same site from the same seed, serves it, and sends `{ready, url, rootId}`. It answers
 * `{cmd: 'latency', ms}`, `{cmd: 'reset'}` and `{cmd: 'requests'}` (the requests served since the
 * last reset, plus its own peak RSS) over IPC, and serves until the parent disconnects.
 */
import { generateSite, type GenerateOptions } from '../sandbox/confluence/generate';
import { startConfluence } from '../sandbox/confluence/server';
import { meterWithoutLimit } from './points';

export type ChildCommand = { cmd: 'latency'; ms: number } | { cmd: 'reset' } | { cmd: 'requests' };

export type ChildMessage =
  | { ready: true; url: string; rootId: string; pages: number }
  | { ok: true }
  | { requests: Array<{ method: string; path: string; principal: string; status: number; points: number }>; maxRssMB: number };

async function main(options: GenerateOptions): Promise<void> {
  meterWithoutLimit();
  const { site, rootId } = generateSite(options);
  const sandbox = await startConfluence({ site });
  const send = (m: ChildMessage): void => {
    process.send?.(m);
  };
  process.on('message', (m: ChildCommand) => {
    if (m.cmd === 'latency') sandbox.setLatency(m.ms);
    if (m.cmd === 'reset') sandbox.resetRequests();
    if (m.cmd === 'requests') {
      send({ requests: sandbox.requests.map((r) => ({ ...r })), maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) });
    } else send({ ok: true });
  });
  // The parent going away (normally or not) ends the child too.
  process.on('disconnect', () => {
    void sandbox.close().finally(() => process.exit(0));
  });
  send({ ready: true, url: sandbox.url, rootId, pages: site.contents.size });
}

if (process.send) {
  main(JSON.parse(process.argv[2] ?? '{}') as GenerateOptions).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
