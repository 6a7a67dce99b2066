/**
 * Limits and retention of tree-export jobs, without Forge.
 *
 * Limits are slots: `tree-export-slot:u:<account>:<n>` (n < perUser) and `tree-export-slot:s:<n>`
 * (n < perSite). A start claims one of each with a create-only write (KVS `keyPolicy:
 * 'FAIL_IF_EXISTS'`, runtime-reference/storage-api-basic-api), which is atomic, so 25 starts at
 * once get at most `perUser` slots. Counting records with `kvs.query` would not do: the docs call
 * query eventually consistent, so simultaneous starts would not see each other. A finished job
 * frees its slots; a slot whose job was lost (never finished, older than STALE_MS) is reclaimed.
 *
 * Retention: one index record per job (`tree-export-index:<job>`), listed by prefix on every start.
 * A zip is deleted once downloaded (export/tree/download), a finished job after RETENTION_MS, a lost
 * one after STALE_MS; the base of incremental exports (./tree-base) at its `keepUntil`. (KVS also
 * offers a per-value TTL; sweeping on access keeps one rule that the
 * sandbox and the unit tests can check, and deletes the whole job at once.)
 *
 * Storage per user (issue 21): finished private zips nobody downloaded yet are bounded by count and
 * bytes; a start over either is refused (TreeStorageFull) with what to do, and nothing the user has
 * not seen is deleted to make room. Bases (./tree-base) are a cache and are evicted oldest first.
 * Why these numbers (Forge docs mirror: limits-kvs-ce, forge-platform-pricing):
 *   - KVS has no stored-bytes quota per installation, but every byte is written once in base64
 *     (4/3 of the zip) in values of at most 240 KiB, and KVS writes are billed per GB beyond 0.1 GB a
 *     month ($1.09/GB): one user parking zips is the app's bill, not theirs.
 *   - A zip is built in the consumer's memory (512 MB by default, with its base64 copy beside it), so
 *     a single export hardly exceeds ~150 MB; 256 MiB keeps one such export plus smaller ones, about
 *     1,700 KVS values.
 *   - 10 undownloaded exports: three can run at once (perUser) and a person rarely has more than a
 *     few finished ones in flight; the 165 zips one test parked in a day were forgotten, not wanted.
 * The check reads the index records the sweep lists (eventually consistent), so simultaneous starts
 * can pass it together; they are still bounded by the per-user slots (3).
 */
import type { ExportOptions, TreeStatus } from '../shared/export';
import type { KeyValue } from '../storage/kv';
import { keys, type TreeJob } from './tree-store';

export const LIMITS = {
  /** Running tree jobs per user. */
  perUser: 3,
  /** Running tree jobs per site (the installation). */
  perSite: 10,
  /** A finished job not downloaded is deleted after this. */
  retentionMs: 24 * 3600_000,
  /** A job not finished after this is taken for lost and deleted. */
  staleMs: 48 * 3600_000,
  /** Finished private zips not downloaded yet, per user: a start beyond this is refused. */
  undownloadedPerUser: 10,
  /** Their bytes (zip size), per user: a start once this is reached is refused. */
  undownloadedBytesPerUser: 256 * 1024 * 1024,
  /** Bases of incremental exports kept per user (roots × option sets); the oldest beyond go. */
  basesPerUser: 5,
  /** Their bytes (zip size), per user: the oldest go until the rest fit (the newest always stays). */
  baseBytesPerUser: 256 * 1024 * 1024,
  /**
   * How long the record of a job whose zip expired unread, or which failed, stays listed after its
   * data is deleted (unless dismissed first): a week of the user's absence, a few hundred bytes each.
   */
  goneKeepMs: 7 * 24 * 3600_000,
};

export const INDEX_PREFIX = 'tree-export-index:';
export const indexKey = (jobId: string): string => `${INDEX_PREFIX}${jobId}`;

export interface JobIndex {
  jobId: string;
  requester: string;
  createdAt: string;
  finishedAt?: string;
  /** The slot keys the job holds while it runs. */
  slots?: string[];
  /** Set when the job became the base of incremental exports (./tree-base): kept until then instead. */
  keepUntil?: string;
  /** Set when a base's zip was downloaded (./tree-base): once replaced, it goes at once. */
  downloadedAt?: string;
  /** Set when a private zip is stored: its size, counted against the requester's storage. */
  bytes?: number;
  /** The exported root's title, to name the export to its requester when their storage is full. */
  title?: string;
  /**
   * Set when the job's data was deleted at the end of its retention while its requester had not
   * seen it (a zip never downloaded, or a failure): the record alone stays, listed by `export/jobs`
   * with the reason, until dismissed or GONE_KEEP_MS later (issue 23: "stays listed until dismissed").
   */
  gone?: GoneJob;
}

/** What `export/jobs` still says about a job whose data is deleted: a few hundred bytes. */
/** What a job exports, as "Your exports" names it. */
export interface JobSummary {
  scope: 'tree' | 'space';
  title: string;
  spaceKey?: string;
  format: ExportOptions['format'];
  preset?: ExportOptions['preset'];
  delivery: 'download' | 'attach';
}

export interface GoneJob extends JobSummary {
  at: string;
  /** How it ended: a zip nobody downloaded ('done'), or a failure (its error). */
  phase: 'done' | 'failed';
  done: number;
  total: number;
  skipped: number;
  error?: { code: string; message: string };
}

/** Every key/value under a prefix (the KVS query API, all pages). */
export type ListByPrefix = (prefix: string) => Promise<Array<{ key: string; value: unknown }>>;
/** Writes `value` only if `key` does not exist yet; true when this call created it. */
export type CreateOnly = (key: string, value: Slot) => Promise<boolean>;

interface Slot {
  jobId: string;
  at: string;
}

export const userSlot = (accountId: string, n: number): string => `tree-export-slot:u:${accountId}:${n}`;
export const siteSlot = (n: number): string => `tree-export-slot:s:${n}`;

export class TreeJobLimit extends Error {
  constructor(readonly scope: 'user' | 'site', readonly limit: number) {
    // Tree and space exports share the limits, so the message names both.
    super(scope === 'user' ? `You already have ${limit} page tree or space exports running` : `This site already has ${limit} page tree or space exports running`);
  }
}

/** The requester holds too many finished zips they have not downloaded (LIMITS). */
export class TreeStorageFull extends Error {
  constructor(readonly held: ReadonlyArray<Pick<JobIndex, 'title' | 'bytes' | 'finishedAt'>>, readonly over: 'count' | 'bytes') {
    super(over === 'count' ? `You have ${held.length} finished exports you have not downloaded` : `Your finished exports you have not downloaded take ${megabytes(held.reduce((n, e) => n + (e.bytes ?? 0), 0))}`);
  }
}

const megabytes = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** The requester's finished private zips nobody downloaded yet, oldest first. */
export function undownloaded(alive: readonly JobIndex[], requester: string): JobIndex[] {
  return alive
    .filter((e) => e.requester === requester && e.finishedAt && e.bytes !== undefined && !e.downloadedAt && !e.gone)
    .sort((a, b) => (a.finishedAt ?? '').localeCompare(b.finishedAt ?? ''));
}

/** Refuses a start (TreeStorageFull) while the requester's undownloaded zips are at a limit. */
function checkStorage(alive: readonly JobIndex[], requester: string): void {
  const held = undownloaded(alive, requester);
  if (held.length >= LIMITS.undownloadedPerUser) throw new TreeStorageFull(held, 'count');
  if (held.reduce((n, e) => n + (e.bytes ?? 0), 0) >= LIMITS.undownloadedBytesPerUser) throw new TreeStorageFull(held, 'bytes');
}

function isIndex(v: unknown): v is JobIndex {
  return typeof v === 'object' && v !== null && typeof (v as JobIndex).jobId === 'string' && typeof (v as JobIndex).requester === 'string';
}

/** Deletes every key of a job, its slots and its index record. */
export async function forgetJob(kv: KeyValue, list: ListByPrefix, jobId: string): Promise<void> {
  await dropData(kv, list, jobId);
  await kv.delete(indexKey(jobId));
}

async function dropData(kv: KeyValue, list: ListByPrefix, jobId: string): Promise<void> {
  for (const { key } of await list(keys.prefix(jobId))) await kv.delete(key);
  await kv.delete(keys.job(jobId));
  await releaseSlots(kv, jobId);
}

/**
 * At the end of a job's retention: a private zip never downloaded, or a failure, leaves its record
 * (`gone`) so its requester still learns what became of it; anything else is forgotten whole.
 */
/** A job's summary (the same for a live job and one whose data is gone). */
export function jobSummary(job: Pick<TreeJob, 'root' | 'spaceKey' | 'options' | 'delivery'>): JobSummary {
  return {
    scope: job.root.type === 'space' ? 'space' : 'tree',
    title: job.root.title,
    ...(job.spaceKey ? { spaceKey: job.spaceKey } : {}),
    format: job.options.format,
    ...(job.options.preset ? { preset: job.options.preset } : {}),
    delivery: job.delivery,
  };
}

async function expire(kv: KeyValue, list: ListByPrefix, entry: JobIndex, now: Date): Promise<JobIndex | undefined> {
  const job = await kv.get<TreeJob>(keys.job(entry.jobId));
  const status = await kv.get<TreeStatus>(keys.progress(entry.jobId));
  const unseen = status?.phase === 'failed' || (status?.phase === 'done' && !!status.download && !entry.downloadedAt);
  if (!job || !status || !unseen) {
    await forgetJob(kv, list, entry.jobId);
    return undefined;
  }
  const gone: GoneJob = {
    at: now.toISOString(),
    ...jobSummary(job),
    phase: status.phase === 'failed' ? 'failed' : 'done',
    done: status.done,
    total: status.total,
    skipped: status.skipped,
    ...(status.error ? { error: { code: status.error.code, message: status.error.message } } : {}),
  };
  await dropData(kv, list, entry.jobId);
  const { keepUntil: _kept, ...rest } = entry;
  const kept: JobIndex = { ...rest, slots: [], gone };
  await kv.set(indexKey(entry.jobId), kept);
  return kept;
}

/** Frees the slots a job holds (only those still naming it). */
async function releaseSlots(kv: KeyValue, jobId: string): Promise<void> {
  const entry = await kv.get<JobIndex>(indexKey(jobId));
  for (const key of entry?.slots ?? []) if ((await kv.get<Slot>(key))?.jobId === jobId) await kv.delete(key);
}

/**
 * Claims the first free slot of `keysOf(0..limit-1)`. A slot held by a job that is finished, gone or
 * lost is reclaimed (delete, then create-only again: if another start won the race, it stays theirs).
 */
async function claim(kv: KeyValue, create: CreateOnly, slotKeys: string[], mine: Slot, now: Date): Promise<string | undefined> {
  for (const key of slotKeys) if (await create(key, mine)) return key;
  for (const key of slotKeys) {
    const holder = await kv.get<Slot>(key);
    if (!holder) {
      if (await create(key, mine)) return key;
      continue;
    }
    const entry = await kv.get<JobIndex>(indexKey(holder.jobId));
    // No index record yet is a start still claiming its other slot, unless the slot itself is old.
    const since = Date.parse(entry ? entry.createdAt : holder.at);
    const lost = !!entry?.finishedAt || now.getTime() - since > LIMITS.staleMs;
    if (lost && (await kv.get<Slot>(key))?.jobId === holder.jobId) {
      await kv.delete(key);
      if (await create(key, mine)) return key;
    }
  }
  return undefined;
}

/** Removes expired jobs; returns the index records still alive. */
export async function sweep(kv: KeyValue, list: ListByPrefix, now: Date): Promise<JobIndex[]> {
  const alive: JobIndex[] = [];
  const t = now.getTime();
  for (const { value } of await list(INDEX_PREFIX)) {
    if (!isIndex(value)) continue;
    if (value.gone) {
      if (t - Date.parse(value.gone.at) > LIMITS.goneKeepMs) await kv.delete(indexKey(value.jobId));
      else alive.push(value);
      continue;
    }
    const expired = value.keepUntil
      ? t > Date.parse(value.keepUntil)
      : value.finishedAt ? t - Date.parse(value.finishedAt) > LIMITS.retentionMs : t - Date.parse(value.createdAt) > LIMITS.staleMs;
    if (!expired) alive.push(value);
    else {
      const kept = await expire(kv, list, value, now);
      if (kept) alive.push(kept);
    }
  }
  return alive;
}

/** Registers a new job, or refuses it (TreeJobLimit) when the user or the site is at its limit. */
export async function admit(kv: KeyValue, list: ListByPrefix, create: CreateOnly, entry: JobIndex, now: Date): Promise<void> {
  checkStorage(await sweep(kv, list, now), entry.requester);
  const mine: Slot = { jobId: entry.jobId, at: now.toISOString() };
  const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
  const user = await claim(kv, create, range(LIMITS.perUser).map((n) => userSlot(entry.requester, n)), mine, now);
  if (!user) throw new TreeJobLimit('user', LIMITS.perUser);
  const site = await claim(kv, create, range(LIMITS.perSite).map(siteSlot), mine, now);
  if (!site) {
    await kv.delete(user);
    throw new TreeJobLimit('site', LIMITS.perSite);
  }
  await kv.set(indexKey(entry.jobId), { ...entry, slots: [user, site] } satisfies JobIndex);
}

/** Undoes `admit` for a job that was not created after all. */
export async function release(kv: KeyValue, jobId: string): Promise<void> {
  await releaseSlots(kv, jobId);
  await kv.delete(indexKey(jobId));
}

/**
 * Marks a job finished (done, failed or cancelled): its slots are freed, and its retention starts.
 * `stored`: the private zip it left for download, counted against its requester's storage.
 */
export async function markFinished(kv: KeyValue, jobId: string, now: Date, stored?: Pick<JobIndex, 'bytes' | 'title'>): Promise<void> {
  const entry = await kv.get<JobIndex>(indexKey(jobId));
  if (!entry || entry.finishedAt) return;
  await releaseSlots(kv, jobId);
  await kv.set(indexKey(jobId), { ...entry, finishedAt: now.toISOString(), slots: [], ...stored } satisfies JobIndex);
}
