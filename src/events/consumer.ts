/**
 * The `autoexport-consumer` function: re-exports a page AS THE APP and attaches the file. The page
 * id comes from a product event or from a user who could edit the page (autoexport/set), and the
 * attachment lands on that same page, so it is visible to exactly the people who see the page; what
 * the app reads from elsewhere (the child page list) goes in only if all of them may read it.
 */
import { InvocationErrorCode, type AsyncEvent } from '@forge/events';
import { parseJob, recordFailure, runAutoExport, type ExportedFile } from '../activity/autoexport';
import { createClient } from '../confluence/client';
import { RateMeter } from '../confluence/rate-limit';
import { heldFor, recordHold } from '../jobs/pacing';
import { confluenceAudience } from '../export/audience';
import { exportPage } from '../export/service';
import type { ExportOptions } from '../shared/export';
import { forgeKv } from '../storage/kv';
import { EVENT_RETRY, MAX_PLATFORM_RETRIES, failureCode, invocationError, retryAdvice } from './retry';

export async function autoExportConsumer(event: AsyncEvent): Promise<unknown> {
  const job = parseJob(event.body);
  if (!job) {
    console.warn('[autoexport] malformed job ignored');
    return undefined;
  }
  const attempt = event.retryContext?.retryCount ?? 0;
  // Background work spares the app-wide points budget (src/jobs/pacing.ts): while an earlier run saw
  // it nearly spent, the export waits for the reset (on its last platform retry it runs anyway).
  const deferBy = attempt < MAX_PLATFORM_RETRIES ? await heldFor(forgeKv, Date.now(), Math.random).catch(() => undefined) : undefined;
  if (deferBy !== undefined) return invocationError({ retryAfter: deferBy, retryReason: InvocationErrorCode.FUNCTION_UPSTREAM_RATE_LIMITED });
  const rate = new RateMeter();
  const client = createClient('app', { retry: EVENT_RETRY, onRateLimit: rate.record, onCost: rate.cost });
  try {
    await runAutoExport(
      {
        kv: forgeKv,
        // The copy is attached to the page: only what every viewer of the page may read goes in.
        exportPage: (ref, options: ExportOptions): Promise<ExportedFile> => exportPage(client, ref, options, { audience: confluenceAudience(client, ref) }),
        upload: (contentId, file) => client.uploadAttachment(contentId, file),
        now: () => new Date().toISOString(),
      },
      job,
    );
    return undefined;
  } catch (e) {
    const advice = retryAdvice(e, attempt);
    if (advice && attempt < MAX_PLATFORM_RETRIES) {
      console.warn(`[autoexport] page ${job.contentId}: ${failureCode(e)}; retry in ${advice.retryAfter}s`);
      return invocationError(advice);
    }
    console.warn(`[autoexport] page ${job.contentId} failed: ${failureCode(e)}`);
    // Best effort: if KVS itself is failing there is nowhere to record it.
    await recordFailure(forgeKv, job, failureCode(e), new Date().toISOString()).catch(() => undefined);
    return undefined;
  } finally {
    await recordHold(forgeKv, rate.last, Date.now()).catch(() => undefined);
  }
}
