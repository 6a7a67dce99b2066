/**
 * The site's URL. Forge gives resolvers `context.siteUrl` only "if available"
 * (forge-remote-invocation-contract), while every Confluence answer carries `_links.base`
 * ("https://example.atlassian.net/wiki"), so that is the fallback.
 */
export function siteUrlFrom(siteUrl: string | undefined, base: string | undefined): string | undefined {
  if (siteUrl) return siteUrl.replace(/\/$/, '');
  return base ? base.replace(/\/$/, '').replace(/\/wiki$/, '') : undefined;
}

/**
 * An attachment as a person's browser opens it: Confluence's download servlet under the site. It
 * takes the browser's Confluence session; since CHANGE-3007 it answers 401 to API callers
 * (../shared/real-responses/v1/attachment-download.redirect.txt), so the app itself never fetches it
 * (the client uses the REST download). Not `_links.download`: on v1 that is an API path relative
 * to /wiki (markfluence docs/confluence/api.md), which a browser cannot open.
 */
export function attachmentBrowserUrl(siteUrl: string, pageId: string, fileName: string, version?: number): string {
  const url = `${siteUrl.replace(/\/$/, '')}/wiki/download/attachments/${encodeURIComponent(pageId)}/${encodeURIComponent(fileName)}`;
  return version === undefined ? url : `${url}?version=${version}`;
}
