/**
 * What Confluence's answers say about the app's points budget, read from their headers (never from
 * bodies). Background work paces itself on it (src/jobs/pacing.ts).
 *
 * Header names and meanings, from Atlassian's "Rate limiting" pages
 * (https://developer.atlassian.com/cloud/confluence/rate-limiting/ and its Jira twin
 * https://developer.atlassian.com/cloud/jira/platform/rate-limiting/, quoted in JRACLOUD-69262):
 *   - 429 answers "may be accompanied by" `Retry-After` (seconds to wait) and `X-RateLimit-Reset`
 *     (ISO 8601 `yyyy-MM-ddTHH:mmZ`, the request time plus Retry-After);
 *   - `X-RateLimit-Limit` / `X-RateLimit-Remaining`: the budget and what is left of it;
 *   - `X-RateLimit-NearLimit: true` when less than 20% of any budget remains (on successful answers);
 *   - `RateLimit-Reason`: why a request was refused.
 * Observed on real answers (developer community thread "2026 point-based rate limits", March 2026;
 * ../shared/real-responses/headers/ratelimit.jira-cloud.2026-03-26.community-thread.txt):
 *   - the hourly points quota comes as IETF-draft structured fields, `Beta-RateLimit-Policy:
 *     "<name>";q=<quota>;w=<window s>` and `Beta-RateLimit: "<name>";r=<remaining>;t=<s to reset>`
 *     (un-prefixed `RateLimit(-Policy)` once enforced), with `X-Beta-RateLimit-NearLimit` / `-Reset`;
 *   - the policy header is gone once the quota is spent: `r=0` then comes without `q`;
 *   - `X-RateLimit-Limit/Remaining` report the per-second BURST limit (350, then 400), never the
 *     hourly quota (Atlassian staff: they "will continue to be used for burst rate limits").
 * So `limit`/`remaining` come only from the quota fields, and the X- values are kept apart as the
 * burst: reading them as the hourly budget made a momentary burst dip park background exports
 * until the top of the hour.
 */

import { retryAfterValue } from './errors';

export interface RateLimitState {
  /** When it was observed (ms since epoch). */
  at: number;
  /** HTTP status of the answer (429: refused). */
  status: number;
  /** Points per hourly window (the quota's `q`), when reported; absent once the quota is spent. */
  limit?: number;
  /** Points left in the window (the quota's `r`), when reported. */
  remaining?: number;
  /** Requests per second allowed in a burst (`X-RateLimit-Limit`), when reported. */
  burstLimit?: number;
  /** Requests left in this second's burst (`X-RateLimit-Remaining`), when reported. */
  burstRemaining?: number;
  /** Confluence says less than 20% of a budget remains. */
  nearLimit: boolean;
  /** When the window resets or the wait ends (ms since epoch), when reported. */
  resetAt?: number;
  /** The window's length in seconds, when reported (Beta-RateLimit-Policy `w`). */
  windowSeconds?: number;
  /**
   * Answers the meter that kept this state recorded in the same clock second, this one included
   * (set by RateMeter): beside the burst used (`burstLimit - burstRemaining`, every caller's), it
   * tells how much of the second's traffic was this job's own.
   */
  ownInSecond?: number;
  /**
   * Points the answers of the meter that kept this state cost, by Atlassian's model (1 per request
   * plus 1 per object returned), as the client counted them: the job's own share of the budget's fall.
   */
  ownPoints?: number;
}

type Headers = { get(name: string): string | null };

/** The rate-limit state an answer reports, or undefined when it carries no rate-limit header. */
export function readRateLimit(headers: Headers, status: number, now: number): RateLimitState | undefined {
  const quota = structured(headers.get('beta-ratelimit') ?? headers.get('ratelimit'));
  const policy = structured(headers.get('beta-ratelimit-policy') ?? headers.get('ratelimit-policy'));
  const limit = policy.q;
  const remaining = quota.r;
  const burstLimit = num(headers.get('x-ratelimit-limit'));
  const burstRemaining = num(headers.get('x-ratelimit-remaining'));
  const nearLimit = [headers.get('x-ratelimit-nearlimit'), headers.get('x-beta-ratelimit-nearlimit')].some((v) => v?.trim().toLowerCase() === 'true');
  const retryAfter = retryAfterValue(headers.get('retry-after'), now);
  const reset = date(headers.get('x-ratelimit-reset') ?? headers.get('x-beta-ratelimit-reset'));
  // The latest of the moments reported: waiting for the earlier one would be refused again.
  const candidates = [quota.t === undefined ? undefined : now + quota.t * 1000, retryAfter === undefined ? undefined : now + retryAfter * 1000, reset !== undefined && reset > now ? reset : undefined];
  const known = candidates.filter((x): x is number => x !== undefined);
  const resetAt = known.length > 0 ? Math.max(...known) : undefined;
  if (limit === undefined && remaining === undefined && burstLimit === undefined && burstRemaining === undefined && !nearLimit && resetAt === undefined && status !== 429) return undefined;
  return {
    at: now,
    status,
    ...(limit !== undefined ? { limit } : {}),
    ...(remaining !== undefined ? { remaining } : {}),
    ...(burstLimit !== undefined ? { burstLimit } : {}),
    ...(burstRemaining !== undefined ? { burstRemaining } : {}),
    nearLimit,
    ...(resetAt !== undefined ? { resetAt } : {}),
    ...(policy.w !== undefined ? { windowSeconds: policy.w } : {}),
  };
}

/** Keeps the latest state the answers of one invocation reported (they may arrive out of order). */
export class RateMeter {
  last: RateLimitState | undefined;

  private second = -1;
  private inSecond = 0;
  private own = 0;

  /** Adds what an answer cost (the client's count: 1 per request, plus 1 per object it returned). */
  readonly cost = (points: number): void => {
    this.own += points;
    if (this.last) this.last = { ...this.last, ownPoints: this.own };
  };

  readonly record = (s: RateLimitState): void => {
    const second = Math.floor(s.at / 1000);
    if (second !== this.second) {
      this.second = second;
      this.inSecond = 0;
    }
    this.inSecond += 1;
    if (!this.last || s.at >= this.last.at) this.last = { ...s, ownInSecond: this.inSecond, ownPoints: this.own };
  };
}

function num(v: string | null): number | undefined {
  if (v === null || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

function date(v: string | null): number | undefined {
  if (!v) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** The numeric parameters of the first item of a structured field: `"name";r=10;t=30` → {r:10, t:30}. */
function structured(v: string | null): Partial<Record<'q' | 'w' | 'r' | 't', number>> {
  const out: Partial<Record<'q' | 'w' | 'r' | 't', number>> = {};
  if (!v) return out;
  const first = v.split(',')[0] ?? '';
  for (const part of first.split(';').slice(1)) {
    const [k, raw] = part.split('=').map((s) => s.trim());
    const n = num(raw ?? null);
    if ((k === 'q' || k === 'w' || k === 'r' || k === 't') && n !== undefined) out[k] = n;
  }
  return out;
}
