// A second local origin standing for Atlassian's media host (api.media.atlassian.com).
//
// Recorded on Confluence Cloud (../shared/real-responses/v1/attachment-download.redirect.txt, two
// independent recordings): `GET /wiki/rest/api/content/{pageId}/child/attachment/{attId}/download`
// answers 302 to `https://api.media.atlassian.com/file/<FILE_ID>/binary?token=<JWT>&client=…&name=…`,
// another host, and that URL answers 200 with the bytes when fetched with NO Authorization header:
// the token in the query is the credential. ASSUMED: the token's lifetime (TOKEN_TTL_MS; a JWT's
// expiry was not recorded) and that the media host ignores any credentials sent along.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Attachment, Site } from './site';

/** ASSUMED: signed download URLs stay valid this long. */
export const TOKEN_TTL_MS = 60_000;

/**
 * The origins of the media servers running in this process, published as the app's Forge
 * environment variable would be (`forge variables set`): src/confluence/media.ts trusts them beside
 * Atlassian's media host. Nothing sets it on Forge.
 */
export const MEDIA_ORIGINS_ENV = 'SANDBOX_MEDIA_ORIGINS';
const live = new Set<string>();

function publish(): void {
  if (live.size > 0) process.env[MEDIA_ORIGINS_ENV] = [...live].join(',');
  else delete process.env[MEDIA_ORIGINS_ENV];
}

/** Whether `url` points at a media server of this process (the Forge platform follows redirects there). */
export function isSandboxMedia(url: URL): boolean {
  return live.has(url.origin);
}

export interface MediaRequest {
  path: string;
  status: number;
  /** Whether the request carried any credential (Authorization or the sandbox principal header). */
  credentials: boolean;
}

export interface MediaServer {
  /** e.g. http://127.0.0.1:54322 */
  url: string;
  /** Every request served, in order. */
  requests: MediaRequest[];
  /** A signed, short-lived URL for one version of an attachment. */
  sign(a: Attachment, version: number): string;
  close(): Promise<void>;
}

export async function startMedia(site: Site, o: { now?: () => number } = {}): Promise<MediaServer> {
  const now = o.now ?? Date.now;
  const tokens = new Map<string, { attachmentId: string; version: number; expires: number }>();
  const sockets = new Set<Socket>();

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://media.invalid');
    const rec: MediaRequest = { path: url.pathname, status: 0, credentials: !!(req.headers.authorization || req.headers['x-sandbox-principal']) };
    media.requests.push(rec);
    const answer = (status: number, body: Buffer | string, headers: Record<string, string> = {}): void => {
      rec.status = status;
      res.writeHead(status, { 'content-length': String(Buffer.byteLength(body)), ...headers });
      res.end(body);
    };
    const m = /^\/file\/([^/]+)\/binary$/.exec(url.pathname);
    const grant = tokens.get(url.searchParams.get('token') ?? '');
    if (!m || req.method !== 'GET') return answer(404, 'Not Found', { 'content-type': 'text/plain' });
    if (!grant || grant.expires < now()) return answer(401, JSON.stringify({ error: { code: 'Unauthorized', title: 'Token expired or invalid' } }), { 'content-type': 'application/json' });
    const a = site.attachments.get(grant.attachmentId);
    const rev = a?.history.find((h) => h.version.number === grant.version);
    if (!a || a.fileId !== decodeURIComponent(m[1] ?? '')) return answer(404, 'Not Found', { 'content-type': 'text/plain' });
    const bytes = rev?.bytes ?? a.bytes;
    answer(200, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
      'content-type': a.mediaType,
      'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(a.title)}`,
    });
  };

  const server = createServer(handle);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  live.add(origin);
  publish();

  const media: MediaServer = {
    url: origin,
    requests: [],
    sign(a, version) {
      const t = now();
      for (const [k, g] of tokens) if (g.expires < t) tokens.delete(k);
      const token = randomBytes(24).toString('base64url');
      tokens.set(token, { attachmentId: a.id, version, expires: t + TOKEN_TTL_MS });
      const q = new URLSearchParams({ token, client: 'sandbox-client', name: a.title });
      return `${origin}/file/${encodeURIComponent(a.fileId)}/binary?${q.toString()}`;
    },
    close: () => new Promise<void>((resolve, reject) => {
      live.delete(origin);
      publish();
      for (const s of sockets) s.destroy();
      server.close((e) => (e ? reject(e) : resolve()));
    }),
  };
  return media;
}
