/**
 * How long a run that stops waits before the next, and when the job is then likely to be done.
 */
import { isConfluenceError } from '../confluence/errors';
import type { TreeWaitReason } from '../shared/export';
import { PACING, PROBE, type JobRate } from './pacing';
import type { RunDeps } from './tree-deps';
import type { Checkpoint } from './tree-store';
import { tuning } from './tree-tuning';

/** The queue's largest `delayInSeconds` (async-events-api, "Push API"). */
export const MAX_DELAY_S = 900;

/**
 * When a waiting job should be done (ms), for the panel: after the wait, the pages left in batches
 * at the slower of the pace it measured and its rate (./pacing), or undefined before it measured
 * either. A longer pause (`pausedUntil`) is already in `from`.
 */
export function finishEstimate(from: number, pagesLeft: number, rate: JobRate | undefined, window = PACING.windowSeconds): number | undefined {
  const perBatch = Math.max(rate?.gap ?? 0, rate?.rate ? window / rate.rate : 0);
  if (perBatch <= 0) return undefined;
  return from + Math.ceil(Math.max(0, pagesLeft) / tuning.batchSize) * perBatch * 1000;
}

/**
 * How long a run that met a retryable error waits before the next. A 429 waits what Confluence asked
 * (Retry-After, or X-RateLimit-Reset: the client reads both into `retryAfter`), or the pacing's
 * unknown-reset wait when it said nothing; it does not count as a failure. An outage (5xx, no
 * connection) backs off exponentially per consecutive failed run. A wait beyond the queue's
 * 900 s is kept in the checkpoint (`pausedUntil`), so the next run's pacing re-queues it again
 * without a request (./pacing, `decide`).
 */
export function waitFor(e: unknown, ckpt: Checkpoint, now: number): { seconds: number; reason: TreeWaitReason } {
  if (isConfluenceError(e) && e.status === 429) {
    // Honoured, up to the quota's window (an hour): a longer Retry-After contradicts it.
    const seconds = Math.max(1, Math.ceil(Math.min(e.retryAfter ?? PACING.unknownResetSeconds, PACING.windowSeconds)));
    if (seconds > MAX_DELAY_S) ckpt.pausedUntil = now + seconds * 1000;
    return { seconds: Math.min(MAX_DELAY_S, seconds), reason: 'rate-limit' };
  }
  ckpt.failures += 1;
  return { seconds: Math.min(MAX_DELAY_S, tuning.outageWaitSeconds * 2 ** (ckpt.failures - 1)), reason: 'outage' };
}

/**
 * Before a batch or a listing request: seconds to re-queue after to spare the budget (./pacing), or
 * undefined to go on. When the pacer asks, the budget is read first (`probe`); a read that told
 * nothing (no budget headers) asks again, and the step goes, as unpaced.
 */
export async function paceStep(deps: Pick<RunDeps, 'pace' | 'probe'>, ckpt: Checkpoint, steps: number): Promise<number | undefined> {
  let paced = deps.pace?.(ckpt, steps);
  if (paced === PROBE) {
    await deps.probe?.();
    paced = deps.pace?.(ckpt, steps);
  }
  return paced === PROBE ? undefined : paced;
}

/** Too little of the invocation is left for another step as slow as its slowest (ms) so far. */
export function runShort(deps: Pick<RunDeps, 'remainingMs'>, slowestMs: number): boolean {
  return deps.remainingMs() < Math.max(tuning.reserveMs, 2 * slowestMs);
}
