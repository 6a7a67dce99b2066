/**
 * Turns what a person pastes into a database id. Accepted, each justified by where it comes from:
 * - a bare id: `DatabaseSingle.id`, an int64 in the v2 spec;
 * - the browser address: `https://<site>/wiki/spaces/<KEY>/database/<id>` (what Confluence shows;
 *   `databases` is accepted too), with any trailing segment, query (`?savedViewId=…`) or fragment;
 * - the same path without the site (`/wiki/spaces/…`), or relative to `_links.base` as the API's
 *   `_links.webui` gives it (`/spaces/<KEY>/database/<id>`);
 * - the REST address of the database: `…/wiki/api/v2/databases/<id>[/…]`.
 * Short links (`/wiki/x/…`) are refused: they encode the id and need a request to resolve.
 */
import { DATABASE_ERRORS } from '../shared/databases';
import { DatabaseProblem } from './errors';

export interface DatabaseRef {
  id: string;
  from: 'id' | 'url';
  spaceKey?: string;
}

/** Longest input looked at; real database URLs are far shorter. */
export const MAX_REF_LENGTH = 2048;
const MAX_INT64 = 9223372036854775807n;

const EXAMPLE = 'https://your-site.atlassian.net/wiki/spaces/KEY/database/123456';
const invalid = (message: string, hint = `Paste the database's address, like ${EXAMPLE}, or its numeric id.`): DatabaseProblem =>
  new DatabaseProblem(DATABASE_ERRORS.invalidRef, message, hint);

/** Other content kinds whose URLs people paste by mistake: segment in the path -> what to call it. */
const OTHER_KINDS: Record<string, string> = {
  pages: 'a page', blog: 'a blog post', whiteboard: 'a whiteboard', whiteboards: 'a whiteboard',
  folder: 'a folder', folders: 'a folder', embed: 'a Smart Link embed', embeds: 'a Smart Link embed', overview: 'a space overview',
};

/**
 * Parses a pasted database URL or id. `siteUrl` (the site the app runs on) lets a URL from another
 * site be refused instead of being looked up here, where the same id would mean something else.
 */
export function parseDatabaseRef(input: string, o: { siteUrl?: string } = {}): DatabaseRef {
  const text = input.trim();
  if (!text) throw invalid('Paste a database URL or id.');
  if (text.length > MAX_REF_LENGTH) throw invalid(`That is too long for a database URL (${text.length} characters).`);
  if (/^\d+$/.test(text)) return { id: checkId(text), from: 'id' };

  const url = toUrl(text);
  if (!url) throw invalid('That is not a database URL or id.');
  if (o.siteUrl) {
    const site = hostOf(o.siteUrl);
    if (site && url.host && url.host !== site) {
      throw new DatabaseProblem(
        DATABASE_ERRORS.otherSite,
        `That URL is on another site (${url.host}); the app can only read databases on this site (${site}).`,
        'If it is the same site under another address, paste the numeric database id instead.',
      );
    }
  }
  const segs = url.path.split('/').filter(Boolean).map(safeDecode);
  return fromSegments(segs);
}

function fromSegments(segs: string[]): DatabaseRef {
  const rest = segs[0] === 'wiki' ? segs.slice(1) : segs;
  if (rest[0] === 'x') throw invalid('Short links (…/wiki/x/…) cannot be read by the app.', 'Open the link, then paste the full address from the browser.');
  // REST address: api/v2/databases/<id>
  if (rest[0] === 'api' && rest[1] === 'v2' && rest[2] === 'databases') return { id: checkId(rest[3] ?? ''), from: 'url' };
  if (rest[0] === 'spaces' && rest[1]) {
    const kind = rest[2] ?? '';
    if (kind === 'database' || kind === 'databases') {
      if (!rest[3]) throw invalid('That database URL has no id after /database/.');
      return { id: checkId(rest[3]), from: 'url', spaceKey: rest[1] };
    }
    const other = OTHER_KINDS[kind];
    if (other) throw invalid(`That is the address of ${other}, not a database.`, `Open the database itself and paste its address (…/database/<id>), or its numeric id.`);
  }
  if (rest[0] === 'api' && rest[2] && rest[2] !== 'databases') throw invalid(`That is a REST address for ${rest[2]}, not a database.`);
  throw invalid('That is not a Confluence database URL.');
}

/** Validates a numeric id as the spec's int64 and returns it without leading zeros. */
function checkId(raw: string): string {
  if (!/^\d{1,19}$/.test(raw)) {
    throw invalid(raw === '' ? 'The database id is missing.' : `"${raw.slice(0, 40)}" is not a database id: ids are whole numbers of up to 19 digits.`);
  }
  const n = BigInt(raw);
  if (n === 0n || n > MAX_INT64) throw invalid(`${raw} is not a valid database id.`);
  return n.toString();
}

/** Site-relative paths and scheme-less addresses (`site.atlassian.net/wiki/…`) are accepted too. */
function toUrl(text: string): { host?: string; path: string } | undefined {
  if (/\s/.test(text)) return undefined;
  if (text.startsWith('/')) return { path: stripQuery(text) };
  const withScheme = /^[a-z][a-z0-9+.-]*:/i.test(text) ? text : /^[\w.-]+(:\d+)?\/wiki\//i.test(text) ? `https://${text}` : undefined;
  if (!withScheme) return undefined;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalid(`Only http(s) addresses can point to a database (got ${url.protocol}).`);
  }
  return { host: url.host, path: url.pathname };
}

function stripQuery(path: string): string {
  return path.replace(/[?#].*$/, '');
}

function hostOf(siteUrl: string): string | undefined {
  try {
    return new URL(siteUrl).host;
  } catch {
    return undefined;
  }
}

function safeDecode(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    return seg;
  }
}
