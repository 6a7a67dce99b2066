/**
 * Forge platform limits the sandbox enforces, at their documented values (forge-docs-snapshot):
 * - mirror/limits-invocation/index.md:
 *   - "Runtime seconds": 25 for UI invocations (resolvers) and product-event triggers; "async events
 *     and scheduled trigger module": up to 900, "Default timeout is 55 seconds. Use timeoutSeconds".
 *   - "Front-end invocation request payload size": 500KB; "... response payload size": 5MB.
 * - mirror/limits-kvs-ce/index.md: key length 500, key regex, value size 240 KiB (see kvs.ts).
 *
 * The docs write "5MB" and "500KB" without saying whether they are decimal or binary; the sandbox
 * takes the stricter, decimal reading (5,000,000 and 500,000 bytes), so an app that passes here
 * passes on Forge too.
 */
export const RESOLVER_TIMEOUT_MS = 25_000;
export const CONSUMER_DEFAULT_TIMEOUT_S = 55;
export const CONSUMER_MAX_TIMEOUT_S = 900;
export const INVOKE_PAYLOAD_MAX_BYTES = 500_000;
export const INVOKE_RESPONSE_MAX_BYTES = 5_000_000;

export type LimitName = 'INVOKE_PAYLOAD_TOO_LARGE' | 'INVOKE_RESPONSE_TOO_LARGE' | 'TIMEOUT';

/** The platform stopped an invocation: it never reaches the app (payload) or never reaches the caller. */
export class PlatformLimitError extends Error {
  constructor(readonly limit: LimitName, message: string) {
    super(message);
    this.name = 'PlatformLimitError';
  }
}

/** Bytes of a value as it travels: JSON, UTF-8. */
export function jsonBytes(value: unknown): number {
  return value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/**
 * Rejects with TIMEOUT when `work` outlives `budgetMs`. Forge stops the function; here its promise is
 * abandoned (its late result is dropped), which is what the caller sees either way.
 */
export function withinTime<T>(work: Promise<T>, budgetMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PlatformLimitError('TIMEOUT', `${what} ran longer than its ${budgetMs} ms limit and was stopped`)), budgetMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The consumer's budget from manifest.yml: `timeoutSeconds` (default 55 s), which may not exceed 900 s. */
export function consumerTimeoutMs(timeoutSeconds: unknown, functionKey: string): number {
  if (timeoutSeconds === undefined) return CONSUMER_DEFAULT_TIMEOUT_S * 1000;
  if (typeof timeoutSeconds !== 'number' || !Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > CONSUMER_MAX_TIMEOUT_S) {
    throw new Error(`manifest.yml: function ${functionKey} has timeoutSeconds ${String(timeoutSeconds)}; Forge allows 1 to ${CONSUMER_MAX_TIMEOUT_S}`);
  }
  return timeoutSeconds * 1000;
}
