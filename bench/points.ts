/**
 * Points (Confluence's rate-limit currency, sandbox/confluence/points.ts) of the requests a benchmark
 * made, read from the sandbox meter's per-request record.
 */
import { appBudget } from '../sandbox/confluence/points';

export const pointsOf = (requests: ReadonlyArray<{ points: number }>): number => requests.reduce((n, r) => n + r.points, 0);

/**
 * Benchmarks measure points but must not sit out an hour-long window when one process's runs spend
 * more than Tier 1's 65,000: the process-wide budget meters without refusing here.
 */
export function meterWithoutLimit(): void {
  appBudget.limit = null;
}
