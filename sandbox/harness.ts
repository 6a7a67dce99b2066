/**
 * One call brings up the whole offline platform: the sandbox Confluence (seed site by default), the
 * Forge runtime globals, and the app's own handlers wired from manifest.yml (resolver, triggers,
 * queue consumers) — the way the platform wires them. Tests, `npm run invoke` and the preview use it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import * as app from '../src/index';
import { SEED, seedSite } from './confluence/seed';
import { hostileSite } from './confluence/hostile';
import type { Site } from './confluence/site';
import { startConfluence, type ConfluenceSandbox, type SandboxOptions } from './confluence/server';
import { deliverTrigger, invokeResolver, type ContentRef } from './forge/invoke';
import { contentChangeEvent } from './forge/events';
import { consumerTimeoutMs } from './forge/limits';
import { confluenceContext, invokeAction, type ActionHandler } from './forge/action';
import { installForgePlatform, type ConsumerHandler, type ForgePlatform } from './forge/platform';
import { impersonationScopes } from './forge/scopes';

type Handler = (...args: never[]) => Promise<unknown>;

export interface Sandbox {
  confluence: ConfluenceSandbox;
  platform: ForgePlatform;
  /** Calls a resolver key as `accountId` from the panel on `content`. Returns the envelope. */
  invoke<T = unknown>(key: string, o: InvokeOptions): Promise<T>;
  /** Calls a Rovo action as Rovo does, for `accountId` on `content` (a content id) if given. */
  callAction<T = unknown>(key: string, o: ActionOptions): Promise<T>;
  /** Delivers a product event to the trigger module subscribed to its eventType. */
  trigger(event: { eventType: string } & Record<string, unknown>): Promise<unknown>;
  close(): Promise<void>;
}

export interface InvokeOptions {
  accountId: string;
  content?: ContentRef;
  payload?: unknown;
  /** The module calling, as in manifest.yml (default: the byline item). */
  module?: { key: string; type: string };
  /** `null` leaves `siteUrl` out of the context (the docs promise it only "if available"). */
  siteUrl?: string | null;
}

/** The space a content module's context names: the one the page or blog post is in. */
export function spaceOf(confluence: ConfluenceSandbox, contentId: string): { id: string; key: string } | undefined {
  const c = confluence.site.contents.get(contentId);
  const space = c ? confluence.site.spaces.get(c.spaceId) : undefined;
  return space ? { id: space.id, key: space.key } : undefined;
}

export interface ActionOptions {
  accountId: string;
  /** Id of the page, blog post or database the user is on; none when Rovo is opened elsewhere. */
  content?: string;
  inputs?: Record<string, unknown>;
}

/**
 * The sites a sandbox can serve by name: the seed site (what most tests count on) and the hostile
 * site (issue 21: payloads in every field an export copies; its own space, HOSTILE).
 */
export const SITES = { seed: seedSite, hostile: hostileSite } satisfies Record<string, () => Site>;
export type SiteName = keyof typeof SITES;

export interface StartOptions extends Omit<SandboxOptions, 'site'> {
  /** The site to serve: a name from SITES, or a Site built by the caller (default: the seed site). */
  site?: SiteName | Site;
  /** Overrides every consumer's manifest `timeoutSeconds` (tests shrink it). */
  consumerBudgetMs?: number;
  /** Overrides the 25 s resolver and trigger limit (tests shrink it). */
  resolverBudgetMs?: number;
  /** The site's time zone (IANA), where CQL reads dates; default the site's (America/Los_Angeles). */
  timeZone?: string;
  /** Whether the Forge proxy follows Confluence's redirects to the media host (default true; ForgePlatform). */
  followMediaRedirects?: boolean;
}

interface Manifest {
  modules?: {
    function?: Array<{ key: string; handler: string; timeoutSeconds?: unknown }>;
    trigger?: Array<{ key: string; function: string; events: string[] }>;
    consumer?: Array<{ key: string; queue: string; function: string }>;
    action?: Array<{ key: string; function: string }>;
  };
  permissions?: { scopes?: unknown };
}

const root = join(__dirname, '..');

export function readManifest(): Manifest {
  return parse(readFileSync(join(root, 'manifest.yml'), 'utf8')) as Manifest;
}

/** The exported handler a manifest function key points to (`index.<export>`). */
function handlerFor(manifest: Manifest, functionKey: string): Handler {
  const fn = manifest.modules?.function?.find((f) => f.key === functionKey);
  if (!fn) throw new Error(`manifest.yml has no function ${functionKey}`);
  const exportName = fn.handler.replace(/^index\./, '');
  const handler = (app as unknown as Record<string, Handler | undefined>)[exportName];
  if (typeof handler !== 'function') throw new Error(`src/index.ts does not export ${exportName}`);
  return handler;
}

export async function startSandbox(options: StartOptions = {}): Promise<Sandbox> {
  const site = typeof options.site === 'string' ? SITES[options.site]() : options.site;
  const confluence = await startConfluence({ ...options, site });
  if (options.timeZone) confluence.site.timeZone = options.timeZone;
  const manifest = readManifest();
  const platform = installForgePlatform({
    confluenceUrl: confluence.url,
    consumerBudgetMs: options.consumerBudgetMs,
    resolverBudgetMs: options.resolverBudgetMs,
    followMediaRedirects: options.followMediaRedirects,
    withoutConsent: [...SEED.withoutConsent],
    impersonationScopes: impersonationScopes(manifest.permissions?.scopes),
  });
  for (const c of manifest.modules?.consumer ?? []) {
    const timeout = consumerTimeoutMs(manifest.modules?.function?.find((f) => f.key === c.function)?.timeoutSeconds, c.function);
    platform.registerConsumer(c.queue, handlerFor(manifest, c.function) as unknown as ConsumerHandler, timeout);
  }
  const resolver = handlerFor(manifest, 'resolver') as unknown as (req: unknown, rt: unknown) => Promise<unknown>;
  const triggerFor = (eventType: string) => manifest.modules?.trigger?.find((t) => t.events.includes(eventType));
  const deliver = (event: { eventType: string } & Record<string, unknown>): Promise<unknown> => {
    const module = triggerFor(event.eventType);
    if (!module) throw new Error(`No trigger in manifest.yml subscribes to ${event.eventType}`);
    const handler = handlerFor(manifest, module.function) as unknown as (e: unknown, c: unknown) => Promise<unknown>;
    return deliverTrigger(platform, handler, event, module.key);
  };
  // Confluence sends an event for each restriction change, move, trash, restore and deletion to the
  // apps subscribed to it, as `updated:page` is sent for an edit (./preview/edit.ts). Delivery is
  // asynchronous (up to ~3 min on the platform); here every event is delivered before the next
  // invocation, so tests see the state a patient user would.
  const inFlight = new Set<Promise<unknown>>();
  const unwatch = confluence.site.watch((change) => {
    const event = contentChangeEvent(confluence.site, change);
    if (!triggerFor(event.eventType)) return;
    const p = deliver(event).catch((e: unknown) => console.warn(`[sandbox] ${event.eventType} delivery failed: ${e instanceof Error ? e.message : String(e)}`));
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  });
  const settle = async (): Promise<void> => {
    while (inFlight.size) await Promise.all([...inFlight]);
  };
  const drain = platform.drain.bind(platform);
  platform.drain = async (...args: Parameters<typeof drain>) => {
    await settle();
    return drain(...args);
  };

  return {
    confluence,
    platform,
    async invoke<T>(key: string, o: InvokeOptions) {
      await settle();
      const space = o.content ? spaceOf(confluence, o.content.id) : undefined;
      const call = { key, accountId: o.accountId, content: o.content, space, payload: o.payload, moduleKey: o.module?.key, extensionType: o.module?.type, siteUrl: o.siteUrl };
      return (await invokeResolver(platform, resolver, call)) as T;
    },
    async callAction<T>(key: string, o: ActionOptions) {
      await settle();
      const module = manifest.modules?.action?.find((a) => a.key === key);
      if (!module) throw new Error(`manifest.yml has no action ${key}`);
      const handler = handlerFor(manifest, module.function) as unknown as ActionHandler;
      const here = o.content ? confluenceContext(confluence.site, confluence.url, o.content) : undefined;
      return (await invokeAction(platform, handler, { key, accountId: o.accountId, inputs: o.inputs }, here)) as T;
    },
    async trigger(event) {
      await settle();
      return deliver(event);
    },
    async close() {
      unwatch();
      await platform.drain().catch(() => undefined);
      await confluence.close();
    },
  };
}
