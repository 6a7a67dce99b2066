/**
 * The one shape every resolver returns. Contracts only: no @forge imports here, because the
 * frontend bundle and the resolvers both import this file.
 */
export interface ApiError {
  /** Stable machine code, e.g. BAD_REQUEST, NOT_FOUND, RATE_LIMITED, SCOPE_CHECK. */
  code: string;
  /** What went wrong, in plain language. */
  message: string;
  /** What the person can do about it. */
  hint?: string;
  /** HTTP status from Confluence, when the error came from there. */
  status?: number;
}

export type Envelope<T> = { ok: true; data: T } | { ok: false; error: ApiError };
