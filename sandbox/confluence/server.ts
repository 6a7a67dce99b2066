// A local Confluence Cloud: a plain node:http server on 127.0.0.1 that answers the REST v2/v1
// routes in routes.ts for a Site. On top of the routes it emulates what a client must survive on
// real sites: identity (x-sandbox-principal), latency, rate limits (429 + Retry-After), injected
// faults (5xx, dropped sockets) and the database row paths that the gateway refuses. Every answer is
// metered in points against an app-wide hourly budget (points.ts), as Confluence Cloud does.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Site, type Principal } from './site';
import { seedSite } from './seed';
import { Cursors, HttpError } from './paging';
import { dispatch, type Ctx, type Reply } from './routes';
import { appBudget, BurstMeter, costOf, type PointsBudget } from './points';
import { startMedia, type MediaServer } from './media';

export interface RateLimit { budget: number; retryAfterSeconds: number }

export interface SandboxOptions {
  /** 0 (default) = a random free port. */
  port?: number;
  /** Defaults to seedSite(). */
  site?: Site;
  latencyMs?: number;
  rateLimit?: RateLimit | null;
  /** The points budget to charge; default the process-wide one (Tier 1: shared by every site). */
  points?: PointsBudget;
}

export interface RequestRecord {
  method: string;
  /** Path including the query string. */
  path: string;
  /** 'app' | 'user:<accountId>' (or '' when the header was missing). */
  principal: string;
  /** 0 when the socket was dropped. */
  status: number;
  /** Points charged for it (0 for refused, faulted or dropped requests). */
  points: number;
  /** When it arrived (ms since epoch, real clock): traces of a benchmark per window. */
  at: number;
}

export interface Fault {
  /** Tested against `${method} ${path}` (path with query), e.g. 'GET /wiki/api/v2/pages/1'. */
  match?: RegExp;
  /** A status to answer with (a 4xx other than 429 is a refusal a wait cannot mend), or a dropped socket. */
  kind: 500 | 502 | 503 | 429 | 400 | 403 | 'drop';
  times: number;
  /** For 429: seconds or an HTTP date. */
  retryAfter?: string;
}

export interface ConfluenceSandbox {
  /** e.g. http://127.0.0.1:54321 (no trailing slash). */
  url: string;
  /** The live, mutable store. */
  site: Site;
  /** The points budget this server charges (shared with every sandbox in the process by default). */
  points: PointsBudget;
  /** The second origin standing for Atlassian's media host: the REST download redirects there. */
  media: MediaServer;
  /**
   * Where the REST download redirects instead of the media host, for tests of a redirect to a
   * foreign host (undefined: the media host, as on real sites).
   */
  redirectDownloadsTo?: string;
  /** Every request served, in order. */
  requests: RequestRecord[];
  resetRequests(): void;
  setLatency(ms: number): void;
  /** After `budget` requests (counted from this call), 429 until the window resets. */
  setRateLimit(limit: RateLimit | null): void;
  injectFault(f: Fault): void;
  /** Sees every JSON body served (body is undefined for non-JSON responses). */
  onResponse?: (rec: RequestRecord, body: unknown) => void;
  close(): Promise<void>;
}

/**
 * The download servlet. Since CHANGE-3007 (CHANGE-2735) it answers 401 to API callers, with
 * `www-authenticate: OAuth realm="<site>/wiki"` (../shared/real-responses/v1/attachment-download.redirect.txt);
 * a browser with a Confluence session still downloads from it. The sandbox's API callers carry
 * `x-sandbox-principal`; a browser session is the `sandbox.session=<accountId>` cookie (SESSION_COOKIE),
 * which the preview sets for the user it shows (sandbox/preview/page.ts).
 */
const SERVLET = /^\/wiki\/download\/attachments\//;
export const SESSION_COOKIE = 'sandbox.session';

/** Paths under which real sites keep database rows; the gateway refuses them for API callers. */
const ROW_PATHS = /^\/wiki\/api\/v2\/databases\/[^/]+\/(entries|content|children|export)(\/.*)?$/;
const MAX_BODY = 100 * 1024 * 1024;

const REASONS: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  409: 'Conflict', 413: 'Payload Too Large', 429: 'Too Many Requests', 500: 'Internal Server Error',
  502: 'Bad Gateway', 503: 'Service Unavailable',
};

/** v2 error body, as Confluence's v2 API returns it. */
const v2Error = (status: number, title: string, code?: string, detail?: string): unknown =>
  ({ errors: [{ status, code: code ?? (REASONS[status] ?? 'ERROR').toUpperCase().replace(/ /g, '_'), title, detail: detail ?? null }] });

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) reject(new HttpError(413, 'Request body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The user of a browser session cookie (`sandbox.session=<accountId>`). */
function sessionPrincipal(cookie: string | undefined, site: Site): Principal | undefined {
  const pair = (cookie ?? '').split(';').map((c) => c.trim().split('=')).find(([k]) => k === SESSION_COOKIE);
  const id = pair?.[1] ? decodeURIComponent(pair[1]) : '';
  return site.user(id) ? { kind: 'user', accountId: id } : undefined;
}

function parsePrincipal(raw: string | string[] | undefined, site: Site): Principal | undefined {
  const v = Array.isArray(raw) ? raw[0] : raw;
  if (v === 'app') return { kind: 'app' };
  if (v?.startsWith('user:')) {
    const id = v.slice(5);
    if (site.user(id)) return { kind: 'user', accountId: id };
  }
  return undefined;
}

export async function startConfluence(opts: SandboxOptions = {}): Promise<ConfluenceSandbox> {
  const site = opts.site ?? seedSite();
  const cursors = new Cursors();
  const faults: Fault[] = [];
  const sockets = new Set<Socket>();
  const points = opts.points ?? appBudget;
  const media = await startMedia(site);
  const burst = new BurstMeter();
  let latency = opts.latencyMs ?? 0;
  let limit: RateLimit | null = null;
  let used = 0;
  let resetAt = 0;
  let origin = '';

  const setRateLimit = (l: RateLimit | null): void => {
    limit = l;
    used = 0;
    resetAt = 0;
  };
  setRateLimit(opts.rateLimit ?? null);

  /** Rate-limit verdict for one request: headers to add, and whether it is refused. */
  const meter = (): { refuse: boolean; headers: Record<string, string> } => {
    if (!limit) return { refuse: false, headers: {} };
    const now = Date.now();
    if (resetAt && now >= resetAt) {
      used = 0; // the window has passed: a fresh budget
      resetAt = 0;
    }
    if (used >= limit.budget) {
      if (!resetAt) resetAt = now + limit.retryAfterSeconds * 1000;
      const wait = Math.max(0, Math.ceil((resetAt - now) / 1000));
      return {
        refuse: true,
        headers: {
          'retry-after': String(wait), 'x-ratelimit-reset': new Date(resetAt).toISOString(),
          'x-ratelimit-limit': String(limit.budget), 'x-ratelimit-remaining': '0',
        },
      };
    }
    used += 1;
    return { refuse: false, headers: { 'x-ratelimit-limit': String(limit.budget), 'x-ratelimit-remaining': String(limit.budget - used) } };
  };

  /** The REST download's redirect target: the media server, or the foreign host a test set. */
  const signer: Ctx['media'] = {
    sign: (a, v) => (sandbox.redirectDownloadsTo ? `${sandbox.redirectDownloadsTo}/file/${a.fileId}/binary?token=t` : media.sign(a, v)),
  };

  const takeFault = (key: string): Fault | undefined => {
    const f = faults.find((x) => x.times > 0 && (!x.match || x.match.test(key)));
    if (f) f.times -= 1;
    return f;
  };

  const sandbox: ConfluenceSandbox = {
    url: '',
    site,
    points,
    media,
    requests: [],
    resetRequests: () => { sandbox.requests.length = 0; },
    setLatency: (ms) => { latency = ms; },
    setRateLimit,
    injectFault: (f) => { faults.push({ ...f }); },
    close: async () => {
      await media.close();
      await new Promise<void>((resolve, reject) => {
        for (const s of sockets) s.destroy();
        server.close((e) => (e ? reject(e) : resolve()));
      });
    },
  };

  /** `metered`: the request reached Confluence proper, so it is charged in points. */
  const send = (res: ServerResponse, rec: RequestRecord, reply: Reply, extra: Record<string, string>, metered = false): void => {
    rec.status = reply.status;
    if (metered) {
      rec.points = costOf({ method: rec.method, pathname: rec.path.split('?')[0] ?? rec.path, status: reply.status, json: reply.json, binary: !!reply.bytes });
      const quota = points.charge(rec.points);
      // A request-count limit set by a test (setRateLimit) reports its own headers instead of the
      // points' (mixing the two would tell a client two budgets at once).
      if (!limit) extra = { ...quota, ...extra };
    }
    // Every answer reports the per-second burst state in X-RateLimit-* (points.ts, recorded headers);
    // a test's request-count limit (setRateLimit) reports its own instead.
    const headers: Record<string, string> = { ...burst.take(), ...extra, ...(reply.headers ?? {}) };
    let payload: Buffer | undefined;
    if (reply.json !== undefined) {
      payload = Buffer.from(JSON.stringify(reply.json));
      headers['content-type'] = 'application/json;charset=UTF-8';
    } else if (reply.bytes) {
      payload = Buffer.from(reply.bytes.buffer, reply.bytes.byteOffset, reply.bytes.byteLength);
      headers['content-type'] = reply.contentType ?? 'application/octet-stream';
    } else if (reply.text !== undefined) {
      payload = Buffer.from(reply.text);
      headers['content-type'] = reply.contentType ?? 'text/plain;charset=UTF-8';
    }
    if (payload) headers['content-length'] = String(payload.length);
    res.writeHead(reply.status, headers);
    res.end(payload);
    try {
      sandbox.onResponse?.(rec, reply.json);
    } catch {
      // A failing observer must not take the server down; the test that set it will see its own error.
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? 'GET').toUpperCase();
    const path = req.url ?? '/';
    const rawPrincipal = req.headers['x-sandbox-principal'];
    const rec: RequestRecord = { method, path, principal: (Array.isArray(rawPrincipal) ? rawPrincipal[0] : rawPrincipal) ?? '', status: 0, points: 0, at: Date.now() };
    sandbox.requests.push(rec);
    const isV1 = path.startsWith('/wiki/rest/');
    const error = (status: number, message: string, headers: Record<string, string> = {}, code?: string, detail?: string): Reply =>
      ({ status, json: isV1 ? { statusCode: status, message } : v2Error(status, message, code, detail), headers });

    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (e) {
      send(res, rec, error(e instanceof HttpError ? e.status : 400, (e as Error).message), {});
      return;
    }
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));

    const fault = takeFault(`${method} ${path}`);
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 429) {
      send(res, rec, error(429, 'Rate limit exceeded', { 'retry-after': fault.retryAfter ?? '1' }), {});
      return;
    }
    if (fault) {
      send(res, rec, error(fault.kind, REASONS[fault.kind] ?? 'Error'), {});
      return;
    }
    const metered = meter();
    if (metered.refuse) {
      send(res, rec, error(429, 'Rate limit exceeded'), metered.headers);
      return;
    }
    const quota = points.check();
    if (quota.refuse) {
      send(res, rec, error(429, 'Rate limit exceeded'), quota.headers);
      return;
    }
    const url = new URL(path, 'http://sandbox.invalid');
    if (ROW_PATHS.test(url.pathname)) {
      // Real sites refuse these at the gateway whatever the caller's scopes or identity.
      send(res, rec, { status: 401, json: { code: 401, message: 'Unauthorized; scope does not match' }, headers: { 'x-failure-category': 'FAILURE_CLIENT_SCOPE_CHECK' } }, metered.headers, true);
      return;
    }
    const servlet = SERVLET.test(url.pathname);
    if (servlet && rawPrincipal !== undefined) {
      send(res, rec, { status: 401, text: 'Unauthorized', headers: { 'www-authenticate': `OAuth realm="${origin}/wiki"` } }, metered.headers, true);
      return;
    }
    const principal = servlet ? sessionPrincipal(req.headers.cookie, site) : parsePrincipal(rawPrincipal, site);
    if (!principal) {
      // Bad or missing credentials, as recorded (../shared/real-responses/v2/error-404.pages-get.md2conf-issue113.json,
      // markfluence docs/confluence/api.md): v2 answers a bare 404 "Not Found", v1 403.
      const refusal: Reply = servlet ? { status: 401, text: 'Unauthorized' }
        : isV1 ? { status: 403, json: { statusCode: 403, message: 'caller cannot access Confluence' } }
        : { status: 404, json: v2Error(404, 'Not Found') };
      send(res, rec, refusal, metered.headers, true);
      return;
    }
    const ctx: Ctx = { method, pathname: url.pathname, query: url.searchParams, principal, headers: req.headers, body, site, origin, cursors, media: signer };
    let reply: Reply;
    try {
      reply = dispatch(ctx);
    } catch (e) {
      reply = e instanceof HttpError ? error(e.status, e.message, e.headers, e.code, e.detail) : error(500, `Sandbox error: ${(e as Error).message}`);
    }
    send(res, rec, reply, metered.headers, true);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ status: 500, code: 'INTERNAL_SERVER_ERROR', title: String(e), detail: null }] }));
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  sandbox.url = origin;
  // Links inside pages point at the site itself, so they follow it to this server's URL.
  site.rebase(origin);
  return sandbox;
}
