/**
 * Which OAuth scopes a Confluence route needs, for the routes the app calls, taken from the
 * `x-atlassian-oauth2-scopes` of the official specs (../shared/confluence-openapi). The platform
 * uses it for offline user impersonation: `asUser(accountId)` outside that user's own invocation
 * gets a token holding only the scopes the manifest marks `allowImpersonation: true`
 * (manifest reference, Permissions: mirror/manifest-reference/permissions/index.md).
 *
 * Each route lists its alternatives (any one set suffices; every scope of a set is needed), like
 * the specs' Current and Beta entries. A route missing here counts as needing a scope nobody
 * granted, so impersonation is refused rather than allowed by accident.
 */
interface RouteScopes {
  method: string;
  re: RegExp;
  anyOf: string[][];
}

const V2 = '/wiki/api/v2';
const ID = '[^/?]+';
const r = (method: string, path: string, ...anyOf: string[][]): RouteScopes => ({ method, re: new RegExp(`^${path}(?:\\?.*)?$`), anyOf });

const TABLE: RouteScopes[] = [
  r('GET', `${V2}/(?:pages|blogposts)/${ID}/(?:descendants|direct-children)`, ['read:hierarchical-content:confluence']),
  r('GET', `${V2}/(?:pages|blogposts|databases)/${ID}/ancestors`, ['read:content.metadata:confluence']),
  r('GET', `${V2}/(?:pages|blogposts)/${ID}/(?:footer-comments|inline-comments)`, ['read:comment:confluence']),
  r('GET', `${V2}/(?:footer-comments|inline-comments)/${ID}(?:/children)?`, ['read:comment:confluence']),
  r('GET', `${V2}/(?:pages|blogposts)/${ID}/attachments`, ['read:attachment:confluence']),
  r('GET', `${V2}/(?:pages|blogposts)(?:/${ID}(?:/(?:labels|operations|versions))?)?`, ['read:page:confluence']),
  r('GET', `${V2}/spaces/${ID}/(?:pages|blogposts)`, ['read:page:confluence']),
  r('GET', `${V2}/labels/${ID}/(?:pages|blogposts)`, ['read:page:confluence']),
  r('GET', `${V2}/spaces/${ID}/content/labels`, ['read:space:confluence']),
  r('GET', `${V2}/spaces(?:/${ID})?`, ['read:space:confluence']),
  r('POST', `${V2}/users-bulk`, ['read:user:confluence']),
  r('GET', `/wiki/rest/api/content/${ID}/child/attachment/${ID}/download`, ['readonly:content.attachment:confluence'], ['read:attachment:confluence']),
  r('(?:PUT|POST)', `/wiki/rest/api/content/${ID}/child/attachment`, ['write:confluence-file'], ['read:content-details:confluence', 'write:attachment:confluence']),
  r('GET', `/wiki/rest/api/content/${ID}/restriction/byOperation/${ID}`, ['read:confluence-content.all'], ['read:content-details:confluence']),
];

/** The scope sets a request may use; empty when the route is not in the table. */
export function scopesFor(method: string, path: string): string[][] {
  const m = method.toUpperCase();
  const row = TABLE.find((t) => new RegExp(`^${t.method}$`).test(m) && t.re.test(path));
  return row?.anyOf ?? [];
}

/** True when a token holding `granted` may call the route. */
export function allowedWith(granted: ReadonlySet<string>, method: string, path: string): boolean {
  return scopesFor(method, path).some((set) => set.every((s) => granted.has(s)));
}

/**
 * The scopes marked `allowImpersonation: true` in a manifest's `permissions.scopes`. A plain list
 * (the older form) allows none.
 */
export function impersonationScopes(scopes: unknown): Set<string> {
  const out = new Set<string>();
  if (!scopes || typeof scopes !== 'object' || Array.isArray(scopes)) return out;
  for (const [name, value] of Object.entries(scopes as Record<string, unknown>)) {
    if (value && typeof value === 'object' && (value as { allowImpersonation?: unknown }).allowImpersonation === true) out.add(name);
  }
  return out;
}
