/**
 * Retries for Confluence calls: 429 waits as long as Confluence asks (Retry-After / X-RateLimit-Reset);
 * 5xx and network errors back off exponentially with full jitter. Attempts and total wait are bounded
 * so a resolver (25 s) answers in time; a background job may pass a larger budget.
 */
import { needsConsent, retryAfterSeconds } from './errors';

export interface RetryPolicy {
  /** Attempts in all, including the first. */
  maxAttempts: number;
  /** Total time the retries may spend waiting, in ms. */
  budgetMs: number;
  /** First backoff step for 5xx / network errors, in ms. */
  baseMs: number;
  /** Largest single backoff for 5xx / network errors, in ms. */
  capMs: number;
  /**
   * Longest 429 wait spent asleep in-process, in ms; a longer one is handed back to the caller at
   * once. A background job re-queues itself for it instead (src/jobs/tree-run.ts): Forge bills a
   * function's GB-seconds, idle or not, and the queue waits for free.
   */
  rateWaitMs?: number;
}

export const RESOLVER_RETRY: RetryPolicy = { maxAttempts: 4, budgetMs: 15_000, baseMs: 300, capMs: 4_000 };
export const JOB_RETRY: RetryPolicy = { maxAttempts: 8, budgetMs: 120_000, baseMs: 500, capMs: 30_000, rateWaitMs: 5_000 };

export interface RetryDeps {
  sleep(ms: number): Promise<void>;
  now(): number;
  random(): number;
}

export const realDeps: RetryDeps = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
  random: Math.random,
};

interface Answer {
  status: number;
  headers: { get(name: string): string | null };
}

const RETRYABLE = new Set([500, 502, 503, 504]);

/**
 * Calls `send` until it gives an answer worth returning. Returns the last response (the caller maps a
 * non-2xx to an error); rethrows the last network error when every attempt failed to connect.
 */
export async function withRetry<R extends Answer>(send: () => Promise<R>, policy: RetryPolicy, deps: RetryDeps = realDeps): Promise<R> {
  const started = deps.now();
  for (let attempt = 1; ; attempt++) {
    let wait: number;
    try {
      const res = await send();
      if (res.status === 429) {
        const seconds = retryAfterSeconds(res.headers, deps.now());
        wait = seconds === undefined ? backoff(attempt, policy, deps) : seconds * 1000;
        if (policy.rateWaitMs !== undefined && wait > policy.rateWaitMs) return res;
      } else if (RETRYABLE.has(res.status)) {
        wait = backoff(attempt, policy, deps);
      } else {
        return res;
      }
      if (!canWait(attempt, wait, started, policy, deps)) return res;
      // The answer is thrown away: release its connection now rather than at garbage collection.
      await discard(res);
    } catch (e) {
      // No consent: asking again cannot help, and Forge must see this error to prompt the user.
      if (needsConsent(e)) throw e;
      // Network failure (connection reset, DNS, timeout): nothing came back, so retrying is safe for
      // reads; uploads are retried too because a PUT of the same attachment is idempotent.
      wait = backoff(attempt, policy, deps);
      if (!canWait(attempt, wait, started, policy, deps)) throw e;
    }
    await deps.sleep(wait);
  }
}

async function discard(res: Answer): Promise<void> {
  const body = res as { text?: () => Promise<string> };
  await body.text?.().catch(() => undefined);
}

function canWait(attempt: number, wait: number, started: number, policy: RetryPolicy, deps: RetryDeps): boolean {
  return attempt < policy.maxAttempts && deps.now() - started + wait <= policy.budgetMs;
}

/** Full jitter: a random wait in [0, min(cap, base·2^(attempt-1))]. */
function backoff(attempt: number, policy: RetryPolicy, deps: RetryDeps): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** (attempt - 1));
  return Math.round(deps.random() * ceiling);
}
