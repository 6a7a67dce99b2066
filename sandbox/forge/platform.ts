/**
 * The Forge platform, locally. Installs the two globals the real @forge/api, @forge/kvs and
 * @forge/events read at call time (`__forge_fetch__`, `__forge_runtime__`), so the app's code runs
 * the real Forge packages against the sandbox Confluence, an in-memory KVS and an in-process queue.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { isSandboxMedia } from '../confluence/media';
import { MemoryKvs } from './kvs';
import { allowedWith } from './scopes';
import { CONSUMER_DEFAULT_TIMEOUT_S, RESOLVER_TIMEOUT_MS, withinTime } from './limits';

/** Who and what is running: one per resolver call, trigger delivery or consumer run. */
export interface Invocation {
  accountId?: string;
  moduleKey: string;
  /** Wall-clock deadline (ms since epoch); `getRemainingTimeInMillis` counts down to it. */
  deadline: number;
  invocationId: string;
}

export interface QueueEvent {
  body: Record<string, unknown>;
  jobId: string;
  queueName: string;
  eventId: string;
  /** As pushed, when set (async-events-api: AsyncEvent properties). */
  delayInSeconds?: number;
  concurrency?: Concurrency;
  retryContext?: { retryCount: number; retryReason: string; retryData?: unknown };
}

export interface Concurrency {
  key: string;
  limit: number;
}

/**
 * Push limits of the async events API (runtime-reference/async-events-api, "Push API": at most 50
 * events and 200 KB per push, delays up to 900 s). @forge/events checks them before sending; the
 * sandbox checks them again so a client that skips the check fails here as it would in production.
 */
export const PUSH_MAX_EVENTS = 50;
export const PUSH_MAX_KB = 200;
export const PUSH_MAX_DELAY_S = 900;

export type ConsumerHandler = (event: QueueEvent, context: Record<string, unknown>) => Promise<unknown>;

interface Pending {
  event: QueueEvent;
  delayMs: number;
}

export interface PlatformOptions {
  /** Base URL of the sandbox Confluence, e.g. http://127.0.0.1:4321 */
  confluenceUrl: string;
  cloudId?: string;
  appId?: string;
  /** Consumer time budget in ms for every queue, overriding each consumer's own (tests shrink it). */
  consumerBudgetMs?: number;
  /** Scopes the manifest marks `allowImpersonation: true` (see ./scopes). */
  impersonationScopes?: ReadonlySet<string>;
  /** Resolver and trigger time budget in ms: 25 s on Forge (see limits.ts); tests shrink it. */
  resolverBudgetMs?: number;
  /** Users who have not yet allowed the app to act for them (see `setConsent`). */
  withoutConsent?: string[];
  /** Whether the proxy follows Confluence's redirects to the media host (default true; see `followMediaRedirects`). */
  followMediaRedirects?: boolean;
}

const MAX_RETRIES = 4;

export class ForgePlatform {
  readonly kvs = new MemoryKvs();
  readonly cloudId: string;
  readonly appId: string;
  confluenceUrl: string;
  impersonationScopes: ReadonlySet<string>;
  /**
   * What the Forge proxy does with a product API's redirect. `@forge/api` only hands the request to
   * the runtime's `__forge_fetch__` (node_modules/@forge/api/out/api/fetch.js, `__fetchProduct`), so
   * the choice is the proxy's. Forge's docs (forge-docs-snapshot mirror/runtime-egress-permissions:
   * "Atlassian app API redirects are treated as internal traffic ... you can now remove egress
   * declarations for internal domains like api.media.atlassian.com"; "Redirect handling is only
   * supported for egress requests made using the fetch client") say it follows Confluence's redirect
   * to the media host. So by default the sandbox proxy follows a redirect to the media server, without
   * the caller's credentials (the signed URL needs none), and hands back any other redirect as it is.
   * False: it hands back every redirect, so tests cover an app that fetches the media URL itself.
   */
  followMediaRedirects: boolean;
  /** When set, every consumer gets this budget instead of its manifest `timeoutSeconds`. */
  consumerBudgetMs: number | undefined;
  resolverBudgetMs: number;
  private readonly consumerBudgets = new Map<string, number>();
  /** Every event pushed, in order (including retries), for assertions. */
  readonly pushed: QueueEvent[] = [];
  /** Results of consumer runs, in order. */
  readonly consumerRuns: Array<{ queueName: string; jobId: string; result?: unknown; error?: string }> = [];
  private readonly consumers = new Map<string, ConsumerHandler>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly cancelled = new Set<string>();
  private readonly als = new AsyncLocalStorage<Invocation>();
  /** Set when delivery should wait for an explicit `drain()` instead of running at once. */
  manualDelivery = false;
  /**
   * Longest real wait for an event's `delayInSeconds` (and a retry's `retryAfter`): tests fast-forward
   * them; a simulation that runs on the clock (bench/fair-share.ts) sets Infinity.
   */
  delayCapMs = 50;
  /** asUser() requests the proxy refused for want of consent, in order, for assertions. */
  readonly consentRefusals: Array<{ accountId: string; path: string }> = [];
  private readonly withoutConsent: Set<string>;
  private readonly held: Pending[] = [];
  /**
   * Concurrency slots by key. The docs (async-events-api, "Controlling processing concurrency"):
   * counters are scoped to the installation, not to a queue, so one key limits events across queues.
   */
  private readonly running = new Map<string, number>();
  private readonly waiting = new Map<string, Pending[]>();
  /** Most events of one concurrency key seen running at once, for assertions. */
  readonly peakConcurrency = new Map<string, number>();

  constructor(options: PlatformOptions) {
    this.confluenceUrl = options.confluenceUrl.replace(/\/$/, '');
    this.cloudId = options.cloudId ?? 'sandbox-cloud';
    this.appId = options.appId ?? '00000000-0000-4000-8000-00000000c0de';
    this.consumerBudgetMs = options.consumerBudgetMs;
    this.resolverBudgetMs = options.resolverBudgetMs ?? RESOLVER_TIMEOUT_MS;
    this.withoutConsent = new Set(options.withoutConsent ?? []);
    this.impersonationScopes = options.impersonationScopes ?? new Set();
    this.followMediaRedirects = options.followMediaRedirects ?? true;
  }

  /**
   * Marks whether a user has allowed the app to act for them. Until they have, the Forge proxy
   * refuses every asUser() call for them, and @forge/api turns that into NeedsAuthenticationError
   * (node_modules/@forge/api/out/api/fetch.js); the product shows its "Allow access" prompt when
   * that error escapes the function. The docs mirror has no page for this flow.
   */
  setConsent(accountId: string, granted: boolean): void {
    if (granted) this.withoutConsent.delete(accountId);
    else this.withoutConsent.add(accountId);
  }

  /** The current invocation (undefined outside one). */
  current(): Invocation | undefined {
    return this.als.getStore();
  }

  /** Runs `fn` as one invocation: the runtime globals answer for this caller until it returns. */
  run<T>(inv: Partial<Invocation> & { moduleKey: string; budgetMs?: number }, fn: () => Promise<T>): Promise<T> {
    const invocation: Invocation = {
      accountId: inv.accountId,
      moduleKey: inv.moduleKey,
      deadline: inv.deadline ?? Date.now() + (inv.budgetMs ?? this.resolverBudgetMs),
      invocationId: inv.invocationId ?? randomUUID(),
    };
    return this.als.run(invocation, fn);
  }

  /** `budgetMs`: the consumer function's `timeoutSeconds` (default 55 s, at most 900 s; limits.ts). */
  registerConsumer(queueName: string, handler: ConsumerHandler, budgetMs = CONSUMER_DEFAULT_TIMEOUT_S * 1000): void {
    this.consumers.set(queueName, handler);
    this.consumerBudgets.set(queueName, budgetMs);
  }

  /** The time a consumer of `queueName` gets before the platform stops it. */
  consumerBudget(queueName: string): number {
    return this.consumerBudgetMs ?? this.consumerBudgets.get(queueName) ?? CONSUMER_DEFAULT_TIMEOUT_S * 1000;
  }

  /** Waits until every queued event (and any it pushes in turn) has been consumed. */
  async drain(): Promise<void> {
    this.manualDelivery = false;
    for (const p of this.held.splice(0)) this.deliver(p);
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
  }

  /** Handles one `__forge_fetch__` call. */
  async fetch(meta: ForgeFetchMeta, path: string, init: RequestInit = {}): Promise<Response> {
    if (meta.type === 'kvs') return this.kvsFetch(path, init);
    if (meta.remote === 'confluence') return this.confluenceFetch(meta, path, init);
    if (meta.remote === 'stargate' && path.startsWith('/webhook/queue/')) return this.queueFetch(path, init);
    return json(404, { message: `The sandbox platform has no route for ${meta.remote ?? meta.type} ${path}` });
  }

  private async confluenceFetch(meta: ForgeFetchMeta, path: string, init: RequestInit): Promise<Response> {
    let principal: string;
    if (meta.provider === 'app') principal = 'app';
    else {
      const invoker = this.current()?.accountId;
      const accountId = meta.accountId ?? invoker;
      // Like production: asUser() outside a user's invocation (a trigger, a consumer) cannot work.
      if (!accountId) return needsAuthentication();
      if (this.withoutConsent.has(accountId)) {
        this.consentRefusals.push({ accountId, path });
        return needsAuthentication();
      }
      // asUser(accountId) for anyone but the invoking user is offline impersonation: its token holds
      // only the scopes marked allowImpersonation: true (manifest reference, Permissions:
      // mirror/manifest-reference/permissions/index.md), so other routes fail the scope check.
      if (accountId !== invoker && !allowedWith(this.impersonationScopes, init.method ?? 'GET', path)) {
        return new Response(JSON.stringify({ code: 401, message: 'Unauthorized; scope does not match' }), {
          status: 401,
          headers: { 'content-type': 'application/json', 'x-failure-category': 'FAILURE_CLIENT_SCOPE_CHECK' },
        });
      }
      principal = `user:${accountId}`;
    }
    const headers = new Headers(init.headers);
    headers.set('x-sandbox-principal', principal);
    const res = await fetch(`${this.confluenceUrl}${path}`, { ...init, headers, redirect: 'manual' });
    const location = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
    const target = location ? new URL(location, this.confluenceUrl) : undefined;
    if (!target || !this.followMediaRedirects || init.redirect === 'manual' || !isSandboxMedia(target)) return res;
    await res.arrayBuffer();
    // Internal traffic to the media host: the signed URL is the credential, so none is sent along.
    headers.delete('x-sandbox-principal');
    return fetch(target, { method: 'GET', headers });
  }

  private async kvsFetch(path: string, init: RequestInit): Promise<Response> {
    const body = typeof init.body === 'string' && init.body ? (JSON.parse(init.body) as Record<string, unknown>) : {};
    const res = this.kvs.handle(path, body);
    if (res.status === 204) return new Response(null, { status: 204 });
    return json(res.status, res.body);
  }

  private async queueFetch(path: string, init: RequestInit): Promise<Response> {
    const req = JSON.parse(String(init.body ?? '{}')) as {
      queueName: string;
      jobId: string;
      payload: Array<{ body: Record<string, unknown>; delayInSeconds?: number; concurrency?: Concurrency }>;
    };
    if (path.startsWith('/webhook/queue/cancel/')) {
      this.cancelled.add(req.jobId);
      return json(204, {});
    }
    if (path.startsWith('/webhook/queue/stats/')) {
      const runs = this.consumerRuns.filter((r) => r.jobId === req.jobId);
      return json(200, { success: runs.filter((r) => !r.error).length, inProgress: 0, failed: runs.filter((r) => r.error).length });
    }
    if (!this.consumers.has(req.queueName)) return json(404, { message: `No consumer for queue ${req.queueName}` });
    const refused = pushError(req.payload);
    if (refused) return refused;
    for (const item of req.payload) {
      const event: QueueEvent = {
        body: item.body, jobId: req.jobId, queueName: req.queueName, eventId: randomUUID(),
        ...(item.delayInSeconds ? { delayInSeconds: item.delayInSeconds } : {}),
        ...(item.concurrency ? { concurrency: { key: item.concurrency.key, limit: item.concurrency.limit } } : {}),
      };
      this.pushed.push(event);
      const pending = { event, delayMs: (item.delayInSeconds ?? 0) * 1000 };
      if (this.manualDelivery) this.held.push(pending);
      else this.deliver(pending);
    }
    return json(201, {});
  }

  private deliver(p: Pending): void {
    // Delivery starts after the pushing invocation continues, as on the platform, and with no user.
    const task = new Promise<void>((resolve) => setTimeout(resolve, Math.min(p.delayMs, this.delayCapMs)))
      .then(() => this.consumeInSlot(p))
      .finally(() => this.inflight.delete(task));
    this.inflight.add(task);
  }

  /** Runs the event now if its concurrency key has a free slot; otherwise it waits for one. */
  private async consumeInSlot(p: Pending): Promise<void> {
    const c = p.event.concurrency;
    if (!c) return this.consume(p.event);
    const busy = this.running.get(c.key) ?? 0;
    if (busy >= c.limit) {
      this.waiting.set(c.key, [...(this.waiting.get(c.key) ?? []), p]);
      return;
    }
    this.running.set(c.key, busy + 1);
    this.peakConcurrency.set(c.key, Math.max(this.peakConcurrency.get(c.key) ?? 0, busy + 1));
    try {
      await this.consume(p.event);
    } finally {
      this.running.set(c.key, (this.running.get(c.key) ?? 1) - 1);
      const next = this.waiting.get(c.key)?.shift();
      if (next) this.deliver({ ...next, delayMs: 0 });
    }
  }

  private async consume(event: QueueEvent): Promise<void> {
    if (this.cancelled.has(event.jobId)) return;
    const handler = this.consumers.get(event.queueName);
    if (!handler) return;
    try {
      const budgetMs = this.consumerBudget(event.queueName);
      const result = await this.run({ moduleKey: event.queueName, budgetMs }, () =>
        withinTime(handler(event, { installContext: `ari:cloud:confluence::site/${this.cloudId}` }), budgetMs, `consumer of ${event.queueName}`),
      );
      const plain = result === undefined ? undefined : (JSON.parse(JSON.stringify(result)) as unknown);
      this.consumerRuns.push({ queueName: event.queueName, jobId: event.jobId, result: plain });
      const retry = retryOf(plain);
      const count = event.retryContext?.retryCount ?? 0;
      if (retry && count < MAX_RETRIES) {
        this.deliver({
          event: { ...event, retryContext: { retryCount: count + 1, retryReason: retry.reason, retryData: retry.data } },
          delayMs: retry.afterSeconds * 1000,
        });
      }
    } catch (e) {
      this.consumerRuns.push({ queueName: event.queueName, jobId: event.jobId, error: e instanceof Error ? e.message : String(e) });
    }
  }

  /** The `__forge_runtime__` the current invocation sees. */
  runtime(): Record<string, unknown> {
    const inv = this.current();
    return {
      appContext: {
        appId: this.appId,
        appVersion: '1.0.0',
        environmentId: 'sandbox-env',
        environmentType: 'DEVELOPMENT',
        invocationId: inv?.invocationId ?? 'outside-invocation',
        installationId: 'sandbox-installation',
        moduleKey: inv?.moduleKey ?? 'sandbox',
      },
      aaid: inv?.accountId,
      proxy: { token: 'sandbox-token', url: 'http://sandbox.invalid', host: 'sandbox.invalid' },
      tracing: { traceId: 'sandbox-trace', spanId: 'sandbox-span' },
      lambdaContext: { getRemainingTimeInMillis: () => Math.max(0, (inv?.deadline ?? Infinity) - Date.now()) },
      metrics: { counter: () => ({ incr: () => {} }), timing: () => ({ measure: () => ({ stop: () => {} }) }), gauge: () => ({ set: () => {} }) },
    };
  }
}

export interface ForgeFetchMeta {
  type: string;
  provider?: string;
  remote?: string;
  accountId?: string;
}

/** Installs the platform as the process-wide Forge runtime. Only one can be active. */
export function installForgePlatform(options: PlatformOptions): ForgePlatform {
  const platform = new ForgePlatform(options);
  const g = globalThis as Record<string, unknown>;
  g.__forge_fetch__ = (meta: ForgeFetchMeta, path: string, init?: RequestInit) => platform.fetch(meta, path, init);
  Object.defineProperty(globalThis, '__forge_runtime__', { configurable: true, get: () => platform.runtime() });
  return platform;
}

/** The push checks, answered as the service would: 413 with `errorMessage` for size, 400 otherwise. */
function pushError(payload: Array<{ delayInSeconds?: number; concurrency?: Concurrency }>): Response | undefined {
  if (!Array.isArray(payload) || payload.length === 0) return json(400, { message: 'No events pushed.' });
  if (payload.length > PUSH_MAX_EVENTS) return json(400, { message: `This push contains more than the ${PUSH_MAX_EVENTS} events allowed.` });
  const kb = Buffer.byteLength(JSON.stringify(payload)) / 1024;
  if (kb > PUSH_MAX_KB) return json(413, { errorMessage: `The maximum payload size is ${PUSH_MAX_KB}KB.` });
  for (const item of payload) {
    const d = item.delayInSeconds;
    if (d !== undefined && !(typeof d === 'number' && d >= 0 && d <= PUSH_MAX_DELAY_S)) return json(400, { message: `The delayInSeconds setting must be between 0 and ${PUSH_MAX_DELAY_S}.` });
    const c = item.concurrency;
    if (c !== undefined && !(typeof c.key === 'string' && c.key !== '' && Number.isInteger(c.limit) && c.limit >= 1)) {
      return json(400, { message: 'The concurrency setting needs a non-empty key and a positive integer limit.' });
    }
  }
  return undefined;
}

/**
 * The proxy's answer to asUser() without consent: @forge/api (api/fetch.js, handleProxyResponseErrors)
 * throws `new NeedsAuthenticationError('Authentication Required', …)` on this header.
 */
function needsAuthentication(): Response {
  return new Response('', { status: 401, headers: { 'forge-proxy-error': 'NEEDS_AUTHENTICATION_ERR' } });
}

function json(status: number, body: unknown): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function retryOf(result: unknown): { afterSeconds: number; reason: string; data?: unknown } | undefined {
  if (typeof result !== 'object' || result === null || !('_retry' in result) || result._retry !== true) return undefined;
  const options = (result as { retryOptions?: { retryAfter?: number; retryReason?: string; retryData?: unknown } }).retryOptions ?? {};
  return { afterSeconds: options.retryAfter ?? 0, reason: options.retryReason ?? 'UNKNOWN', data: options.retryData };
}
