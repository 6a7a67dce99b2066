/**
 * Attachment bytes behind Confluence's redirect to Atlassian's media host.
 *
 * Recorded (../shared/real-responses/v1/attachment-download.redirect.txt): the REST download
 * `/wiki/rest/api/content/{id}/child/attachment/{attId}/download` answers 302 to
 * `https://api.media.atlassian.com/file/…/binary?token=<JWT>…`, which answers the bytes to a request
 * with NO Authorization header (the token in the query is the credential). Whether Forge's proxy
 * follows that redirect for `requestConfluence` is the proxy's choice (`@forge/api` only hands the
 * request to `__forge_fetch__`); the Forge docs say Atlassian API redirects are followed as internal
 * traffic (forge-docs-snapshot mirror/runtime-egress-permissions). The client takes either answer:
 * bytes, or a 302 whose Location it fetches here, without credentials, and only on the media host.
 * A redirect anywhere else is refused: following it would hand a foreign host our request.
 */
import { fetch } from '@forge/api';
import { ConfluenceError } from './errors';

/** Atlassian's media host, where Confluence's attachment downloads redirect. */
export const MEDIA_HOST = 'api.media.atlassian.com';

/**
 * Origins trusted as the media host besides Atlassian's: the offline sandbox publishes its second
 * origin here (sandbox/confluence/media.ts), as a Forge environment variable would be. Unset on Forge.
 */
const EXTRA_ORIGINS_ENV = 'SANDBOX_MEDIA_ORIGINS';

/** Whether a redirect target is the media host (https on Atlassian's, or an origin the sandbox set). */
export function isMediaUrl(url: URL, extraOrigins = (process.env[EXTRA_ORIGINS_ENV] ?? '').split(',').filter(Boolean)): boolean {
  if (url.protocol === 'https:' && url.hostname === MEDIA_HOST && (url.port === '' || url.port === '443')) return true;
  return extraOrigins.includes(url.origin);
}

/**
 * Fetches the Location of a redirect (`status`) without any Atlassian credential; refuses any host but
 * the media host with an error of that status (not retryable: asking again gets the same redirect).
 */
export async function fetchMedia(status: number, location: string | null, what: string): Promise<Uint8Array> {
  let url: URL | undefined;
  try {
    url = location ? new URL(location) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || !isMediaUrl(url)) {
    // The Location is not logged or shown: a signed URL carries its token in the query.
    throw new ConfluenceError({
      status,
      code: 'UNEXPECTED_REDIRECT',
      message: `Confluence redirected the download of ${what} to ${url ? `the host ${url.host}` : 'no valid URL'}, which is not Atlassian's media host; it was not followed.`,
      hint: 'Try again later; if it persists, download the file from the page in Confluence.',
    });
  }
  // A plain fetch: no Authorization, no product proxy. Forge allows it under
  // permissions.external.fetch.backend (manifest.yml lists the media host).
  const res = await fetch(url.href, { headers: { Accept: '*/*' } });
  if (!res.ok) throw await ConfluenceError.from(res, what);
  return new Uint8Array(await res.arrayBuffer());
}
