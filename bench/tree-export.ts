/**
 * Tree export of a generated 1,000-page tree, through the real resolver and queue consumer, on two
 * shapes: `realistic` (at most 8 levels, like most real spaces: one /descendants listing suffices)
 * and `deep` (23 levels: the listing must continue below the depth-10 cap). For each: requests per
 * page (bulk bodies) against a page-at-a-time fetch of the same tree in the same run, pages per
 * second with 100 ms injected latency, and the app's memory.
 *
 * Each shape runs twice in the same process: the private export (the default: bodies read as the
 * requester, the zip downloaded in slices through `export/tree/download`) and the attached one (the
 * same plus one read-restriction check per tree item, and the upload). The difference is the cost of
 * the "every viewer can read it" rule, reported per 1,000 exported pages; the download is reported
 * per MB (invokes and time; in-process invokes, so no network round trip is included).
 *
 * The sandbox Confluence runs in a child process (bench/tree-export-sandbox.ts) so that the memory
 * measured here is the app's: the resolver, the job, the Forge platform and its in-memory KVS.
 * Requests are counted by the child, which sees every one. Returns one JSON object per shape.
 * `npx tsx bench/tree-export.ts`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { GenerateOptions } from '../sandbox/confluence/generate';
import { SEED } from '../sandbox/confluence/seed';
import { readManifest } from '../sandbox/harness';
import { invokeResolver } from '../sandbox/forge/invoke';
import { installForgePlatform, type ConsumerHandler, type ForgePlatform } from '../sandbox/forge/platform';
import { impersonationScopes } from '../sandbox/forge/scopes';
import * as app from '../src/index';
import { createClient } from '../src/confluence/client';
import { allDescendants } from '../src/confluence/tree';
import { restrictedItems, tuning } from '../src/jobs/tree-run';
import type { Envelope } from '../src/shared/envelope';
import type { TreeDownloadResult, TreeStartResult, TreeStatus } from '../src/shared/export';
import type { ChildCommand, ChildMessage } from './tree-export-sandbox';
import { pointsOf } from './points';
import { downloadZip } from '../sandbox/forge/download';

// Overridable for one-off runs (e.g. the 10,000-page check: BENCH_TREE_PAGES=10000 BENCH_TREE_LATENCY=0).
const PAGES = Number(process.env.BENCH_TREE_PAGES ?? 1000);
const LATENCY_MS = Number(process.env.BENCH_TREE_LATENCY ?? 100);
const SHAPES: Array<{ shape: string; site: GenerateOptions }> = [
  { shape: 'realistic', site: { pages: PAGES, seed: 7, maxDepth: 8 } },
  { shape: 'deep', site: { pages: PAGES, seed: 7 } },
];

export async function benchTreeExport(): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  for (const s of SHAPES) out.push(await runShape(s.shape, s.site));
  return out;
}

async function runShape(shape: string, siteOptions: GenerateOptions): Promise<Record<string, unknown>> {
  const child = await Sandbox.start(siteOptions);
  const app = startApp(child.url);
  const accountId = SEED.users.alice;
  const content = { id: child.rootId, type: 'page' as const };
  try {
    const priv = await exportOnce(child, app, { accountId, content, attach: false });
    const attached = await exportOnce(child, app, { accountId, content, attach: true });
    const per1000 = (n: number): number => round((n * 1000) / priv.pages, 1);
    const checks = attached.served.filter((r) => r.path.includes('/restriction/')).length;
    // The check phase alone, timed directly (totals of two exports differ by more than it on a
    // shared machine): the job's own function, same tree, same latency and concurrency.
    await child.ask({ cmd: 'latency', ms: LATENCY_MS });
    const checkSeconds = await app.platform.run({ moduleKey: 'bench' }, async () => {
      const ids: Array<{ id: string }> = [];
      await app.platform.run({ accountId, moduleKey: 'bench' }, async () => {
        for await (const d of allDescendants(createClient('user'), child.rootId)) ids.push({ id: d.id });
      });
      const t = performance.now();
      await restrictedItems({ root: { id: child.rootId, type: 'page', title: '', version: 0 } }, ids, createClient('app'));
      return (performance.now() - t) / 1000;
    });
    // Baseline: the same tree, one body request per page (as page-at-a-time exporters do), plus
    // the same listing and upload. Request counts do not depend on latency, so it runs without.
    await child.ask({ cmd: 'latency', ms: 0 });
    await child.ask({ cmd: 'reset' });
    await app.platform.run({ accountId, moduleKey: 'bench' }, async () => {
      const client = createClient('user');
      const ids = [child.rootId];
      for await (const d of allDescendants(client, child.rootId)) if (d.type === 'page') ids.push(d.id);
      for (const id of ids) await client.getPage(id, { bodyFormat: 'atlas_doc_format' });
    });
    const baseline = (await child.requests()).requests;
    const baselineRequests = baseline.length + 1; // + the upload
    const baselinePoints = pointsOf(baseline) + 1; // + the upload (a write: the base only)
    const { served: _s, ...main } = priv;
    return {
      bench: 'tree-export',
      shape,
      ...main,
      maxDepth: siteOptions.maxDepth ?? null,
      baselineRequestsPerPage: round(baselineRequests / priv.pages, 4),
      baselinePointsPerPage: round(baselinePoints / priv.pages, 4),
      latencyMs: LATENCY_MS,
      // Reads as the requester (impersonated) cost no request more than reads as the app did.
      bodiesAsRequester: priv.served.filter((r) => r.path.startsWith('/wiki/api/v2/pages?')).every((r) => r.principal === `user:${accountId}`),
      attach: {
        pages: attached.pages,
        requests: attached.requests,
        points: attached.points,
        seconds: attached.seconds,
        restrictionChecks: checks,
        uploads: attached.served.filter((r) => r.method === 'PUT').length,
      },
      // The attach rule's cost, same run, same tree: attached minus private (minus the one upload).
      permissionChecks: {
        requestsPer1000Pages: per1000(attached.requests - priv.requests - 1),
        restrictionReadsPer1000Pages: per1000(checks),
        secondsPer1000Pages: round((checkSeconds * 1000) / priv.pages, 2),
        concurrency: tuning.checkConcurrency,
        before: { requestsPer1000Pages: per1000(priv.requests), secondsPer1000Pages: round((priv.seconds * 1000) / priv.pages, 2) },
        after: { requestsPer1000Pages: per1000(attached.requests), secondsPer1000Pages: round((attached.seconds * 1000) / priv.pages, 2) },
      },
    };
  } finally {
    child.stop();
  }
}

type App = ReturnType<typeof startApp>;

/** One export of the whole tree (private or attached), timed, with its requests; private ones downloaded too. */
async function exportOnce(child: Sandbox, app: App, o: { accountId: string; content: { id: string; type: 'page' }; attach: boolean }) {
  const { platform, invoke } = app;
  const { accountId, content } = o;
  await child.ask({ cmd: 'latency', ms: LATENCY_MS });
  await child.ask({ cmd: 'reset' });
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const t0 = performance.now();
  let st: Envelope<TreeStatus>;
  try {
    const started = await invoke<Envelope<TreeStartResult>>('export/tree/start', { accountId, content, payload: { format: 'md', comments: false, attachments: false, attach: o.attach } });
    if (!started.ok) throw new Error(`start failed: ${started.error.code}`);
    await platform.drain();
    st = await invoke<Envelope<TreeStatus>>('export/tree/status', { accountId, content, payload: { jobId: started.data.jobId } });
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - t0) / 1000;
  peak = Math.max(peak, process.memoryUsage().rss);
  if (!st.ok || st.data.phase !== 'done') throw new Error(`export did not finish: ${JSON.stringify(st)}`);
  const served = await child.requests();
  const requests = served.requests.length;
  const points = pointsOf(served.requests);
  // The user's listing (/descendants) vs. the job's own requests (bodies, space, upload).
  const listingRequests = served.requests.filter((r) => r.path.includes('/descendants')).length;
  const failed = served.requests.filter((r) => r.status >= 400 || r.status === 0).length;
  const pages = st.data.done;
  const download = st.data.download ? await downloadAll(app, accountId, content, st.data.jobId) : undefined;
  return {
    pages,
    requests,
    requestsPerPage: round(requests / pages, 4),
    points,
    pointsPerPage: round(points / pages, 4),
    listingRequests,
    jobRequests: requests - listingRequests,
    jobRequestsPerPage: round((requests - listingRequests) / pages, 4),
    failedRequests: failed,
    pagesPerSecond: round(pages / seconds, 1),
    seconds: round(seconds, 2),
    invocations: st.data.invocations,
    zipBytes: st.data.download?.bytes ?? st.data.attachment?.bytes,
    download,
    // This process only (the app); sampled every 20 ms during the export.
    peakRssMB: mb(peak),
    rssBeforeMB: mb(rssBefore),
    // Whole life of this process, so earlier benches in the same run count too.
    processMaxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    sandboxMaxRssMB: served.maxRssMB,
    served: served.requests,
  };
}

/** The private zip through `export/tree/download`, slice by slice, as the panel fetches it. */
async function downloadAll(app: App, accountId: string, content: { id: string; type: 'page' }, jobId: string) {
  const t0 = performance.now();
  const got = await downloadZip((part) => app.invoke<Envelope<TreeDownloadResult>>('export/tree/download', { accountId, content, payload: { jobId, part } }));
  const { parts: invokes, answerMaxBytes } = got;
  const bytes = got.zip.byteLength;
  const seconds = (performance.now() - t0) / 1000;
  const megabytes = bytes / 1e6;
  return {
    bytes,
    invokes,
    invokesPerMB: round(invokes / megabytes, 2),
    msPerMB: round((seconds * 1000) / megabytes, 1),
    // Must stay under the 5 MB invoke response limit.
    answerMaxBytes,
  };
}

/** The app's handlers wired from manifest.yml, as sandbox/harness.ts does, against a remote sandbox. */
export function startApp(confluenceUrl: string): {
  platform: ForgePlatform;
  invoke<T>(key: string, o: { accountId: string; content: { id: string; type: 'page' }; space?: { id: string; key: string }; payload: unknown }): Promise<T>;
} {
  const manifest = readManifest();
  const platform = installForgePlatform({ confluenceUrl, impersonationScopes: impersonationScopes((manifest as { permissions?: { scopes?: unknown } }).permissions?.scopes) });
  const handler = (functionKey: string): unknown => {
    const exportName = manifest.modules?.function?.find((f) => f.key === functionKey)?.handler.replace(/^index\./, '');
    const fn = exportName ? (app as unknown as Record<string, unknown>)[exportName] : undefined;
    if (typeof fn !== 'function') throw new Error(`no handler for manifest function ${functionKey}`);
    return fn;
  };
  for (const c of manifest.modules?.consumer ?? []) platform.registerConsumer(c.queue, handler(c.function) as ConsumerHandler);
  const resolver = handler('resolver') as (req: unknown, rt: unknown) => Promise<unknown>;
  return {
    platform,
    async invoke<T>(key: string, o: { accountId: string; content: { id: string; type: 'page' }; space?: { id: string; key: string }; payload: unknown }) {
      return (await invokeResolver(platform, resolver, { key, accountId: o.accountId, content: o.content, space: o.space, payload: o.payload })) as T;
    },
  };
}

/** The child process serving the generated site; one command at a time over IPC. */
export class Sandbox {
  private constructor(private readonly proc: ChildProcess, readonly url: string, readonly rootId: string) {}

  static async start(site: GenerateOptions): Promise<Sandbox> {
    // Under tsx the child inherits its loader; otherwise ask node for it.
    const execArgv = process.execArgv.some((a) => a.includes('tsx')) ? process.execArgv : ['--import', 'tsx'];
    const proc = fork(join(__dirname, 'tree-export-sandbox.ts'), [JSON.stringify(site)], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const ready = await next(proc);
    if (!('ready' in ready)) throw new Error('sandbox child did not start');
    return new Sandbox(proc, ready.url, ready.rootId);
  }

  async ask(c: ChildCommand): Promise<ChildMessage> {
    const answer = next(this.proc);
    this.proc.send(c);
    return answer;
  }

  async requests(): Promise<Extract<ChildMessage, { requests: unknown }>> {
    const m = await this.ask({ cmd: 'requests' });
    if (!('requests' in m)) throw new Error('unexpected answer from the sandbox child');
    return m;
  }

  stop(): void {
    if (this.proc.connected) this.proc.disconnect();
  }
}

function next(proc: ChildProcess): Promise<ChildMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: ChildMessage): void => {
      proc.off('exit', onExit);
      resolve(m);
    };
    const onExit = (code: number | null): void => {
      proc.off('message', onMessage);
      reject(new Error(`sandbox child exited (${code})`));
    };
    proc.once('message', onMessage);
    proc.once('exit', onExit);
  });
}

export const mb = (bytes: number): number => Math.round(bytes / (1024 * 1024));

export function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

if (require.main === module) {
  void benchTreeExport().then((lines) => {
    for (const line of lines) console.log(JSON.stringify(line));
  });
}
