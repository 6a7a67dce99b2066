/**
 * A Forge function host for the BUILT app, run as a fresh Node process by ./bundled-app.ts. It holds
 * what the Forge runtime gives a function and nothing of src/: the globals the sandbox platform
 * installs (platform.ts) and the deploy artifact, a directory with the bundler's `index.cjs` and a
 * copy of manifest.yml. Handlers are wired from that manifest as the platform wires them; the parent
 * sends invoke / trigger / drain / kvs requests over the IPC channel. esbuild bundles this file (with
 * platform.ts and yaml) into one script, so the child loads no TypeScript loader and no node_modules.
 *   FORGE_APP_DIR     the artifact directory (the child's working directory too)
 *   FORGE_PLATFORM    JSON PlatformOptions (confluenceUrl, consumerBudgetMs, …)
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse } from 'yaml';
import { SEED } from '../confluence/seed';
import { invokeAction, type ActionCall, type ActionHandler } from './action';
import { deliverTrigger, invokeResolver, type ResolverCall } from './invoke';
import { consumerTimeoutMs } from './limits';
import { installForgePlatform, type ConsumerHandler, type PlatformOptions } from './platform';
import { impersonationScopes } from './scopes';

export type HostRequest =
  | { op: 'invoke'; call: ResolverCall }
  /** A Rovo action; `confluence` is the page context the parent (which holds the site) built. */
  | { op: 'action'; call: ActionCall; confluence?: Record<string, string> }
  | { op: 'trigger'; event: { eventType: string } & Record<string, unknown> }
  /** Waits until every queued event (and what it pushes) has been consumed. */
  | { op: 'drain' }
  /** Queue events wait for the next `drain` (to act on a job before it runs). */
  | { op: 'hold' }
  /** A KVS value, or every key when `key` is absent. */
  | { op: 'kvs'; key?: string }
  /** Queue events pushed and consumer runs so far. */
  | { op: 'runs' };

export type HostMessage =
  | { type: 'ready'; loadMs: number; exports: string[]; resolvable: string[] }
  | { type: 'fatal'; message: string }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: string };

type Handler = (...args: unknown[]) => Promise<unknown>;

interface UiModule {
  key: string;
  resolver?: { function: string };
}

interface Manifest {
  modules: Record<string, Array<UiModule & { handler?: string; function?: string; events?: string[]; queue?: string; timeoutSeconds?: number }>>;
  permissions?: { scopes?: unknown };
}

/** Packages the app uses: none may resolve from the artifact directory (it must carry everything). */
const PROBES = ['@forge/api', '@forge/resolver', '@forge/kvs', '@forge/events', 'yaml', 'fflate', 'sanitize-html'];

const send = (m: HostMessage): void => {
  process.send?.(m);
};

function start(): void {
  const dir = resolve(process.env.FORGE_APP_DIR ?? process.cwd());
  const options = JSON.parse(process.env.FORGE_PLATFORM ?? '{}') as PlatformOptions;
  const manifest = parse(readFileSync(join(dir, 'manifest.yml'), 'utf8')) as Manifest;
  // As sandbox/harness.ts: the seed's users without consent, and the scopes the deployed manifest
  // lets the app use when it acts as a user offline.
  const platform = installForgePlatform({
    withoutConsent: [...SEED.withoutConsent],
    ...options,
    impersonationScopes: impersonationScopes(manifest.permissions?.scopes),
  });
  const load = createRequire(join(dir, 'manifest.yml'));

  // Forge handlers are `<file>.<export>`; the bundler writes `<file>.cjs`.
  const files = new Map<string, Record<string, unknown>>();
  let loadMs = 0;
  const exportsOf = (file: string): Record<string, unknown> => {
    let mod = files.get(file);
    if (!mod) {
      const t = performance.now();
      mod = load(`./${file}.cjs`) as Record<string, unknown>;
      loadMs += performance.now() - t;
      files.set(file, mod);
    }
    return mod;
  };
  const handlerOf = (functionKey: string): Handler => {
    const fn = manifest.modules.function?.find((f) => f.key === functionKey);
    const [file, name] = (fn?.handler ?? '').split('.');
    if (!file || !name) throw new Error(`manifest.yml has no function ${functionKey}`);
    const handler = exportsOf(file)[name];
    if (typeof handler !== 'function') throw new Error(`${file}.cjs does not export ${name}`);
    return handler as Handler;
  };

  for (const c of manifest.modules.consumer ?? []) {
    if (!c.queue || !c.function) continue;
    const timeout = consumerTimeoutMs(manifest.modules.function?.find((f) => f.key === c.function)?.timeoutSeconds, c.function);
    platform.registerConsumer(c.queue, handlerOf(c.function) as unknown as ConsumerHandler, timeout);
  }
  const resolvable = PROBES.filter((p) => {
    try {
      load.resolve(p);
      return true;
    } catch {
      return false;
    }
  });
  const uiModules = Object.values(manifest.modules).flat().filter((m) => m.resolver?.function);
  const resolverOf = (moduleKey = 'content-toolkit-byline'): Handler => {
    const module = uiModules.find((m) => m.key === moduleKey);
    if (!module?.resolver) throw new Error(`manifest.yml has no UI module ${moduleKey} with a resolver`);
    return handlerOf(module.resolver.function);
  };

  const handle = async (req: HostRequest): Promise<unknown> => {
    switch (req.op) {
      case 'invoke':
        return invokeResolver(platform, resolverOf(req.call.moduleKey), req.call);
      case 'action': {
        const module = manifest.modules.action?.find((x) => x.key === req.call.key);
        if (!module?.function) throw new Error(`manifest.yml has no action ${req.call.key}`);
        return invokeAction(platform, handlerOf(module.function) as ActionHandler, req.call, req.confluence);
      }
      case 'trigger': {
        const module = manifest.modules.trigger?.find((t) => t.events?.includes(req.event.eventType));
        if (!module?.function) throw new Error(`No trigger in manifest.yml subscribes to ${req.event.eventType}`);
        return deliverTrigger(platform, handlerOf(module.function), req.event, module.key);
      }
      case 'drain':
        return platform.drain();
      case 'hold':
        platform.manualDelivery = true;
        return undefined;
      case 'kvs':
        return req.key === undefined ? platform.kvs.keys() : platform.kvs.peek(req.key);
      case 'runs':
        return { pushed: platform.pushed, consumerRuns: platform.consumerRuns };
    }
  };

  process.on('message', (raw: { id: number } & HostRequest) => {
    handle(raw).then(
      (value) => send({ type: 'reply', id: raw.id, ok: true, value: value === undefined ? null : value }),
      (e: unknown) => send({ type: 'reply', id: raw.id, ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }),
    );
  });
  process.on('disconnect', () => process.exit(0));

  // Load every handler file now, as a cold start does, and say how long the bundle took to load.
  for (const f of manifest.modules.function ?? []) handlerOf(f.key);
  const exported = [...files.values()].flatMap((m) => Object.keys(m)).filter((k) => k !== '__esModule');
  send({ type: 'ready', loadMs, exports: exported, resolvable });
}

try {
  start();
} catch (e) {
  const message = e instanceof Error ? (e.stack ?? e.message) : String(e);
  // Exit once the message is out: process.send is asynchronous.
  if (process.send) process.send({ type: 'fatal', message } satisfies HostMessage, () => process.exit(1));
  else process.exit(1);
}
