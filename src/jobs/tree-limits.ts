/**
 * Limits and retention of tree-export jobs, without Forge. One small index record per job
 * (`tree-export-index:<job>`), listed by prefix with the KVS query API, so concurrent starts never
 * rewrite a shared counter (KVS has no conditional writes; one key per job cannot lose updates).
 *
 * Admission is "register, then count": a start writes its own record first and then counts the
 * running ones, itself included; over the limit, it removes its record and refuses. Of any set of
 * starts admitted together, the last to count saw all the others, so the limit is never exceeded
 * (simultaneous starts may all be refused, which is the safe side).
 *
 * Retention: KVS keeps values until deleted, so finished jobs are removed on access: a zip once
 * downloaded at once (export/tree/download), anything finished after RETENTION_MS, and a job that
 * never finished (a run lost for good) after STALE_MS. Every start sweeps.
 */
import type { KeyValue } from '../storage/kv';
import { keys } from './tree-store';

export const LIMITS = {
  /** Running tree jobs per user. */
  perUser: 3,
  /** Running tree jobs per site (the installation). */
  perSite: 10,
  /** A finished job not downloaded is deleted after this. */
  retentionMs: 24 * 3600_000,
  /** A job not finished after this is taken for lost and deleted. */
  staleMs: 48 * 3600_000,
};

export const INDEX_PREFIX = 'tree-export-index:';
export const indexKey = (jobId: string): string => `${INDEX_PREFIX}${jobId}`;

export interface JobIndex {
  jobId: string;
  requester: string;
  createdAt: string;
  finishedAt?: string;
}

/** Every key/value under a prefix (the KVS query API, all pages). */
export type ListByPrefix = (prefix: string) => Promise<Array<{ key: string; value: unknown }>>;

export class TreeJobLimit extends Error {
  constructor(readonly scope: 'user' | 'site', readonly limit: number) {
    super(scope === 'user' ? `You already have ${limit} page tree exports running` : `This site already has ${limit} page tree exports running`);
  }
}

function isIndex(v: unknown): v is JobIndex {
  return typeof v === 'object' && v !== null && typeof (v as JobIndex).jobId === 'string' && typeof (v as JobIndex).requester === 'string';
}

/** Deletes every key of a job and its index record. */
export async function forgetJob(kv: KeyValue, list: ListByPrefix, jobId: string): Promise<void> {
  for (const { key } of await list(keys.prefix(jobId))) await kv.delete(key);
  await kv.delete(keys.job(jobId));
  await kv.delete(indexKey(jobId));
}

/** Removes expired jobs; returns the index records still alive. */
export async function sweep(kv: KeyValue, list: ListByPrefix, now: Date): Promise<JobIndex[]> {
  const alive: JobIndex[] = [];
  const t = now.getTime();
  for (const { value } of await list(INDEX_PREFIX)) {
    if (!isIndex(value)) continue;
    const expired = value.finishedAt ? t - Date.parse(value.finishedAt) > LIMITS.retentionMs : t - Date.parse(value.createdAt) > LIMITS.staleMs;
    if (expired) await forgetJob(kv, list, value.jobId);
    else alive.push(value);
  }
  return alive;
}

/** Registers a new job, or refuses it (TreeJobLimit) when the user or the site is at its limit. */
export async function admit(kv: KeyValue, list: ListByPrefix, entry: JobIndex, now: Date): Promise<void> {
  await kv.set(indexKey(entry.jobId), entry);
  const running = (await sweep(kv, list, now)).filter((j) => !j.finishedAt);
  const mine = running.filter((j) => j.requester === entry.requester).length;
  const refusal = mine > LIMITS.perUser ? new TreeJobLimit('user', LIMITS.perUser) : running.length > LIMITS.perSite ? new TreeJobLimit('site', LIMITS.perSite) : undefined;
  if (refusal) {
    await kv.delete(indexKey(entry.jobId));
    throw refusal;
  }
}

/** Marks a job finished (done, failed or cancelled): it no longer counts, and its retention starts. */
export async function markFinished(kv: KeyValue, jobId: string, now: Date): Promise<void> {
  const entry = await kv.get<JobIndex>(indexKey(jobId));
  if (entry && !entry.finishedAt) await kv.set(indexKey(jobId), { ...entry, finishedAt: now.toISOString() });
}
