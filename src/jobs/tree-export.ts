/**
 * The Forge side of tree exports: the queue, the app identity and the invocation's time budget.
 * The job itself lives in ./tree-run (pure, tested with plain fakes).
 */
import { getAppContext } from '@forge/api';
import { Queue } from '@forge/events';
import { randomUUID } from 'node:crypto';
import { recordExport } from '../activity/freshness';
import { createClient, type ContentRef } from '../confluence/client';
import type { ExportOptions, TreeStartResult } from '../shared/export';
import { forgeKv } from '../storage/kv';
import { createTreeJob, runTreeJob, tuning, type RunOutcome } from './tree-run';

/** The queue key in manifest.yml (consumer `tree-export-consumer`). */
export const TREE_QUEUE = 'tree-export';

const queue = (): Queue => new Queue({ key: TREE_QUEUE });

/** Lists the tree as the user, stores the job and queues it. Called by `export/tree/start`. */
export function startTreeExport(input: { root: ContentRef; requester: string; siteUrl?: string; options: ExportOptions; listUntil?: number }): Promise<TreeStartResult> {
  return createTreeJob(
    {
      client: createClient('user'),
      kv: forgeKv,
      push: async (jobId) => void (await queue().push({ body: { jobId } })),
      newId: () => randomUUID(),
      now: () => new Date(),
    },
    input,
  );
}

/** Time left in this invocation; the platform's own clock when the app context lacks it. */
function remainingMs(): number {
  try {
    return getAppContext().invocationRemainingTimeInMillis();
  } catch {
    const runtime = (globalThis as { __forge_runtime__?: { lambdaContext?: { getRemainingTimeInMillis?: () => number } } }).__forge_runtime__;
    return runtime?.lambdaContext?.getRemainingTimeInMillis?.() ?? 900_000;
  }
}

/** Queue consumer (`tree-export-consumer`, timeoutSeconds 900): runs a job until done or checkpointed. */
export async function treeExportConsumer(event: { body?: { jobId?: unknown } }): Promise<{ outcome: RunOutcome } | undefined> {
  const jobId = event.body?.jobId;
  if (typeof jobId !== 'string' || !jobId) return undefined;
  const outcome = await runTreeJob(jobId, {
    client: createClient('app', { retry: tuning.retry }),
    kv: forgeKv,
    remainingMs,
    continueLater: async (id, delaySeconds) => void (await queue().push({ body: { jobId: id }, ...(delaySeconds > 0 ? { delayInSeconds: Math.min(900, delaySeconds) } : {}) })),
    now: () => new Date(),
    onDone: async (job) => {
      await recordExport(forgeKv, job.root.id, { version: job.root.version, format: job.options.format, at: new Date().toISOString(), accountId: job.requester, kind: 'tree' });
    },
  });
  return { outcome };
}
