/**
 * Tree export of a generated 1,000-page tree, through the real resolver and queue consumer, on two
 * shapes: `realistic` (at most 8 levels, like most real spaces: one /descendants listing suffices)
 * and `deep` (23 levels: the listing must continue below the depth-10 cap). For each: requests per
 * page (bulk bodies) against a page-at-a-time fetch of the same tree in the same run, pages per
 * second with 100 ms injected latency, and the app's memory.
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
import * as app from '../src/index';
import { createClient } from '../src/confluence/client';
import { allDescendants } from '../src/confluence/tree';
import type { Envelope } from '../src/shared/envelope';
import type { TreeStartResult, TreeStatus } from '../src/shared/export';
import type { ChildCommand, ChildMessage } from './tree-export-sandbox';

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
  const { platform, invoke } = startApp(child.url);
  const accountId = SEED.users.alice;
  const content = { id: child.rootId, type: 'page' as const };
  try {
    // Ours: listing as the user, bulk bodies as the app, one zip upload.
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
      const started = await invoke<Envelope<TreeStartResult>>('export/tree/start', { accountId, content, payload: { format: 'md', comments: false, attachments: false } });
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
    // The user's listing (/descendants) vs. the job's own requests (bodies, space, upload).
    const listingRequests = served.requests.filter((r) => r.path.includes('/descendants')).length;
    const failed = served.requests.filter((r) => r.status >= 400 || r.status === 0).length;
    const pages = st.data.done;

    // Baseline: the same tree, one body request per page (as page-at-a-time exporters do), plus
    // the same listing and upload. Request counts do not depend on latency, so it runs without.
    await child.ask({ cmd: 'latency', ms: 0 });
    await child.ask({ cmd: 'reset' });
    await platform.run({ accountId, moduleKey: 'bench' }, async () => {
      const client = createClient('user');
      const ids = [child.rootId];
      for await (const d of allDescendants(client, child.rootId)) if (d.type === 'page') ids.push(d.id);
      for (const id of ids) await client.getPage(id, { bodyFormat: 'atlas_doc_format' });
    });
    const baselineRequests = (await child.requests()).requests.length + 1; // + the upload
    return {
      bench: 'tree-export',
      shape,
      pages,
      maxDepth: siteOptions.maxDepth ?? null,
      requests,
      requestsPerPage: round(requests / pages, 4),
      baselineRequestsPerPage: round(baselineRequests / pages, 4),
      listingRequests,
      jobRequests: requests - listingRequests,
      jobRequestsPerPage: round((requests - listingRequests) / pages, 4),
      failedRequests: failed,
      latencyMs: LATENCY_MS,
      pagesPerSecond: round(pages / seconds, 1),
      seconds: round(seconds, 2),
      invocations: st.data.invocations,
      zipBytes: st.data.attachment?.bytes,
      // This process only (the app); sampled every 20 ms during the export.
      peakRssMB: mb(peak),
      rssBeforeMB: mb(rssBefore),
      // Whole life of this process, so earlier benches in the same run count too.
      processMaxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      sandboxMaxRssMB: served.maxRssMB,
    };
  } finally {
    child.stop();
  }
}

/** The app's handlers wired from manifest.yml, as sandbox/harness.ts does, against a remote sandbox. */
function startApp(confluenceUrl: string): {
  platform: ForgePlatform;
  invoke<T>(key: string, o: { accountId: string; content: { id: string; type: 'page' }; payload: unknown }): Promise<T>;
} {
  const platform = installForgePlatform({ confluenceUrl });
  const manifest = readManifest();
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
    async invoke<T>(key: string, o: { accountId: string; content: { id: string; type: 'page' }; payload: unknown }) {
      return (await invokeResolver(platform, resolver, { key, accountId: o.accountId, content: o.content, payload: o.payload })) as T;
    },
  };
}

/** The child process serving the generated site; one command at a time over IPC. */
class Sandbox {
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

const mb = (bytes: number): number => Math.round(bytes / (1024 * 1024));

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

if (require.main === module) {
  void benchTreeExport().then((lines) => {
    for (const line of lines) console.log(JSON.stringify(line));
  });
}
