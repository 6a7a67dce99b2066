/**
 * The deploy artifact (dist/forge, `npm run bundle`; built here first when missing or stale, and then
 * the bundling time is reported): sizes of the functions bundle and of each UI Kit resource, and the
 * cold start of the functions: a fresh Node process loading index.cjs with only the platform globals,
 * up to its first `page/info` answer, against a warm call in the same process.
 * Two JSON lines: `deploy-size` and `deploy-cold-start`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { startConfluence } from '../sandbox/confluence/server';
import { SEED } from '../sandbox/confluence/seed';
import { ensureBundle, NODE_DIR, uiDir, uiResources } from '../sandbox/forge/artifact';
import { buildHost, copyArtifact, startBundledApp } from '../sandbox/forge/bundled-app';
import type { Envelope } from '../src/shared/envelope';
import { pointsOf } from './points';

const RUNS = 5;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.floor(s.length / 2)] ?? NaN);
};

/** Bytes of each shipped file (source maps are not loaded at run time), raw and gzipped. */
function sizes(dir: string): { files: Record<string, number>; bytes: number; gzipBytes: number } {
  const files: Record<string, number> = {};
  let gzipBytes = 0;
  for (const f of readdirSync(dir).filter((n) => !n.endsWith('.map') && !n.endsWith('.LICENSE.txt'))) {
    files[f] = statSync(join(dir, f)).size;
    gzipBytes += gzipSync(readFileSync(join(dir, f))).length;
  }
  return { files, bytes: Object.values(files).reduce((a, b) => a + b, 0), gzipBytes };
}

export async function benchDeploy(): Promise<Array<Record<string, unknown>>> {
  const build = await ensureBundle((line) => console.error(line));
  const functions = sizes(NODE_DIR);
  const ui = Object.fromEntries(uiResources().map((r) => [r, sizes(uiDir(r))]));

  const confluence = await startConfluence();
  const dir = copyArtifact(NODE_DIR);
  await buildHost(); // the host script is built once, not part of any cold start
  let served: Array<{ points: number }> = [];
  const cold: Array<{ startMs: number; loadMs: number; firstMs: number; totalMs: number; warmMs: number }> = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const app = await startBundledApp({ dir, confluenceUrl: confluence.url });
      const info = () => app.invoke<Envelope<unknown>>('page/info', { accountId: SEED.users.alice, content: { id: SEED.pages.rich, type: 'page' }, payload: {} });
      const t1 = performance.now();
      const first = await info();
      const t2 = performance.now();
      if (!first.ok) throw new Error(`page/info: ${JSON.stringify(first.error)}`);
      await info();
      const warmMs = performance.now() - t2;
      cold.push({ startMs: app.startMs, loadMs: app.loadMs, firstMs: t2 - t1, totalMs: t2 - t0, warmMs });
      await app.close();
    }
    served = confluence.requests;
  } finally {
    await confluence.close();
  }
  const m = (k: keyof (typeof cold)[number]): number => median(cold.map((c) => c[k]));
  return [
    {
      bench: 'deploy-size',
      functions: { 'index.cjs': functions.files['index.cjs'], gzipBytes: functions.gzipBytes },
      ui: Object.fromEntries(Object.entries(ui).map(([k, v]) => [k, { ...v.files, totalBytes: v.bytes, gzipBytes: v.gzipBytes }])),
      bundleMs: build.built ? build.ms : null,
      note: build.built ? 'built in this run (npm run bundle)' : 'dist/forge reused; delete it to time a build',
    },
    {
      bench: 'deploy-cold-start',
      runs: RUNS,
      // fork -> index.cjs required and handlers wired
      startMs: m('startMs'),
      // of which require('index.cjs')
      loadMs: m('loadMs'),
      // first page/info after start (first Confluence calls, lazy init)
      firstPageInfoMs: m('firstMs'),
      // fork -> first page/info answered: the cold start a user waits for
      coldMs: m('totalMs'),
      warmPageInfoMs: m('warmMs'),
      // Confluence's side of the RUNS × 2 page/info calls (cold and warm).
      requests: served.length,
      points: pointsOf(served),
      coldOverWarm: Number((m('totalMs') / Math.max(1, m('warmMs'))).toFixed(1)),
    },
  ];
}

if (require.main === module) {
  benchDeploy().then((lines) => lines.forEach((l) => console.log(JSON.stringify(l))), (e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
