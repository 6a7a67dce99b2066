import { ConfluenceError } from '../../src/confluence/errors';
import { retryable } from '../../src/jobs/tree-run';

const answer = (status: number) => new ConfluenceError({ status, code: 'X', message: 'm', hint: 'h' });

describe('which failures a tree job runs again', () => {
  it('retries what Confluence or the network may answer differently next time', () => {
    for (const status of [0, 429, 500, 502, 503]) expect(retryable(answer(status))).toBe(true);
  });

  it('fails at once on answers that will not change and on faults of its own', () => {
    for (const status of [400, 401, 403, 404, 409, 413]) expect(retryable(answer(status))).toBe(false);
    // A TypeError from conversion is a bug, not a dropped connection (the client already maps those
    // to status 0): retrying it only repeats the failure four times.
    expect(retryable(new TypeError("Cannot read properties of undefined (reading 'map')"))).toBe(false);
    expect(retryable(new RangeError('Maximum call stack size exceeded'))).toBe(false);
  });
});
