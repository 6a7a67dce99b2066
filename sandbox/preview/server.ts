/**
 * The preview server: serves the host page and the two bundles, and answers the host's bridge
 * calls by running the app's REAL handlers in this process (sandbox harness) against the sandbox
 * Confluence:
 *   GET  /?content=page:65700&user=<accountId>  host page (defaults: the rich demo page, Alice);
 *        content=global:database-inspector is the global page (no content in its context)
 *   GET  /host.js, /app.js(.map), /host.css
 *   GET  /ui/<file>         with `forgeUi`: the Forge bundler's UI Kit resource (panel.js, its chunks)
 *   POST /api/invoke        {key, payload, accountId, content} -> {result: <resolver envelope>}
 *   POST /api/edit          {accountId, content}               -> {version, triggered, note}
 *   POST /api/fetch-product {restPath, method, headers, body, accountId} -> bridge fetch response
 *   POST /api/consent       {accountId}                        -> grants the app consent for that user
 * A user without consent (Carol) gets 401 {consentRequired} from /api/invoke: the resolver let
 * NeedsAuthenticationError escape, and the host shows Forge's "Allow access" prompt.
 * Forge's invoke limits apply: requests over 500 KB and responses over 5 MB are refused.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sandbox } from '../harness';
import { SEED } from '../confluence/seed';
import { INVOKE_PAYLOAD_MAX_BYTES, INVOKE_RESPONSE_MAX_BYTES, PlatformLimitError } from '../forge/limits';
import { needsConsent } from '../../src/confluence/errors';
import { createBundler, type Bundle } from './bundle';
import { EditError, editPage } from './edit';
import { GLOBAL_PAGE, hostPage, listContent, type Choice } from './page';

export interface PreviewOptions {
  sandbox: Sandbox;
  /** 0 = a random free port. */
  port?: number;
  /** When `port` is taken, take a random free port instead of failing. */
  fallbackToRandomPort?: boolean;
  moduleKey?: string;
  /**
   * A UI Kit resource as the Forge bundler built it (dist/forge/ui/panel): the page then loads the
   * scripts its index.html names, exactly what Forge would serve, instead of esbuild's /app.js.
   */
  forgeUi?: string;
}

export interface Preview {
  /** e.g. http://127.0.0.1:3000/ (with the trailing slash). */
  url: string;
  close(): Promise<void>;
}

const MAX_REQUEST = INVOKE_PAYLOAD_MAX_BYTES;
const MAX_RESPONSE = INVOKE_RESPONSE_MAX_BYTES;

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_REQUEST) reject(new HttpError(413, 'Forge refuses invoke payloads over 500 KB'));
      else chunks.push(c);
    });
    req.on('end', () => {
      try {
        const v: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
        if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
        resolve(v as Record<string, unknown>);
      } catch {
        reject(new HttpError(400, 'Request body must be a JSON object'));
      }
    });
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: string | Buffer, type: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const json = (res: ServerResponse, status: number, v: unknown): void => send(res, status, JSON.stringify(v), 'application/json; charset=utf-8');

/** A script that shows a build failure in the panel instead of a blank page. */
const failureScript = (what: string, b: Bundle): string =>
  `console.error(${JSON.stringify(`${what} failed to build:\n${b.errors.join('\n')}`)});` +
  `document.getElementById('app-root').innerHTML='<pre class="build-error"></pre>';` +
  `document.querySelector('.build-error').textContent=${JSON.stringify(`${what} failed to build:\n\n${b.errors.join('\n')}`)};`;

export async function startPreview(o: PreviewOptions): Promise<Preview> {
  const { sandbox } = o;
  const site = sandbox.confluence.site;
  const moduleKey = o.moduleKey ?? 'content-toolkit-byline';
  const forgeUi = o.forgeUi ? readForgeUi(o.forgeUi) : undefined;
  const bundler = await createBundler();
  let lastAppMap: string | undefined;
  const css = (): Promise<string> => readFile(join(__dirname, 'client', 'host.css'), 'utf8');

  const seedUser = (v: unknown): string => {
    if (typeof v !== 'string' || !site.user(v)) throw new HttpError(400, 'accountId must be a user of the sandbox site');
    return v;
  };
  const contentRef = (v: unknown): { id: string; type: 'page' | 'blogpost' } => {
    const c = v as { id?: unknown; type?: unknown } | undefined;
    const found = typeof c?.id === 'string' ? site.content(c.id) : undefined;
    if (!found || (found.type !== 'page' && found.type !== 'blogpost') || found.type !== c?.type) {
      throw new HttpError(400, 'content must be {id, type} of a page or blog post of the sandbox site');
    }
    return { id: found.id, type: found.type };
  };

  const page = (url: URL): string => {
    const choices = listContent(site);
    const user = url.searchParams.get('user');
    const accountId = user && site.user(user) ? user : SEED.users.alice;
    const wanted = url.searchParams.get('content') ?? `page:${SEED.pages.rich}`;
    const appScripts = forgeUi?.scripts;
    if (wanted === GLOBAL_PAGE.value) return hostPage({ sandbox, accountId, moduleKey: GLOBAL_PAGE.moduleKey, appScripts }, choices);
    const [type, id] = wanted.split(':');
    const content: Choice | undefined = choices.find((c) => c.id === id && c.type === type) ?? choices.find((c) => c.id === SEED.pages.rich) ?? choices[0];
    if (!content) throw new HttpError(404, 'The sandbox site has no pages');
    return hostPage({ sandbox, content, accountId, moduleKey, appScripts }, choices);
  };

  const routes = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://preview.invalid');
    const route = `${req.method ?? 'GET'} ${url.pathname}`;
    if (forgeUi && req.method === 'GET' && url.pathname.startsWith('/ui/')) {
      const name = url.pathname.slice('/ui/'.length);
      // Only the files the bundler wrote, by exact name (no paths).
      if (!forgeUi.files.has(name)) throw new HttpError(404, `No file ${name} in ${o.forgeUi}`);
      return send(res, 200, await readFile(join(forgeUi.dir, name)), contentType(name));
    }
    switch (route) {
      case 'GET /':
        return send(res, 200, page(url), 'text/html; charset=utf-8');
      case 'GET /favicon.ico':
        res.writeHead(204).end();
        return;
      case 'GET /host.css':
        return send(res, 200, await css(), 'text/css; charset=utf-8');
      case 'GET /host.js': {
        const b = await bundler.host();
        return send(res, 200, b.errors.length ? failureScript('The preview host', b) : b.js, 'text/javascript; charset=utf-8');
      }
      case 'GET /app.js': {
        const b = await bundler.app();
        if (b.map) lastAppMap = b.map;
        return send(res, 200, b.errors.length ? failureScript('src/frontend/index.tsx', b) : b.js, 'text/javascript; charset=utf-8');
      }
      case 'GET /app.js.map':
        return send(res, lastAppMap ? 200 : 404, lastAppMap ?? '', 'application/json');
      case 'GET /host.js.map': {
        const b = await bundler.host();
        return send(res, b.map ? 200 : 404, b.map ?? '', 'application/json');
      }
      case 'POST /api/invoke': {
        const body = await readJson(req);
        if (typeof body.key !== 'string') throw new HttpError(400, 'key must be a string');
        // The global page's calls carry no content, as on the platform.
        const content = body.content === undefined || body.content === null ? undefined : contentRef(body.content);
        let result: unknown;
        try {
          result = await sandbox.invoke(body.key, { accountId: seedUser(body.accountId), content, payload: body.payload });
        } catch (e) {
          // The error escaped the function, as Forge needs it to: the host then asks for consent.
          if (needsConsent(e)) return json(res, 401, { consentRequired: true, message: 'Content Toolkit needs your permission to access Confluence for you.' });
          if (e instanceof PlatformLimitError) throw new HttpError(e.limit === 'TIMEOUT' ? 504 : 413, e.message);
          throw e;
        }
        const out = JSON.stringify({ result });
        if (Buffer.byteLength(out) > MAX_RESPONSE) throw new HttpError(502, `The resolver's response for ${body.key} is over Forge's 5 MB limit`);
        return send(res, 200, out, 'application/json; charset=utf-8');
      }
      case 'POST /api/consent': {
        // Forge's "Allow access" prompt: the user grants the app's scopes, then the module reloads.
        sandbox.platform.setConsent(seedUser((await readJson(req)).accountId), true);
        return json(res, 200, { granted: true });
      }
      case 'POST /api/edit': {
        const body = await readJson(req);
        return json(res, 200, await editPage(sandbox, contentRef(body.content).id, seedUser(body.accountId)));
      }
      case 'POST /api/fetch-product':
        return json(res, 200, await fetchProduct(sandbox, await readJson(req), seedUser));
      default:
        throw new HttpError(404, `No route ${route}`);
    }
  };

  const server = createServer((req, res) => {
    routes(req, res).catch((e: unknown) => {
      const status = e instanceof HttpError || e instanceof EditError ? e.status : 500;
      if (status === 500) console.error('[preview]', e);
      if (!res.headersSent) json(res, status, { message: (e as Error).message ?? String(e) });
      else res.end();
    });
  });

  const listen = (port: number): Promise<void> => new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  try {
    await listen(o.port ?? 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || !o.fallbackToRandomPort) {
      await bundler.dispose();
      throw e;
    }
    await listen(0);
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await bundler.dispose();
    },
  };
}

/** A Forge-built UI Kit resource: its files, and the scripts its index.html loads (in order). */
function readForgeUi(dir: string): { dir: string; files: Set<string>; scripts: string[] } {
  const files = new Set(readdirSync(dir));
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/<script\b[^>]*\bsrc=["']?([^"' >]+)/g)].map((m) => m[1] as string);
  const missing = scripts.filter((s) => !files.has(s));
  if (scripts.length === 0 || missing.length > 0) throw new Error(`${dir}/index.html loads no scripts, or missing ones: ${missing.join(', ')}`);
  return { dir, files, scripts: scripts.map((s) => `/ui/${s}`) };
}

function contentType(name: string): string {
  if (name.endsWith('.js')) return 'text/javascript; charset=utf-8';
  if (name.endsWith('.html')) return 'text/html; charset=utf-8';
  if (name.endsWith('.map')) return 'application/json';
  return 'text/plain; charset=utf-8';
}

/** @forge/bridge `requestConfluence`: the sandbox Confluence, as the chosen user. */
async function fetchProduct(sandbox: Sandbox, body: Record<string, unknown>, seedUser: (v: unknown) => string): Promise<unknown> {
  const accountId = seedUser(body.accountId);
  const restPath = body.restPath;
  if (typeof restPath !== 'string' || !restPath.startsWith('/wiki/')) throw new HttpError(400, 'restPath must start with /wiki/');
  const headers = new Headers(Array.isArray(body.headers) ? (body.headers as Array<[string, string]>) : []);
  headers.set('x-sandbox-principal', `user:${accountId}`);
  const method = typeof body.method === 'string' ? body.method : 'GET';
  const res = await fetch(`${sandbox.confluence.url}${restPath}`, {
    method, headers, body: method === 'GET' || method === 'HEAD' || typeof body.body !== 'string' ? undefined : body.body,
  });
  const type = res.headers.get('content-type') ?? '';
  const bytes = Buffer.from(await res.arrayBuffer());
  const isAttachment = !/json|text|xml/.test(type);
  return {
    status: res.status, statusText: res.statusText, headers: Object.fromEntries(res.headers.entries()), isAttachment,
    body: isAttachment ? bytes.toString('base64') : bytes.toString('utf8'),
  };
}
