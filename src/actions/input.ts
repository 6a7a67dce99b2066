/**
 * What every Rovo action shares: reading the call (inputs, the platform's context, the user), naming
 * the target page, validating inputs, and turning failures into a short answer an agent can act on.
 *
 * Rovo calls an action function with `(payload, context)` (manifest reference, "Rovo action",
 * Writing your action): the payload holds the inputs plus `context` with `cloudId`, `moduleKey` and,
 * when the user is on a page, `confluence: {url, resourceType, contentId, spaceKey, spaceId}`; the
 * function context carries the user's `principal.accountId` (function reference, Function Arguments).
 * Inputs are written by a language model: they only ever SELECT what to read. Every read is made as
 * the user (asUser), so the user's own permissions decide what comes back; nothing is authorised on
 * an input.
 */
import { NeedsAuthenticationError } from '@forge/api';
import type { Confluence, ContentRef } from '../confluence/client';
import type { Page } from '../confluence/types';
import { isConfluenceError } from '../confluence/errors';
import { DatabaseProblem } from '../databases/errors';
import { AppError } from '../resolvers/define';
import { BadInput } from '../shared/validate';

/** Action data is limited to 5 MB (manifest reference, "Rovo action"); counted as the JSON sent. */
export const MAX_ACTION_BYTES = 5 * 1000 * 1000;
/** Longest page reference looked at; real page URLs are far shorter. */
export const MAX_REF_LENGTH = 2048;

export interface ActionCall {
  accountId: string;
  cloudId?: string;
  moduleKey?: string;
  /** `https://<site>` of the page the user is on; absent when the user is on no page. */
  siteUrl?: string;
  /** The page or blog post the user is on (from the platform's context, never from inputs). */
  here?: ContentRef;
  /** The database the user is on, when that is where Rovo was opened. */
  hereDatabase?: string;
  inputs: Readonly<Record<string, unknown>>;
}

export interface ActionError {
  error: { code: string; message: string; hint?: string };
}

const ID = /^\d{1,19}$/;

export function readCall(payload: unknown, context: unknown): ActionCall {
  const p = (payload && typeof payload === 'object' ? payload : {}) as Record<string, unknown>;
  const c = (context ?? {}) as { principal?: { accountId?: unknown }; accountId?: unknown };
  const accountId = c.principal?.accountId ?? c.accountId;
  if (typeof accountId !== 'string' || !accountId) throw new AppError('NO_USER', 'This action runs for a signed-in user only.');
  const ctx = (p.context && typeof p.context === 'object' ? p.context : {}) as { cloudId?: unknown; moduleKey?: unknown; confluence?: unknown };
  const conf = (ctx.confluence && typeof ctx.confluence === 'object' ? ctx.confluence : {}) as Record<string, unknown>;
  const contentId = typeof conf.contentId === 'string' || typeof conf.contentId === 'number' ? String(conf.contentId) : '';
  const kind = typeof conf.resourceType === 'string' ? conf.resourceType : '';
  // The docs show `page` and `blog`; `blogpost` is the REST name, accepted too.
  const type = kind === 'page' ? 'page' : kind === 'blog' || kind === 'blogpost' ? 'blogpost' : undefined;
  const { context: _platform, ...inputs } = p;
  return {
    accountId,
    cloudId: typeof ctx.cloudId === 'string' ? ctx.cloudId : undefined,
    moduleKey: typeof ctx.moduleKey === 'string' ? ctx.moduleKey : undefined,
    siteUrl: originOf(conf.url),
    here: type && ID.test(contentId) ? { id: contentId, type } : undefined,
    hereDatabase: kind === 'database' && ID.test(contentId) ? contentId : undefined,
    inputs,
  };
}

function originOf(url: unknown): string | undefined {
  if (typeof url !== 'string' || url.length > MAX_REF_LENGTH) return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

// ------------------------------------------------------------------ inputs

/** An optional text input; empty or blank counts as not given (models send "" for "nothing"). */
export function textInput(call: ActionCall, name: string, max: number): string | undefined {
  const v = call.inputs[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new BadInput(name, `expected text, got ${kindOf(v)}`);
  // Length first, and never echoed: a 10 MB value must cost nothing and come back as one line.
  if (v.length > max) throw new BadInput(name, `is too long (${v.length} characters; at most ${max})`);
  const t = v.trim();
  return t === '' ? undefined : t;
}

export function choiceInput<T extends string>(call: ActionCall, name: string, values: readonly T[], fallback: T): T {
  const v = textInput(call, name, 64);
  if (v === undefined) return fallback;
  const found = values.find((x) => x === v.toLowerCase());
  if (!found) throw new BadInput(name, `must be one of ${values.join(', ')}`);
  return found;
}

/** A whole number; digit strings are accepted too (models often quote numbers). */
export function wholeInput(call: ActionCall, name: string, o: { min: number; max: number }): number | undefined {
  const v = call.inputs[name];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d{1,9}\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n)) throw new BadInput(name, `expected a whole number, got ${kindOf(v)}`);
  if (n < o.min || n > o.max) throw new BadInput(name, `must be between ${o.min} and ${o.max}`);
  return n;
}

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return 'text';
  return typeof v;
}

// ------------------------------------------------------------------ the page

export interface PageRef {
  id: string;
  type?: ContentRef['type'];
  /** Host named by a URL, checked against this site. */
  host?: string;
}

/**
 * A page named by an input: a numeric id, or a Confluence page / blog post URL of THIS site.
 * Returns undefined when nothing was given (then the page the user is on is used).
 */
export function parsePageRef(raw: unknown, siteUrl?: string): PageRef | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'number') {
    if (!Number.isSafeInteger(raw) || raw <= 0) throw new BadInput('page', 'expected a page id or URL');
    return { id: String(raw) };
  }
  if (typeof raw !== 'string') throw new BadInput('page', `expected a page id or URL, got ${kindOf(raw)}`);
  if (raw.length > MAX_REF_LENGTH) throw new BadInput('page', `is too long (${raw.length} characters) for a page id or URL`);
  const text = raw.trim();
  if (text === '') return undefined;
  if (ID.test(text)) return { id: text };
  // A site-relative path (/wiki/spaces/…) names no host; anything else is read as an address.
  const relative = text.startsWith('/');
  let url: URL;
  try {
    url = relative ? new URL(text, 'https://relative.invalid') : new URL(/^[a-z][a-z0-9+.-]*:/i.test(text) ? text : `https://${text}`);
  } catch {
    throw notARef();
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw notARef();
  const site = siteUrl ? new URL(siteUrl).host : undefined;
  if (!relative && site && url.host !== site) throw otherSite(url.host);
  const segs = url.pathname.split('/').filter(Boolean);
  const rest = segs[0] === 'wiki' ? segs.slice(1) : segs;
  const pageId = url.searchParams.get('pageId');
  let found: PageRef | undefined;
  if (rest[0] === 'x') throw new BadInput('page', 'short links (/wiki/x/…) cannot be read; give the full page URL or its numeric id');
  if (pageId && rest.join('/') === 'pages/viewpage.action') found = { id: pageId };
  else if (rest[0] === 'spaces' && rest[2] === 'pages') found = { id: (rest[3] === 'edit-v2' || rest[3] === 'edit' ? rest[4] : rest[3]) ?? '', type: 'page' };
  // Blog URLs end in …/blog/<yyyy>/<mm>/<dd>/<id>/<title> or …/blog/<id>.
  else if (rest[0] === 'spaces' && rest[2] === 'blog') found = { id: rest.slice(3).find((s) => ID.test(s) && s.length > 4) ?? '', type: 'blogpost' };
  else if (rest[0] === 'pages') found = { id: rest[1] ?? '' };
  else if (rest[0] === 'api' && rest[1] === 'v2' && (rest[2] === 'pages' || rest[2] === 'blogposts')) found = { id: rest[3] ?? '', type: rest[2] === 'pages' ? 'page' : 'blogpost' };
  if (!found || !ID.test(found.id)) throw notARef();
  return relative ? found : { ...found, host: url.host };
}

const notARef = () => new BadInput('page', 'is not a Confluence page id or page URL (…/wiki/spaces/KEY/pages/<id>/…)');
const otherSite = (host: string) =>
  new AppError('OTHER_SITE', `That URL is on another site (${host.slice(0, 100)}); this app reads only the site it is installed on.`, 'Give a page of this site, by URL or numeric id.');

export interface Target {
  ref: ContentRef;
  /** The content as read to settle its type or site (no body), when a read was needed. */
  page?: Page;
  /** `https://<site>`, when known (from the context, or from Confluence's answer). */
  siteUrl?: string;
}

/**
 * The page an action works on: the `page` input when one is given, else the page the user is on.
 * When the input leaves the type or the site open, one read AS THE USER settles both (a page, then
 * a blog post); a page the user cannot read answers NOT_FOUND like one that does not exist.
 */
export async function resolveTarget(call: ActionCall, client: Pick<Confluence, 'getPage' | 'getBlogPost'>, raw: unknown = call.inputs.page): Promise<Target> {
  const given = parsePageRef(raw, call.siteUrl);
  if (!given) {
    if (call.here) return { ref: call.here, siteUrl: call.siteUrl };
    throw new AppError('NO_PAGE', 'No page was named and the user is not on a page.', 'Pass the page as the `page` input: its URL or numeric id.');
  }
  if (given.type && (call.siteUrl || !given.host)) return { ref: { id: given.id, type: given.type }, siteUrl: call.siteUrl };
  const found = await readEither(client, given);
  const base = found.page._links?.base ? originOf(found.page._links.base) : undefined;
  if (given.host && base && new URL(base).host !== given.host) throw otherSite(given.host);
  return { ref: found.ref, page: found.page, siteUrl: call.siteUrl ?? base };
}

async function readEither(client: Pick<Confluence, 'getPage' | 'getBlogPost'>, given: PageRef): Promise<{ ref: ContentRef; page: Page }> {
  const asPage = async () => ({ ref: { id: given.id, type: 'page' as const }, page: await client.getPage(given.id) });
  const asBlog = async () => ({ ref: { id: given.id, type: 'blogpost' as const }, page: await client.getBlogPost(given.id) });
  if (given.type === 'page') return asPage();
  if (given.type === 'blogpost') return asBlog();
  try {
    return await asPage();
  } catch (e) {
    if (isConfluenceError(e) && e.status === 404) return asBlog();
    throw e;
  }
}

// ------------------------------------------------------------------ the wrapper

/**
 * Runs an action and answers in a shape an agent can use: the result, or `{error:{code, message,
 * hint}}`. Messages never repeat an input and never name content the user cannot read. Consent
 * errors escape: Forge asks the user to allow access only when NeedsAuthenticationError is thrown.
 */
export function defineAction<T>(key: string, run: (call: ActionCall) => Promise<T>): (payload: unknown, context: unknown) => Promise<T | ActionError> {
  return async (payload, context) => {
    try {
      const result = await run(readCall(payload, context));
      const bytes = Buffer.byteLength(JSON.stringify(result) ?? '');
      if (bytes > MAX_ACTION_BYTES) {
        return failure('TOO_LARGE', `The answer is ${(bytes / 1e6).toFixed(1)} MB, over the 5 MB an action may return.`, 'Ask for less: a filter, a heading or a part.');
      }
      return result;
    } catch (e) {
      if (e instanceof NeedsAuthenticationError) throw e;
      return toFailure(key, e);
    }
  };
}

export function failure(code: string, message: string, hint?: string): ActionError {
  return { error: { code, message, ...(hint ? { hint } : {}) } };
}

const notFound = (): ActionError =>
  failure('NOT_FOUND', 'Nothing with that id or URL that this user can read.', 'Check the id or URL. The content may be deleted, or restricted for this user.');

function toFailure(key: string, e: unknown): ActionError {
  if (e instanceof BadInput) return failure('BAD_INPUT', e.message, 'Fix that input, or leave it out to use the page the user is on.');
  if (e instanceof AppError) return failure(e.code, e.message, e.hint);
  // 403 and 404 read the same: whether restricted content exists is itself not the user's to know.
  if (e instanceof DatabaseProblem) return e.status === 404 || e.status === 403 ? notFound() : failure(e.code, e.message, e.hint);
  if (isConfluenceError(e)) {
    console.warn(`[action ${key}] Confluence ${e.status} ${e.code}`);
    if (e.status === 404 || e.status === 403) return notFound();
    return failure(e.code, `Confluence answered ${e.status}.`, e.hint);
  }
  console.error(`[action ${key}] unexpected error: ${e instanceof Error ? e.name : typeof e}`);
  return failure('INTERNAL', 'Something went wrong in the app.', 'Try again. If it keeps happening, tell the app developers.');
}
