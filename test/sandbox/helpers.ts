// Shared helpers for the sandbox tests: typed fetch wrappers over a running sandbox.
import type { ConfluenceSandbox } from '../../sandbox/confluence/server';

export interface Got<T = unknown> { status: number; headers: Headers; json: T }

export type Who = 'app' | `user:${string}`;

export async function call<T = Record<string, unknown>>(sb: ConfluenceSandbox, path: string, who: Who | null = 'app', init: RequestInit = {}): Promise<Got<T>> {
  const headers = new Headers(init.headers);
  if (who) headers.set('x-sandbox-principal', who);
  const res = await fetch(sb.url + path, { ...init, headers });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: res.status, headers: res.headers, json: json as T };
}

export interface ListBody<T = Record<string, unknown>> { results: T[]; _links: { next?: string; base?: string } }

/** Follows `_links.next` to the end, checking that `Link` says the same; returns all items. */
export async function collect<T = Record<string, unknown>>(sb: ConfluenceSandbox, path: string, who: Who = 'app'): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let next: string | undefined = path;
  let pages = 0;
  while (next) {
    const r: Got<ListBody<T>> = await call<ListBody<T>>(sb, next, who);
    if (r.status !== 200) throw new Error(`${next} -> ${r.status}`);
    pages++;
    items.push(...r.json.results);
    const link = r.headers.get('link');
    const fromHeader = link ? /<([^>]+)>;\s*rel="next"/.exec(link)?.[1] : undefined;
    if (fromHeader !== r.json._links.next) throw new Error(`Link header ${String(fromHeader)} != _links.next ${String(r.json._links.next)}`);
    next = r.json._links.next;
  }
  return { items, pages };
}

/** Builds a multipart/form-data body by hand, so the test controls the exact bytes sent. */
export function multipart(parts: { name: string; filename?: string; type?: string; data: Uint8Array | string }[]): { body: Uint8Array<ArrayBuffer>; contentType: string } {
  const boundary = `----sandbox${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disp = `form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disp}\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ''}\r\n`));
    chunks.push(typeof p.data === 'string' ? Buffer.from(p.data) : Buffer.from(p.data));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  // A copy into a plain ArrayBuffer-backed array, which is what fetch's BodyInit type accepts.
  return { body: new Uint8Array(Buffer.concat(chunks)), contentType: `multipart/form-data; boundary=${boundary}` };
}
