/**
 * Bases of incremental tree and space exports (issue 17): the newest finished private export of one
 * root, kept so the next export of the same root can carry its unchanged pages over.
 *
 *   tree-base:<requester>:<root type>:<root id>:<options hash>  → BaseRecord
 *
 * A base is the finished job itself (job, progress and zip pieces, see ./tree-store): instead of
 * being deleted once downloaded, the newest job per (requester, root, options) stays for
 * BASE_KEEP_MS. Its zip is still read by `export/tree/download` for its requester only, and by the
 * next export of the same root (as that requester). Storage is bounded: one base per (requester,
 * root, options), the next finished export of that root replaces it (the old job is deleted whole),
 * at most LIMITS.basesPerUser and LIMITS.baseBytesPerUser per requester (the oldest go first: a base
 * is a cache; one never downloaded goes back to the rules of any undownloaded zip instead of being
 * deleted, see `demote`), and the retention sweep (./tree-limits) deletes a base job BASE_KEEP_MS
 * after it finished.
 */
import { createHash } from 'node:crypto';
import type { ExportOptions } from '../shared/export';
import type { KeyValue } from '../storage/kv';
import { forgetJob, indexKey, LIMITS, type JobIndex, type ListByPrefix } from './tree-limits';
import { keys, type TreeJob } from './tree-store';

/** How long a base is kept after its export finished. */
export const BASE_KEEP_MS = 7 * 24 * 3600_000;
/**
 * The manifest format a base must have to be built on. 2: `tree` entries carry `version` (the page
 * version whose body is in the zip), `files`, `properties` and `reports`; older zips are rebuilt in full.
 * 3: page text escaped for each preset's reader and page properties under `confluence.properties`
 * (issue 21): a page carried from an older base would keep text MDX runs and property keys that
 * set tool options.
 */
export const BASE_FORMAT = 3;

export interface BaseRecord {
  jobId: string;
  /** When that export started (its listing): changes after this, minus a margin, are searched for. */
  exportedAt: string;
  /** The manifest format it was written with. */
  format: number;
  /** Pages in it. */
  pages: number;
  /** Space exports: the space key, for the change search. */
  spaceKey?: string;
  /**
   * A time on the site's clock that every change the export did not see is later than (the
   * manifest's `siteTime`): the next change search starts there. Absent: the export found no page.
   */
  siteTime?: string;
  /** The zip's size (absent on bases kept before it was recorded: counted as 0). */
  bytes?: number;
  /** App-clock time its listing began (TreeJob.listedAt): touches received before it are reflected. */
  listedAt?: string;
}

/** Short stable hash of the options that shape the output: a base only serves the same options. */
export function optionsHash(options: ExportOptions): string {
  const o = options as unknown as Record<string, unknown>;
  const stable = JSON.stringify(Object.keys(o).sort().map((k) => [k, o[k]]));
  return createHash('sha256').update(stable).digest('hex').slice(0, 16);
}

const userPrefix = (requester: string): string => `tree-base:${requester}:`;
export const baseKey = (requester: string, root: Pick<TreeJob['root'], 'type' | 'id'>, options: ExportOptions): string =>
  `${userPrefix(requester)}${root.type}:${root.id}:${optionsHash(options)}`;

/** The reason when there simply is no earlier export (a first export: nothing to report). */
export const NO_BASE = 'there is no earlier export of it with these options to build on';

export type BaseLookup = { base: BaseRecord } | { base?: undefined; reason: string };

/**
 * The base to build on, or why there is none. Only checks what is cheap here (the record, the job
 * and its finished zip); the manifest inside the zip is read and checked by the job itself.
 */
export async function findBase(kv: KeyValue, requester: string, root: Pick<TreeJob['root'], 'type' | 'id'>, options: ExportOptions): Promise<BaseLookup> {
  const key = baseKey(requester, root, options);
  const base = await kv.get<BaseRecord>(key);
  if (!base) return { reason: NO_BASE };
  if (base.format !== BASE_FORMAT) return { reason: `the earlier export was written in an older format (${base.format})` };
  const job = await kv.get<TreeJob>(keys.job(base.jobId));
  const first = await kv.get<string>(keys.zip(base.jobId, 0));
  if (!job || job.requester !== requester || typeof first !== 'string') {
    await kv.delete(key);
    return { reason: 'the earlier export is no longer stored' };
  }
  return { base };
}

/** True when `jobId` is the base some export would build on (its zip must then stay). */
export async function isBase(kv: KeyValue, job: TreeJob): Promise<boolean> {
  return (await kv.get<BaseRecord>(baseKey(job.requester, job.root, job.options)))?.jobId === job.jobId;
}

/**
 * Makes a finished private export the base of its root: the previous base of the same root and
 * options is deleted whole, the job's retention becomes BASE_KEEP_MS, and the requester's oldest
 * bases beyond LIMITS.basesPerUser or LIMITS.baseBytesPerUser go (never the one just kept).
 */
export async function keepAsBase(kv: KeyValue, list: ListByPrefix, job: TreeJob, found: { pages: number; bytes?: number; siteTime?: string }, now: Date): Promise<void> {
  if (job.delivery !== 'download') return;
  const key = baseKey(job.requester, job.root, job.options);
  const previous = await kv.get<BaseRecord>(key);
  const record: BaseRecord = { jobId: job.jobId, exportedAt: job.createdAt, format: BASE_FORMAT, pages: found.pages, ...(found.bytes !== undefined ? { bytes: found.bytes } : {}), ...(found.siteTime ? { siteTime: found.siteTime } : {}), ...(job.listedAt ? { listedAt: job.listedAt } : {}), ...(job.spaceKey ? { spaceKey: job.spaceKey } : {}) };
  await kv.set(key, record);
  if (previous && previous.jobId !== job.jobId) await demote(kv, list, previous.jobId);
  const entry = await kv.get<JobIndex>(indexKey(job.jobId));
  if (entry) await kv.set(indexKey(job.jobId), { ...entry, keepUntil: new Date(now.getTime() + BASE_KEEP_MS).toISOString() } satisfies JobIndex);
  const mine = (await list(userPrefix(job.requester))).flatMap(({ key: k, value }) => (isRecord(value) ? [{ key: k, value }] : []));
  // Newest first, the one just kept always among them; the rest stay while both limits hold.
  mine.sort((a, b) => Number(b.value.jobId === job.jobId) - Number(a.value.jobId === job.jobId) || b.value.exportedAt.localeCompare(a.value.exportedAt));
  let bytes = 0;
  for (const [i, old] of mine.entries()) {
    bytes += old.value.bytes ?? 0;
    if (i === 0 || (i < LIMITS.basesPerUser && bytes <= LIMITS.baseBytesPerUser)) continue;
    await kv.delete(old.key);
    await demote(kv, list, old.value.jobId);
  }
}

/**
 * A base no longer needed as one: deleted now if its zip was downloaded, else back to the rules of
 * any private zip (deleted once downloaded, or RETENTION_MS after it finished), so an export the
 * requester has not fetched yet is not lost because a newer one of the same root finished first.
 */
async function demote(kv: KeyValue, list: ListByPrefix, jobId: string): Promise<void> {
  const entry = await kv.get<JobIndex>(indexKey(jobId));
  if (!entry || entry.downloadedAt) return forgetJob(kv, list, jobId);
  const { keepUntil: _kept, ...rest } = entry;
  await kv.set(indexKey(jobId), rest satisfies JobIndex);
}

/** Notes that a base's zip was downloaded (a base is kept after its download, see `demote`). */
export async function markDownloaded(kv: KeyValue, jobId: string, now: Date): Promise<void> {
  const entry = await kv.get<JobIndex>(indexKey(jobId));
  if (entry) await kv.set(indexKey(jobId), { ...entry, downloadedAt: now.toISOString() } satisfies JobIndex);
}

function isRecord(v: unknown): v is BaseRecord {
  return typeof v === 'object' && v !== null && typeof (v as BaseRecord).jobId === 'string' && typeof (v as BaseRecord).exportedAt === 'string';
}
