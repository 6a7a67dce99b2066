/**
 * Tree-export job state in the key-value store. Every value stays well under the KVS limit of
 * 240 KiB: the node list and the converted output are split across numbered keys.
 *
 *   tree-export:<job>            the job (root, requester, options, counts)
 *   tree-export:<job>:nodes:<n>  the planned tree, in chunks
 *   tree-export:<job>:out:<n>    converted pages, deflated + base64, in chunks
 *   tree-export:<job>:ckpt       where the consumer resumes
 *   tree-export:<job>:progress   what the panel shows
 *   tree-export:<job>:cancel     set by export/tree/cancel
 *   tree-export:<job>:restricted:<n>  attach only: items with a read restriction, in chunks
 *   tree-export:<job>:lease      which consumer run owns the job now (duplicate deliveries back off)
 *   tree-export:<job>:zip:<n>    the finished zip (private delivery), base64, in chunks
 *   tree-export:<job>:changes:<n>  incremental only: `<id>:<change>` of the pages not unchanged
 *   tree-export:<job>:listing    a listing the job's runs go on with (./tree-list), until planned
 *   tree-export:<job>:listed:<n>  the items it listed so far, in chunks
 *   tree-export-index:<job>      one small record per job: limits and retention (./tree-limits)
 */
import type { PageAnchors } from '../export/refs';
import { deflateSync, inflateSync, strFromU8, strToU8 } from 'fflate';
import type { ExportOptions, TreeStatus } from '../shared/export';
import type { KeyValue } from '../storage/kv';
import type { JobRate } from './pacing';
import type { TreeNode } from '../export/tree/plan';
import type { ReportEntry } from '../export/report';

/** Bytes of JSON per stored value; leaves headroom under the 240 KiB KVS limit. */
export const VALUE_BUDGET = 200 * 1024;

export interface TreeJob {
  jobId: string;
  /** The page whose tree is exported, or the space exported whole (its id; version 0). */
  root: { id: string; type: 'page' | 'blogpost' | 'space'; title: string; version: number };
  requester: string;
  options: ExportOptions;
  siteUrl: string;
  createdAt: string;
  /**
   * App-clock time the listing this job's tree reflects began (its own, or, for an incremental job
   * that did not list, a moment when no touch had been recorded since its base's listing). Touches
   * received before it are reflected (src/activity/touches.ts).
   */
  listedAt?: string;
  /** Pages to export (0 while `listing`). */
  total: number;
  /** Set while the job's runs still list its tree (./tree-list); cleared once it is planned. */
  listing?: boolean;
  /**
   * Points the start's own listing cost (1 a request, 1 an item): the job's first run counts them as
   * its own, not as others' spending (./pacing), though the start's answers were not its to hear.
   */
  startPoints?: number;
  nodeChunks: number;
  /** Name of the zip. */
  fileName: string;
  /**
   * 'download': private to the requester (the default). 'attach': attached to the root page, with
   * only the pages every viewer of the root can read.
   */
  delivery: 'download' | 'attach';
  /** Items at the depth limit whose subtrees Confluence could not list (reported, never silent). */
  unlisted?: Array<{ id: string; title: string; type: string }>;
  /** How many more there were beyond the ones named in `unlisted`. */
  unlistedMore?: number;
  /** Space exports: the page or blog post it was started from (absent: the global page). */
  startedOn?: string;
  /** Space exports: how many of the space's pages and blog posts the requester cannot read (a count only). */
  unreadable?: number;
  /** Space exports: the space key (for the change search of the next, incremental, export). */
  spaceKey?: string;
  /** Incremental exports: the base it builds on and what changed since (./tree-incremental). */
  incremental?: IncrementalSpec;
  /** A full export asked to be incremental: why it could not be. */
  fullBecause?: string;
}

export interface IncrementalSpec {
  /** The earlier export whose zip and manifest are the base. */
  baseJobId: string;
  /** When that export started. */
  baseExportedAt: string;
  /** Set when the base vanished before its pages were carried over, so they were fetched: why. */
  fallback?: string;
  /** Chunks of `changes` keys: `<id>:<change>:<1 to fetch, 0 to carry>` of every page not unchanged-and-carried. */
  changeChunks?: number;
  /** What the export found. */
  counts?: { unchanged: number; changed: number; new: number; moved: number; deleted: number };
  /** Whether the tree was listed again (its space was touched since the base, or a hit's parent was unknown). */
  listed?: boolean;
  /** Deleted pages (their old files), at most 200 named. */
  deleted?: Array<{ id: string; path: string }>;
  deletedMore?: number;
  /** Site-clock time the carried pages were unchanged at (./tree-incremental siteFloor). */
  carriedFloor?: string;
}

/** One converted page as stored between invocations. */
export interface PageOutput {
  id: string;
  /** Bundle path of the page file. */
  file: string;
  text: string;
  /** Ids of exported pages this page links to. */
  links: string[];
  /** Attachments to put into the zip (downloaded in the zip phase). */
  files: Array<{ id: string; path: string; mediaType: string; name?: string }>;
  /** Page properties (`details` macros), for Page Properties Reports in the zip phase. */
  properties?: Record<string, string | string[]>;
  /** The Page Properties Reports on the page, in marker order. */
  reports?: Array<{ labels: string[]; cql?: string }>;
  /** The version whose body this is (recorded in the manifest: the next incremental export compares it). */
  version?: number;
  /** When that version was written (site clock). */
  versionAt?: string;
  /** Carried over from the base of an incremental export, not fetched. */
  carried?: boolean;
  /** Headings and anchor macros as the output names them, for links from other pages. */
  anchors?: PageAnchors;
}

export interface OutputChunk {
  pages: PageOutput[];
  report: ReportEntry[];
}

export interface Checkpoint {
  /** Index into the job's page ids of the next page to fetch. */
  next: number;
  /** Output chunks written so far. */
  outChunks: number;
  done: number;
  /** Items that are not pages (the plan's count); pages left out are counted apart, below. */
  skipped: number;
  /** Attach only: pages left out because not every viewer of the root may read them. */
  withheld?: number;
  /** Pages the run could not export (gone or restricted since the listing, unreadable body). */
  missing?: number;
  /** Invocations used so far. */
  invocations: number;
  /** Consecutive runs failed by an outage (5xx, no connection; 429s do not count); reset after a batch succeeds. */
  failures: number;
  /** spaceId → key, fetched once per job. */
  spaceKeys: Record<string, string>;
  /** Set when the zip phase was moved to a fresh invocation (done once, so it cannot loop). */
  zipDeferred?: boolean;
  /**
   * Attach only: chunks of `restricted` keys holding the items found with a read restriction of
   * their own (unset until checked). Pages under them, or restricted themselves, stay out.
   */
  restrictedChunks?: number;
  /** Paced (./pacing): the app's points budget is spent until then (ms since epoch). */
  pausedUntil?: number;
  /** Paced (./pacing): the job's own share of the budget, raised and halved on what answers say. */
  rate?: JobRate;
  /** Incremental only: set once the carried pages are stored (the first `outChunks`). */
  planned?: boolean;
  /**
   * Front-matter labels (./tree-labels): the spaces whose labels were indexed once for the job, in
   * `chunks` chunks of `labels` keys; no `chunks`: asked page by page.
   */
  labels?: { spaces: string[]; chunks?: number };
}

/** Which consumer run owns the job until when (ISO); another run backs off until then. */
export interface Lease {
  runId: string;
  until: string;
}

const base = (jobId: string): string => `tree-export:${jobId}`;
export const keys = {
  job: (id: string) => base(id),
  nodes: (id: string, n: number) => `${base(id)}:nodes:${n}`,
  out: (id: string, n: number) => `${base(id)}:out:${n}`,
  ckpt: (id: string) => `${base(id)}:ckpt`,
  progress: (id: string) => `${base(id)}:progress`,
  cancel: (id: string) => `${base(id)}:cancel`,
  lease: (id: string) => `${base(id)}:lease`,
  restricted: (id: string, n: number) => `${base(id)}:restricted:${n}`,
  zip: (id: string, n: number) => `${base(id)}:zip:${n}`,
  changes: (id: string, n: number) => `${base(id)}:changes:${n}`,
  labels: (id: string, n: number) => `${base(id)}:labels:${n}`,
  listing: (id: string) => `${base(id)}:listing`,
  listed: (id: string, n: number) => `${base(id)}:listed:${n}`,
  /** Every key of one job starts with this (for deleting a job whole). */
  prefix: (id: string) => `${base(id)}:`,
};

/** Stores ids in chunks under `key(n)`; returns the number of chunks. */
export async function saveIds(kv: KeyValue, key: (n: number) => string, ids: readonly string[]): Promise<number> {
  const chunks = chunkByBytes(ids);
  for (let i = 0; i < chunks.length; i++) await kv.set(key(i), chunks[i]);
  return chunks.length;
}

export async function loadIds(kv: KeyValue, key: (n: number) => string, count: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(...((await kv.get<string[]>(key(i))) ?? []));
  return out;
}

/** KVS reads in flight at once while loading a zip (a download slice is one such group). */
const ZIP_READS = 16;

/**
 * Pieces `first` .. `first + count - 1` of a stored zip, joined (base64), or undefined when one is
 * missing (swept, or the job is being replaced).
 */
export async function loadZip(kv: KeyValue, jobId: string, first: number, count: number): Promise<string | undefined> {
  const pieces: string[] = [];
  for (let i = first; i < first + count; i += ZIP_READS) {
    const group = await Promise.all(Array.from({ length: Math.min(ZIP_READS, first + count - i) }, (_, j) => kv.get<string>(keys.zip(jobId, i + j))));
    for (const p of group) {
      if (typeof p !== 'string') return undefined;
      pieces.push(p);
    }
  }
  return pieces.join('');
}

/**
 * Stores the finished zip for private download: base64 pieces of VALUE_BUDGET characters, each one
 * KVS value (base64 keeps the JSON value plain ASCII). Returns the number of pieces.
 */
export async function saveZip(kv: KeyValue, jobId: string, bytes: Uint8Array): Promise<number> {
  const packed = Buffer.from(bytes).toString('base64');
  const parts = Math.max(1, Math.ceil(packed.length / VALUE_BUDGET));
  for (let i = 0; i < parts; i++) await kv.set(keys.zip(jobId, i), packed.slice(i * VALUE_BUDGET, (i + 1) * VALUE_BUDGET));
  return parts;
}

/** Splits items into groups whose JSON stays under `budget` bytes each. */
export function chunkByBytes<T>(items: readonly T[], budget = VALUE_BUDGET): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let size = 2;
  for (const item of items) {
    const n = Buffer.byteLength(JSON.stringify(item), 'utf8') + 1;
    if (current.length > 0 && size + n > budget) {
      out.push(current);
      current = [];
      size = 2;
    }
    current.push(item);
    size += n;
  }
  if (current.length > 0) out.push(current);
  return out;
}

export async function saveNodes(kv: KeyValue, jobId: string, nodes: readonly TreeNode[]): Promise<number> {
  const chunks = chunkByBytes(nodes);
  for (let i = 0; i < chunks.length; i++) await kv.set(keys.nodes(jobId, i), chunks[i]);
  return chunks.length;
}

export async function loadNodes(kv: KeyValue, job: TreeJob): Promise<TreeNode[]> {
  const out: TreeNode[] = [];
  for (let i = 0; i < job.nodeChunks; i++) {
    const chunk = await kv.get<TreeNode[]>(keys.nodes(job.jobId, i));
    if (!chunk) throw new Error(`tree export ${job.jobId}: node chunk ${i} is missing`);
    out.push(...chunk);
  }
  return out;
}

/**
 * Stores converted output: deflated JSON in base64, split into pieces that fit one value each.
 * Returns the number of keys written, starting at `first`.
 */
export async function saveOutput(kv: KeyValue, jobId: string, first: number, chunk: OutputChunk): Promise<number> {
  const packed = Buffer.from(deflateSync(strToU8(JSON.stringify(chunk)), { level: 6 })).toString('base64');
  const pieces: string[] = [];
  for (let at = 0; at < packed.length; at += VALUE_BUDGET) pieces.push(packed.slice(at, at + VALUE_BUDGET));
  // A piece records how many follow it in the same chunk, so a reader can stitch them back.
  for (let i = 0; i < pieces.length; i++) await kv.set(keys.out(jobId, first + i), { rest: pieces.length - 1 - i, data: pieces[i] });
  return pieces.length;
}

/** Reads output chunks back one at a time (keeps memory to one chunk). */
export async function* readOutput(kv: KeyValue, jobId: string, count: number): AsyncGenerator<OutputChunk> {
  let parts: string[] = [];
  for (let i = 0; i < count; i++) {
    const piece = await kv.get<{ rest: number; data: string }>(keys.out(jobId, i));
    if (!piece) throw new Error(`tree export ${jobId}: output chunk ${i} is missing`);
    parts.push(piece.data);
    if (piece.rest === 0) {
      const json = strFromU8(inflateSync(Buffer.from(parts.join(''), 'base64')));
      parts = [];
      yield JSON.parse(json) as OutputChunk;
    }
  }
}

export async function setProgress(kv: KeyValue, jobId: string, status: TreeStatus): Promise<void> {
  await kv.set(keys.progress(jobId), status);
}

/** Deletes the bulky keys once the zip is attached (job and progress stay for the panel). */
export async function cleanup(kv: KeyValue, job: TreeJob, outChunks: number, ckptRestricted?: number, labelChunks?: number): Promise<void> {
  for (let i = 0; i < (labelChunks ?? 0); i++) await kv.delete(keys.labels(job.jobId, i));
  for (let i = 0; i < job.nodeChunks; i++) await kv.delete(keys.nodes(job.jobId, i));
  for (let i = 0; i < outChunks; i++) await kv.delete(keys.out(job.jobId, i));
  for (let i = 0; i < (ckptRestricted ?? 0); i++) await kv.delete(keys.restricted(job.jobId, i));
  for (let i = 0; i < (job.incremental?.changeChunks ?? 0); i++) await kv.delete(keys.changes(job.jobId, i));
  // A job that ends before its listing was done (./tree-list).
  const listing = await kv.get<{ chunks?: number }>(keys.listing(job.jobId));
  for (let i = 0; i < (listing?.chunks ?? 0); i++) await kv.delete(keys.listed(job.jobId, i));
  if (listing) await kv.delete(keys.listing(job.jobId));
  await kv.delete(keys.ckpt(job.jobId));
  await kv.delete(keys.cancel(job.jobId));
  await kv.delete(keys.lease(job.jobId));
}
