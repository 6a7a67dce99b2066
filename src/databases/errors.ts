/**
 * Failures of the database capability, worded for the person in the panel. Domain code throws
 * `DatabaseProblem`; the resolver turns it into the envelope's error (code, message, hint).
 */
import { isConfluenceError, passConsent, type ConfluenceError } from '../confluence/errors';
import type { SectionError } from '../shared/databases';

export class DatabaseProblem extends Error {
  constructor(readonly code: string, message: string, readonly hint?: string, readonly status?: number) {
    super(message);
    this.name = 'DatabaseProblem';
  }
}

/** Rewords a failed Confluence call about `what` ("database 123"); other errors pass through. */
export function problemFrom(e: unknown, what: string): unknown {
  if (!isConfluenceError(e)) return e;
  if (e.status === 429) return rateLimited(e, what);
  return new DatabaseProblem(e.code, e.message, e.hint, e.status);
}

/** A 429 that outlasted the client's retries: say so, and how long to wait when Confluence said. */
export function rateLimited(e: ConfluenceError, what: string): DatabaseProblem {
  const seconds = e.retryAfter === undefined ? undefined : Math.max(1, Math.ceil(e.retryAfter));
  const wait = seconds === undefined ? 'a minute' : seconds === 1 ? 'a second' : `${seconds} seconds`;
  return new DatabaseProblem(
    'RATE_LIMITED',
    `Confluence is rate-limiting the app, so ${what} could not be read, even after retrying.`,
    `Wait ${wait} and try again. The app's request budget is shared by everyone who uses it.`,
    429,
  );
}

/**
 * The per-section form of a failure: a section that fails never fails the inspection. The consent
 * error is the exception: it is rethrown so Forge can ask the user to allow access.
 */
export function sectionError(e: unknown, what: string): SectionError {
  passConsent(e);
  const p = problemFrom(e, what);
  if (p instanceof DatabaseProblem) {
    return { code: p.code, message: p.message, ...(p.hint ? { hint: p.hint } : {}), ...(p.status ? { status: p.status } : {}) };
  }
  // Not a Confluence answer (a bug or a network failure the client gave up on): keep it short.
  return { code: 'FAILED', message: `${capitalize(what)} could not be read.`, hint: 'Try again.' };
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
