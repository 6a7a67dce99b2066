/** Which failures go back to the platform for a retry, and after how long. */
import { ForgeKvsAPIError } from '@forge/kvs';
import { RateLimitError } from '@forge/events';
import { ConfluenceError } from '../../src/confluence/errors';
import { retryAdvice } from '../../src/events/retry';

const confluence = (status: number, retryAfter?: number) =>
  new ConfluenceError({ status, code: 'X', message: 'm', hint: 'h', ...(retryAfter !== undefined ? { retryAfter } : {}) });

describe('retryAdvice', () => {
  it('waits as long as Confluence asks on 429, within the platform maximum', () => {
    expect(retryAdvice(confluence(429, 42), 0)).toEqual({ retryAfter: 42, retryReason: 'FUNCTION_UPSTREAM_RATE_LIMITED' });
    expect(retryAdvice(confluence(429, 0.2), 0)?.retryAfter).toBe(1);
    expect(retryAdvice(confluence(429, 5000), 0)?.retryAfter).toBe(900);
  });

  it('backs off exponentially on 5xx', () => {
    expect([0, 1, 2, 3].map((n) => retryAdvice(confluence(503), n)?.retryAfter)).toEqual([30, 60, 120, 240]);
    expect(retryAdvice(confluence(502), 10)?.retryAfter).toBe(900);
  });

  it('retries a busy KVS or queue, and a dropped connection', () => {
    const kvs = new ForgeKvsAPIError({ status: 503, statusText: 'Unavailable' }, { code: 'UNAVAILABLE', message: 'x' });
    expect(retryAdvice(kvs, 0)?.retryAfter).toBe(30);
    expect(retryAdvice(new RateLimitError('slow down'), 0)?.retryReason).toBe('FUNCTION_PLATFORM_RATE_LIMITED');
    expect(retryAdvice(new TypeError('fetch failed'), 1)?.retryAfter).toBe(60);
  });

  it('does not retry what a retry cannot fix', () => {
    expect(retryAdvice(confluence(404), 0)).toBeUndefined();
    expect(retryAdvice(confluence(403), 0)).toBeUndefined();
    expect(retryAdvice(new ForgeKvsAPIError({ status: 413, statusText: 'Too large' }, { code: 'VALUE_TOO_LARGE', message: 'x' }), 0)).toBeUndefined();
    expect(retryAdvice(new Error('bug'), 0)).toBeUndefined();
  });
});
