/**
 * One error type for every failed Confluence call. `hint` is written for the person in the panel,
 * not for a developer: it says what the status most likely means and what to do.
 */
import { NeedsAuthenticationError } from '@forge/api';

const NEEDS_AUTHENTICATION_ERR = 'NEEDS_AUTHENTICATION_ERR';

export interface ErrorSource {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export class ConfluenceError extends Error {
  readonly status: number;
  readonly code: string;
  readonly hint: string;
  /** Seconds to wait before retrying, when Confluence said so (429). */
  readonly retryAfter?: number;
  /** Verbatim `x-failure-category`, when present (e.g. FAILURE_CLIENT_SCOPE_CHECK). */
  readonly failureCategory?: string;

  constructor(init: { status: number; code: string; message: string; hint: string; retryAfter?: number; failureCategory?: string; cause?: unknown }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'ConfluenceError';
    this.status = init.status;
    this.code = init.code;
    this.hint = init.hint;
    this.retryAfter = init.retryAfter;
    this.failureCategory = init.failureCategory;
  }

  /** Builds the error from a failed response. `what` names the thing asked for ("page 123"). */
  static async from(res: ErrorSource, what: string): Promise<ConfluenceError> {
    const failureCategory = res.headers.get('x-failure-category') ?? undefined;
    const detail = summarize(await res.text().catch(() => ''));
    const retryAfter = retryAfterSeconds(res.headers);
    const { code, hint } = explain(res.status, failureCategory, what);
    // A 404 is said once, in words (its body says only "Not Found"; the code and status are shown apart).
    const message = res.status === 404 && failureCategory === undefined ? `Confluence could not find ${what}.` : `Confluence answered ${res.status} for ${what}${detail ? `: ${detail}` : ''}`;
    return new ConfluenceError({ status: res.status, code, message, hint, retryAfter, failureCategory });
  }
}

export function isConfluenceError(e: unknown): e is ConfluenceError {
  return e instanceof ConfluenceError;
}

/**
 * The user has not yet allowed the app to act for them: @forge/api throws its NeedsAuthenticationError
 * when the proxy answers `forge-proxy-error: NEEDS_AUTHENTICATION_ERR`. Forge shows its "Allow access"
 * prompt only when this error escapes the function, so no retry, fallback or envelope may catch it.
 * Checked by name as well as class: a bundle may hold its own copy of @forge/api.
 */
export function needsConsent(e: unknown): boolean {
  return e instanceof NeedsAuthenticationError || (e as { name?: unknown } | null)?.name === NEEDS_AUTHENTICATION_ERR;
}

/** First line of every catch-all: lets the consent error through unchanged. */
export function passConsent(e: unknown): void {
  if (needsConsent(e)) throw e;
}

/** `.catch(orElse(x))`: `x` for any failure except the consent error, which is rethrown. */
export function orElse<T>(fallback: T): (e: unknown) => T {
  return (e) => {
    passConsent(e);
    return fallback;
  };
}

function explain(status: number, category: string | undefined, what: string): { code: string; hint: string } {
  if (status === 401 && category === 'FAILURE_CLIENT_SCOPE_CHECK') {
    return {
      code: 'SCOPE_CHECK',
      hint: 'Confluence does not open this endpoint to apps, whatever scopes the app holds. It is not a permission you can grant.',
    };
  }
  switch (status) {
    case 400:
      return { code: 'BAD_REQUEST', hint: `Confluence rejected the request for ${what}. Check the id or value you entered.` };
    case 401:
      return { code: 'UNAUTHORIZED', hint: 'The app is not authorized for this. Reload the page; if it persists, ask an admin to reinstall or upgrade the app.' };
    case 403:
      return { code: 'FORBIDDEN', hint: `You do not have permission for ${what}. Ask a space admin for access.` };
    case 404:
      return { code: 'NOT_FOUND', hint: 'It may have been deleted, or you may not have permission to see it.' };
    case 409:
      return { code: 'CONFLICT', hint: 'Someone else changed it at the same time (version conflict). Reload and try again.' };
    case 413:
      return { code: 'TOO_LARGE', hint: 'The content is larger than Confluence accepts in one request. Export the tree to an attachment instead.' };
    case 429:
      return { code: 'RATE_LIMITED', hint: 'Confluence is rate-limiting the app. Wait a minute and try again.' };
    default:
      return status >= 500
        ? { code: 'UPSTREAM', hint: 'Confluence had a temporary problem. Try again in a moment.' }
        : { code: `HTTP_${status}`, hint: `Confluence refused the request for ${what}.` };
  }
}

/** Seconds to wait from one `Retry-After` value: seconds, or an HTTP date. */
export function retryAfterValue(after: string | null, now = Date.now()): number | undefined {
  if (after === null || after.trim() === '') return undefined;
  const seconds = Number(after);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

/** Seconds to wait from `Retry-After` (seconds or HTTP date) or `X-RateLimit-Reset` (date). */
export function retryAfterSeconds(headers: { get(name: string): string | null }, now = Date.now()): number | undefined {
  const after = retryAfterValue(headers.get('retry-after'), now);
  if (after !== undefined) return after;
  const reset = headers.get('x-ratelimit-reset');
  if (reset) {
    const date = Date.parse(reset);
    if (!Number.isNaN(date)) return Math.max(0, (date - now) / 1000);
  }
  return undefined;
}

/** Keeps Confluence's own message, short, and never a body dump (bodies may hold page content). */
function summarize(text: string): string {
  if (!text) return '';
  try {
    const body = JSON.parse(text) as { message?: unknown; errors?: Array<{ title?: unknown; detail?: unknown }> };
    const first = body.errors?.[0];
    const msg = typeof body.message === 'string' ? body.message : typeof first?.title === 'string' ? first.title : '';
    return msg.slice(0, 200);
  } catch {
    return '';
  }
}
