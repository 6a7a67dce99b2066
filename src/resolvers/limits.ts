/**
 * The Forge invoke limits the resolvers stay inside (Forge docs, "Invocation limits":
 * "Front-end invocation response payload size: 5MB", "... request payload size: 500KB"). The docs
 * do not say decimal or binary, so the stricter decimal reading is used.
 */
import { getAppContext } from '@forge/api';

export const MAX_RESPONSE_BYTES = 5_000_000;

/** What the platform measures: the whole value the function returns, as UTF-8 JSON. */
export function responseBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * When work that must leave time to answer should stop: `budgetMs` from now, or sooner when the
 * invocation has less left (resolvers get 25 s, "Invocation limits"; the platform stops the function
 * at its end). `reserve` is the share of the time left kept for converting and answering.
 */
export function deadlineWithin(budgetMs: number, reserve = 0.3, now = Date.now()): number {
  const left = remainingMs();
  if (left === undefined) return now + budgetMs;
  return now + Math.max(0, Math.min(budgetMs, Math.floor(left * (1 - reserve))));
}

/** Time left in this invocation, as the platform counts it; undefined outside Forge. */
function remainingMs(): number | undefined {
  try {
    const left = getAppContext().invocationRemainingTimeInMillis();
    return Number.isFinite(left) ? left : undefined;
  } catch {
    return undefined;
  }
}
