/**
 * Which failures are worth a platform retry, and when. Triggers and consumers hand transient
 * failures back to Forge as `InvocationError` instead of sleeping: the platform waits for free,
 * while an invocation that sleeps burns its time budget.
 */
import { ForgeKvsAPIError } from '@forge/kvs';
import { InvocationError, InvocationErrorCode, InternalServerError, RateLimitError } from '@forge/events';
import { isConfluenceError } from '../confluence/errors';
import type { RetryPolicy } from '../confluence/retry';

/** Forge retries an invocation at most this many times. */
export const MAX_PLATFORM_RETRIES = 4;
/** Forge accepts a retryAfter of at most 900 s. */
const MAX_RETRY_AFTER = 900;

/**
 * Confluence calls made from triggers and consumers: one quick in-process retry for a blip; a longer
 * Retry-After (or a second failure) goes back to the platform as InvocationError.
 */
export const EVENT_RETRY: RetryPolicy = { maxAttempts: 2, budgetMs: 3_000, baseMs: 250, capMs: 1_000 };

export interface RetryAdvice {
  retryAfter: number;
  retryReason: InvocationErrorCode;
}

/** Advice for a transient failure on attempt `attempt` (0 = first delivery); undefined if permanent. */
export function retryAdvice(e: unknown, attempt: number): RetryAdvice | undefined {
  const status = statusOf(e);
  if (status === 429) {
    const asked = isConfluenceError(e) ? e.retryAfter : undefined;
    return { retryAfter: clamp(asked ?? backoff(attempt)), retryReason: InvocationErrorCode.FUNCTION_UPSTREAM_RATE_LIMITED };
  }
  if (e instanceof RateLimitError) return { retryAfter: clamp(60), retryReason: InvocationErrorCode.FUNCTION_PLATFORM_RATE_LIMITED };
  if ((status !== undefined && status >= 500) || e instanceof InternalServerError || isNetworkError(e)) {
    return { retryAfter: backoff(attempt), retryReason: InvocationErrorCode.FUNCTION_RETRY_REQUEST };
  }
  return undefined;
}

export function invocationError(advice: RetryAdvice): InvocationError {
  return new InvocationError({ retryAfter: advice.retryAfter, retryReason: advice.retryReason });
}

/** A short code for logs and the activity log: never a message that could quote content. */
export function failureCode(e: unknown): string {
  if (isConfluenceError(e)) return `${e.code} (${e.status})`;
  if (e instanceof ForgeKvsAPIError) return `KVS ${e.code}`;
  return e instanceof Error ? e.name : 'UNKNOWN';
}

function statusOf(e: unknown): number | undefined {
  if (isConfluenceError(e)) return e.status;
  if (e instanceof ForgeKvsAPIError) return e.responseDetails.status;
  return undefined;
}

/** fetch reports a dropped connection as a TypeError ("fetch failed"), with the reason as cause. */
function isNetworkError(e: unknown): boolean {
  if (isConfluenceError(e) && e.code === 'NETWORK') return true;
  return e instanceof TypeError && /fetch failed|socket|ECONNRESET|ETIMEDOUT/i.test(e.message);
}

/** 30 s, 60 s, 120 s, 240 s … capped at the platform's maximum. */
function backoff(attempt: number): number {
  return clamp(30 * 2 ** Math.max(0, attempt));
}

function clamp(seconds: number): number {
  return Math.min(MAX_RETRY_AFTER, Math.max(1, Math.ceil(seconds)));
}
