/**
 * The site's URL. Forge gives resolvers `context.siteUrl` only "if available"
 * (forge-remote-invocation-contract), while every Confluence answer carries `_links.base`
 * ("https://example.atlassian.net/wiki"), so that is the fallback.
 */
export function siteUrlFrom(siteUrl: string | undefined, base: string | undefined): string | undefined {
  if (siteUrl) return siteUrl.replace(/\/$/, '');
  return base ? base.replace(/\/$/, '').replace(/\/wiki$/, '') : undefined;
}
