/**
 * What every phase of a tree-export run shares: its knobs, and which faults end a run (to be retried
 * from the checkpoint) against which concern one page alone.
 */
import { BULK_IDS, MAX_LIMIT } from '../confluence/client';
import { isConfluenceError } from '../confluence/errors';
import { JOB_RETRY, type RetryPolicy } from '../confluence/retry';
import { LIMITS } from './tree-limits';

/** Knobs of the consumer; tests shrink them to force checkpoints on small trees. */
export const tuning = {
  /** Pages per bulk request (the API's maximum). */
  batchSize: BULK_IDS,
  /** Items per listing request (the API's maximum; the fair-share benchmark scales it with the budget). */
  listLimit: MAX_LIMIT,
  /** Stop and continue in a new invocation when less time than this remains after a batch. */
  reserveMs: 120_000,
  /** Time the zip + upload phase needs; with less left, it starts in a fresh invocation. */
  zipReserveMs: 180_000,
  /**
   * Wall-clock cap of a job (since it was created): past it, a run that meets a rate limit or an
   * outage fails the job instead of waiting again. Rate limits and outages never fail a job before
   * that, whatever their number: they pass, and the checkpoint keeps the work done. One day is the
   * retention of a finished zip (LIMITS.retentionMs) and half the time after which an unfinished job
   * is swept as lost (LIMITS.staleMs), so a job that gives up is still there to say why.
   */
  giveUpAfterMs: LIMITS.retentionMs,
  /** First wait after an outage (5xx, dropped connection), doubled per consecutive failed run up to the queue's 900 s. */
  outageWaitSeconds: 15,
  /** Parallel per-page requests (comments, attachment lists, downloads). */
  concurrency: 4,
  /** Parallel read-restriction checks (attaching): tiny answers, one per tree item. */
  checkConcurrency: 8,
  /** Retries of each request before the batch counts as failed (and the job re-queues itself). */
  retry: JOB_RETRY as RetryPolicy,
};

/**
 * Only Confluence's own answers are worth another run: the client already turns a dropped
 * connection into a ConfluenceError with status 0. Anything else (a TypeError in conversion, say)
 * is a fault in this code that would fail the same way again, so it fails the job at once.
 */
export function retryable(e: unknown): boolean {
  return isConfluenceError(e) && (e.status === 429 || e.status === 0 || e.status >= 500);
}

/** The value, or undefined when converting the page's body threw. */
export function readable<T>(run: () => T): T | undefined {
  try {
    return run();
  } catch (e) {
    // Conversion is pure: whatever it throws (an unreadable body, or a fault a hostile document
    // provokes) concerns this page alone, which is skipped and reported; the job goes on.
    if (!isConfluenceError(e)) return undefined;
    throw e;
  }
}
