// Points metering, as Confluence Cloud meters Forge, Connect and OAuth 2.0 apps since 2 March 2026.
//
// Source: Atlassian, "Rate limiting" for Confluence Cloud,
//   https://developer.atlassian.com/cloud/confluence/rate-limiting/ (points-based model), and its
//   Jira twin https://developer.atlassian.com/cloud/jira/platform/rate-limiting/ (same model, same
//   headers). The Forge docs only link to these pages (forge-docs-snapshot
//   mirror/platform-quotas-and-limits/index.md).
// Verified there:
//   - each request starts with a base cost of 1 point, plus points for each object involved;
//   - write requests are charged the base cost only;
//   - over the quota Confluence answers 429 Too Many Requests; 429s may carry Retry-After (seconds
//     to wait) and X-RateLimit-Reset (ISO 8601, request time + Retry-After, "yyyy-MM-ddTHH:mmZ");
//     X-RateLimit-Limit / X-RateLimit-Remaining report "the" budget (on real answers: the per-second
//     burst one, see below), RateLimit-Reason why a request was
//     refused, and X-RateLimit-NearLimit: true when less than 20% of a budget remains;
//   - Tier 1 ("Global Pool"): one hourly quota for the app, shared by all its tenants; 65,000 points
//     per hour (Atlassian's reply on the developer community thread "2026 point-based rate limits").
// Observed on real answers (same thread, Jira, March 2026; ../shared/real-responses/headers/
// ratelimit.jira-cloud.2026-03-26.community-thread.txt), not documented:
//   - the hourly quota comes ONLY as IETF-draft structured fields, `Beta-RateLimit-Policy:
//     "<name>";q=<quota>;w=<window s>` and `Beta-RateLimit: "<name>";r=<remaining>;t=<s to reset>`
//     (`RateLimit(-Policy)` once enforced, Atlassian staff in the thread); once the quota is spent the
//     policy header is GONE and only `Beta-RateLimit` (r=0) is left;
//   - `X-RateLimit-Limit` / `X-RateLimit-Remaining` carry the per-second BURST limit (350 then 400
//     seen), on every answer: staff: they "will continue to be used for burst rate limits";
//   - `X-RateLimit-NearLimit: true` keeps its hourly meaning (< 20% of the quota left).
// The meter sends exactly that (QUOTA_NAME is ASSUMED); src/confluence/rate-limit.ts tells the two apart.
// Everything marked ASSUMED below could not be read from those pages (the per-type cost table was
// cut off in every copy available here) and is our best reading, not a documented fact.

/** What one object costs, by kind. */
export const OBJECT_COST = {
  /** Pages, blog posts, comments, attachments, labels, versions, properties, spaces... ASSUMED 1. */
  content: 1,
  /** Users, groups and permissions (restrictions). ASSUMED 2 ("identity & access" row, recalled, not read). */
  identity: 2,
} as const;
export type ObjectKind = keyof typeof OBJECT_COST;

export const BASE_COST = 1;
/** Tier 1: 65,000 points per hour per app, shared across sites. */
export const TIER1_POINTS_PER_HOUR = 65_000;
const HOUR_MS = 3_600_000;
/** ASSUMED: the value RateLimit-Reason takes for the app quota (Jira's is jira-quota-global-based). */
export const QUOTA_REASON = 'confluence-quota-global-based';
/** ASSUMED: the policy name in Beta-RateLimit(-Policy) for the app-wide quota (Jira's tenant one was "tenant-app-quota"). */
export const QUOTA_NAME = 'global-app-quota';

/**
 * The per-second burst limit reported in X-RateLimit-Limit (350 on the recorded normal answer; the
 * answer after the quota was spent said 400, so the value varies and clients must not rely on it).
 * ASSUMED: the sandbox reports the burst but never refuses over it (no refusal was recorded).
 */
export const BURST_PER_SECOND = 350;

/** Counts requests per clock second: the burst state every answer reports in X-RateLimit-*. */
export class BurstMeter {
  private second = -1;
  private used = 0;
  constructor(private readonly now: () => number = Date.now, readonly limit = BURST_PER_SECOND) {}

  /** Counts one request and returns the headers that report the burst state. */
  take(): Record<string, string> {
    const s = Math.floor(this.now() / 1000);
    if (s !== this.second) {
      this.second = s;
      this.used = 0;
    }
    this.used += 1;
    return { 'x-ratelimit-limit': String(this.limit), 'x-ratelimit-remaining': String(Math.max(0, this.limit - this.used)) };
  }
}

/** POST routes that only read (their body is a query), so they are charged per object. ASSUMED. */
const READ_POSTS = [/\/wiki\/api\/v2\/users-bulk$/, /\/wiki\/api\/v2\/content\/convert-ids-to-types$/];
const IDENTITY_PATHS = [/\/users-bulk$/, /\/user(s)?(\/|$)/, /\/restriction(\/|$)/];

export interface Served {
  method: string;
  pathname: string;
  status: number;
  /** Parsed JSON body, if the answer was JSON. */
  json?: unknown;
  /** True when the answer carried bytes (an attachment download). */
  binary?: boolean;
}

/** The objects an answer returned: the `results` of a list, else the one object it is. */
export function objectsIn(s: Served): number {
  if (s.status < 200 || s.status >= 300) return 0; // ASSUMED: errors cost the base only
  if (s.binary) return 1; // ASSUMED: a download is one attachment object
  const j = s.json;
  if (!j || typeof j !== 'object') return 0; // redirects, empty answers
  const results = (j as { results?: unknown }).results;
  if (Array.isArray(results)) return results.length;
  if (results && typeof results === 'object') return Object.values(results).filter((v) => v !== null).length;
  return 1;
}

export const kindOf = (pathname: string): ObjectKind => (IDENTITY_PATHS.some((re) => re.test(pathname)) ? 'identity' : 'content');

export function isWrite(method: string, pathname: string): boolean {
  if (method === 'GET' || method === 'HEAD') return false;
  return !(method === 'POST' && READ_POSTS.some((re) => re.test(pathname)));
}

/** Points one served request costs. */
export function costOf(s: Served): number {
  if (isWrite(s.method, s.pathname)) return BASE_COST;
  return BASE_COST + objectsIn(s) * OBJECT_COST[kindOf(s.pathname)];
}

export interface BudgetOptions {
  /** Points per window; null meters without refusing. Default: Tier 1's 65,000. */
  limit?: number | null;
  /** Default one hour. */
  windowMs?: number;
  now?: () => number;
}

export interface Verdict { refuse: boolean; headers: Record<string, string> }

/**
 * One app-wide points budget. Windows are fixed and aligned on the clock (ASSUMED: observed resets
 * fall on the hour, e.g. X-RateLimit-Reset 2026-03-26T16:00Z). A request is refused when the budget
 * is already spent; the one that crosses the line is served and charged in full, because its cost is
 * only known from its answer (Atlassian tolerates short overages).
 */
export class PointsBudget {
  limit: number | null;
  readonly windowMs: number;
  private readonly now: () => number;
  private windowStart = -1;
  private used = 0;
  /** Points charged since creation, across windows (for benchmarks). */
  total = 0;

  constructor(o: BudgetOptions = {}) {
    this.limit = o.limit === undefined ? TIER1_POINTS_PER_HOUR : o.limit;
    this.windowMs = o.windowMs ?? HOUR_MS;
    this.now = o.now ?? Date.now;
  }

  private roll(): number {
    const t = this.now();
    const start = Math.floor(t / this.windowMs) * this.windowMs;
    if (start !== this.windowStart) {
      this.windowStart = start;
      this.used = 0;
    }
    return t;
  }

  /** Points spent in the current window. */
  spent(): number {
    this.roll();
    return this.used;
  }

  /** Before serving: refuse (429 headers) when spent, else the headers reporting what is left. */
  check(): Verdict {
    const t = this.roll();
    if (this.limit === null) return { refuse: false, headers: {} };
    if (this.used >= this.limit) {
      const resetAt = this.windowStart + this.windowMs;
      return {
        refuse: true,
        // As recorded once the quota was spent: Beta-RateLimit r=0 without its policy header.
        headers: {
          'retry-after': String(Math.max(1, Math.ceil((resetAt - t) / 1000))),
          'x-ratelimit-reset': this.iso(resetAt),
          'beta-ratelimit': `"${QUOTA_NAME}";r=0;t=${this.toReset(t)}`,
          'x-ratelimit-nearlimit': 'true',
          'ratelimit-reason': QUOTA_REASON,
        },
      };
    }
    return { refuse: false, headers: {} };
  }

  /** After serving: charge the points and return the headers that report the state. */
  charge(points: number): Record<string, string> {
    const t = this.roll();
    this.used += points;
    this.total += points;
    if (this.limit === null) return {};
    const remaining = Math.max(0, this.limit - this.used);
    return {
      ...(remaining < this.limit * 0.2 ? { 'x-ratelimit-nearlimit': 'true' } : {}),
      // The policy (quota and window) is gone from answers once the quota is spent (recorded).
      ...(remaining > 0 ? { 'beta-ratelimit-policy': `"${QUOTA_NAME}";q=${this.limit};w=${Math.round(this.windowMs / 1000)}` } : {}),
      'beta-ratelimit': `"${QUOTA_NAME}";r=${remaining};t=${this.toReset(t)}`,
    };
  }

  /** Seconds until the window resets. */
  private toReset(t: number): number {
    return Math.max(0, Math.ceil((this.windowStart + this.windowMs - t) / 1000));
  }

  /**
   * "yyyy-MM-ddTHH:mmZ", the documented X-RateLimit-Reset format (rounded up to the minute). A window
   * shorter than a minute exists only in benchmarks that run an "hour" in seconds: to the second there.
   */
  private iso(ms: number): string {
    if (this.windowMs < 60_000) return new Date(Math.ceil(ms / 1000) * 1000).toISOString().slice(0, 19) + 'Z';
    return new Date(Math.ceil(ms / 60_000) * 60_000).toISOString().slice(0, 16) + 'Z';
  }
}

/** The process's app-wide budget: every sandbox site in this process shares it, as Tier 1 does. */
export const appBudget = new PointsBudget();
