/**
 * "Your exports" (issue 23): the requester's own tree and space jobs, newest first, read from the
 * per-job index records the retention sweep keeps (./tree-limits), without Forge. A job whose data
 * the sweep deleted unread stays listed from its record (`gone`) with the reason, until dismissed.
 */
import type { ExportJob, TreeStatus } from '../shared/export';
import type { KeyValue } from '../storage/kv';
import { indexKey, jobSummary, sweep, type GoneJob, type JobIndex, type ListByPrefix } from './tree-limits';
import { keys, type TreeJob } from './tree-store';

/** KVS reads in flight at once while reading the requester's jobs. */
const READS = 8;

/**
 * The requester's jobs within retention (the sweep runs first, so an expired zip shows as such).
 * `here` says which of them the calling panel may act on. Costs one KVS query per 100 index records
 * of the site, and two reads per job of the requester; no Confluence request.
 */
export async function listJobs(kv: KeyValue, list: ListByPrefix, requester: string, now: Date, here: (job: Pick<TreeJob, 'root' | 'startedOn'>) => boolean): Promise<ExportJob[]> {
  const mine = (await sweep(kv, list, now)).filter((e) => e.requester === requester && !(e.downloadedAt && !e.gone));
  const out: ExportJob[] = [];
  for (let i = 0; i < mine.length; i += READS) {
    const group = await Promise.all(mine.slice(i, i + READS).map((e) => describe(kv, e, here)));
    for (const j of group) if (j) out.push(j);
  }
  return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.jobId.localeCompare(b.jobId));
}

async function describe(kv: KeyValue, entry: JobIndex, here: (job: Pick<TreeJob, 'root' | 'startedOn'>) => boolean): Promise<ExportJob | undefined> {
  if (entry.gone) return fromGone(entry, entry.gone);
  const [job, status] = await Promise.all([kv.get<TreeJob>(keys.job(entry.jobId)), kv.get<TreeStatus>(keys.progress(entry.jobId))]);
  // A start still writing its job (the index record comes first) is not listed yet.
  if (!job || !status || job.requester !== entry.requester) return undefined;
  return {
    jobId: job.jobId,
    ...jobSummary(job),
    createdAt: job.createdAt,
    // The report can be long; the one job the panel shows reads it from export/tree/status.
    status: { ...status, report: [] },
    here: here(job),
  };
}

function fromGone(entry: JobIndex, gone: GoneJob): ExportJob {
  const reason = gone.phase === 'failed'
    ? `It failed${gone.error ? `: ${gone.error.message.replace(/\.$/, '')}` : ''}. Its data is deleted; export it again`
    : 'Nobody downloaded its zip, so the app deleted it when its retention ended; export it again';
  const status: TreeStatus = {
    jobId: entry.jobId, phase: gone.phase, done: gone.done, total: gone.total, skipped: gone.skipped, report: [],
    ...(gone.error ? { error: gone.error } : {}), invocations: 0, updatedAt: gone.at,
  };
  const { at, phase: _phase, done: _done, total: _total, skipped: _skipped, error: _error, ...summary } = gone;
  return {
    jobId: entry.jobId,
    ...summary,
    createdAt: entry.createdAt,
    status,
    expired: { at, reason },
    // The record names neither root id nor page: dismissing it is all there is to do, from anywhere.
    here: true,
  };
}

/** Dismisses the requester's record of a job whose data is gone; false when there is none of theirs. */
export async function dismissGone(kv: KeyValue, requester: string, jobId: string): Promise<boolean> {
  const entry = await kv.get<JobIndex>(indexKey(jobId));
  if (!entry?.gone || entry.requester !== requester) return false;
  await kv.delete(indexKey(jobId));
  return true;
}
