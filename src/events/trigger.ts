/**
 * The `events` function of the `content-events` trigger: Forge glue around the pure dispatcher.
 * Transient failures (KVS or queue busy) go back to the platform as InvocationError so the
 * delivery is retried; anything else is logged (type and code only) and the event dropped.
 */
import { Queue } from '@forge/events';
import type { AutoExportJob } from '../activity/autoexport';
import { createClient } from '../confluence/client';
import { isConfluenceError } from '../confluence/errors';
import { forgeKv } from '../storage/kv';
import { dispatch } from './dispatch';
import { EVENT_RETRY, failureCode, invocationError, retryAdvice } from './retry';

export const AUTOEXPORT_QUEUE = 'autoexport';
const queue = new Queue({ key: AUTOEXPORT_QUEUE });

export async function enqueueAutoExport(job: AutoExportJob): Promise<void> {
  // One export per page at a time: with the version check in the job this keeps one attachment
  // version per page version even when jobs for the same page pile up.
  await queue.push({ body: { ...job }, concurrency: { key: `autoexport-${job.contentId}`, limit: 1 } });
}

export async function events(event: unknown, _context?: unknown): Promise<unknown> {
  try {
    await dispatch(event, { kv: forgeKv, enqueue: enqueueAutoExport, warn: (m) => console.warn(`[events] ${m}`), pageVersion });
    return undefined;
  } catch (e) {
    const advice = retryAdvice(e, retryCountOf(event));
    console.warn(`[events] ${typeOf(event)} failed: ${failureCode(e)}${advice ? `; retry in ${advice.retryAfter}s` : ''}`);
    return advice ? invocationError(advice) : undefined;
  }
}

/** As the app (no user acts in a trigger): the version number only. A page gone or hidden: undefined. */
async function pageVersion(id: string): Promise<number | undefined> {
  try {
    return (await createClient('app', { retry: EVENT_RETRY }).getPage(id)).version?.number;
  } catch (e) {
    if (isConfluenceError(e) && e.status === 404) return undefined;
    throw e;
  }
}

/** Retried deliveries carry `retryContext.retryCount` (absent on the first delivery). */
function retryCountOf(event: unknown): number {
  const count = (event as { retryContext?: { retryCount?: unknown } } | null)?.retryContext?.retryCount;
  return typeof count === 'number' && Number.isInteger(count) && count >= 0 ? count : 0;
}

function typeOf(event: unknown): string {
  const t = (event as { eventType?: unknown } | null)?.eventType;
  return typeof t === 'string' ? t.slice(0, 80) : 'event';
}
