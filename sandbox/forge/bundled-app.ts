/**
 * Runs the BUILT app (the bundler's index.cjs and manifest.yml, see ./artifact.ts) in a fresh Node
 * process (./bundle-host.ts) and talks to it over IPC: the same `invoke` / `trigger` calls as the
 * in-process harness, plus `drain`, `kvs` and `runs` for assertions. The sandbox Confluence stays in
 * the caller's process; the child reaches it over loopback HTTP, as Forge reaches a site.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import type { InvokeOptions } from '../harness';
import type { HostMessage, HostRequest } from './bundle-host';
import { ROOT } from './artifact';
import type { QueueEvent, PlatformOptions } from './platform';

export interface BundledApp {
  /** The artifact directory the child runs from (its working directory). */
  dir: string;
  /** Milliseconds from fork to the child's "ready" (Node start + bundle load + wiring). */
  startMs: number;
  /** Milliseconds the child spent in `require` of the bundle. */
  loadMs: number;
  /** What the bundle exports (the manifest's handlers). */
  exports: string[];
  /** App packages that resolve from the artifact directory (must be none: the bundle carries them). */
  resolvable: string[];
  invoke<T = unknown>(key: string, o: InvokeOptions): Promise<T>;
  /** Calls a Rovo action; `confluence` is `payload.context.confluence` (see ./action.ts confluenceContext). */
  callAction<T = unknown>(key: string, o: { accountId: string; inputs?: Record<string, unknown>; confluence?: Record<string, string> }): Promise<T>;
  trigger(event: { eventType: string } & Record<string, unknown>): Promise<unknown>;
  drain(): Promise<void>;
  /** Holds queue events until the next `drain()`. */
  hold(): Promise<void>;
  kvs(key: string): Promise<unknown>;
  kvsKeys(): Promise<string[]>;
  runs(): Promise<{ pushed: QueueEvent[]; consumerRuns: Array<{ queueName: string; jobId: string; result?: unknown; error?: string }> }>;
  /** Everything the child wrote to stdout and stderr (the app's logs). */
  logs(): string;
  close(): Promise<void>;
}

export interface BundledAppOptions extends PlatformOptions {
  /** A directory holding index.cjs and manifest.yml. */
  dir: string;
}

let hostScript: Promise<string> | undefined;

/** bundle-host.ts, platform.ts and yaml as one plain script (no TypeScript loader in the child). Built once per process. */
export function buildHost(): Promise<string> {
  hostScript ??= (async () => {
    const outfile = join(mkdtempSync(join(tmpdir(), 'forge-bundle-host-')), 'host.cjs');
    await esbuild.build({
      entryPoints: [join(ROOT, 'sandbox/forge/bundle-host.ts')],
      outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'silent',
    });
    return outfile;
  })();
  return hostScript;
}

/**
 * Copies an artifact directory (index.cjs … as the bundler wrote it) and manifest.yml into a new
 * temporary directory: the app then runs away from the source tree and its node_modules.
 */
export function copyArtifact(nodeDir: string, manifest = join(ROOT, 'manifest.yml')): string {
  const dir = mkdtempSync(join(tmpdir(), 'forge-app-'));
  for (const f of readdirSync(nodeDir)) copyFileSync(join(nodeDir, f), join(dir, f));
  copyFileSync(manifest, join(dir, 'manifest.yml'));
  return dir;
}

export async function startBundledApp(o: BundledAppOptions): Promise<BundledApp> {
  const script = await buildHost();
  const { dir, ...platform } = o;
  const started = performance.now();
  const env: NodeJS.ProcessEnv = { ...process.env, FORGE_APP_DIR: dir, FORGE_PLATFORM: JSON.stringify(platform) };
  delete env.NODE_OPTIONS; // no loaders or hooks from the parent (jest, tsx)
  const child: ChildProcess = fork(script, [], { cwd: dir, env, execArgv: [], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));

  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let exited: Error | undefined;
  const ready = new Promise<Extract<HostMessage, { type: 'ready' }>>((resolve, reject) => {
    child.on('message', (m: HostMessage) => {
      if (m.type === 'ready') resolve(m);
      else if (m.type === 'fatal') reject(new Error(`The bundled app failed to start:\n${m.message}`));
      else {
        const p = pending.get(m.id);
        pending.delete(m.id);
        if (m.ok) p?.resolve(m.value);
        else p?.reject(new Error(m.error));
      }
    });
    child.on('exit', (code, signal) => {
      exited = new Error(`The bundled app's process exited (${signal ?? code}).\n${output}`);
      reject(exited);
      for (const p of pending.values()) p.reject(exited);
      pending.clear();
    });
  });
  const hello = await ready;
  const startMs = performance.now() - started;

  const call = <T>(req: HostRequest): Promise<T> => {
    if (exited) return Promise.reject(exited);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, ...req });
    });
  };

  return {
    dir,
    startMs,
    loadMs: hello.loadMs,
    exports: hello.exports,
    resolvable: hello.resolvable,
    invoke: <T>(key: string, i: InvokeOptions) =>
      call<T>({ op: 'invoke', call: { key, accountId: i.accountId, content: i.content, payload: i.payload, moduleKey: i.module?.key, extensionType: i.module?.type } }),
    callAction: <T>(key: string, o: { accountId: string; inputs?: Record<string, unknown>; confluence?: Record<string, string> }) =>
      call<T>({ op: 'action', call: { key, accountId: o.accountId, inputs: o.inputs }, confluence: o.confluence }),
    trigger: (event) => call({ op: 'trigger', event }),
    drain: () => call({ op: 'drain' }),
    hold: () => call({ op: 'hold' }),
    kvs: (key) => call({ op: 'kvs', key }),
    kvsKeys: () => call({ op: 'kvs' }),
    runs: () => call({ op: 'runs' }),
    logs: () => output,
    async close() {
      if (exited || child.exitCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.disconnect();
      await gone;
    },
  };
}
