/**
 * What creating and running a tree job need from their caller. Its own module because the phases
 * (./tree-plan, ./tree-fetch, ./tree-convert, ./tree-pack, ./tree-deliver) and ./tree-incremental
 * all build on it, and ./tree-run runs what ./tree-incremental plans: here none imports another for it.
 */
import type { Confluence } from '../confluence/client';
import type { KeyValue } from '../storage/kv';
import type { PROBE } from './pacing';
import type { Checkpoint, TreeJob } from './tree-store';

/** Lists a tree or a space a request at a time (./tree-list), as the user. */
export type ListClient = Pick<Confluence, 'descendantsPage' | 'spaceItemsPage'> & Partial<Pick<Confluence, 'databaseDescendantsPage'>>;

export interface CreateDeps {
  /** Acts as the user: the listing fixes what the job may export. */
  client: Pick<Confluence, 'getPage' | 'pageOperations'> & ListClient;
  kv: KeyValue;
  /** Registers the job against the per-user and per-site limits; throws when over (./tree-limits). */
  admit?(jobId: string): Promise<void>;
  /** Undoes `admit` when the job is not created after all (listing failed). */
  release?(jobId: string): Promise<void>;
  /** Queues the first run. */
  push(jobId: string): Promise<void>;
  newId(): string;
  now(): Date;
}

export type RunClient = ListClient & Pick<
  Confluence,
  'pagesByIds' | 'blogPostsByIds' | 'labels' | 'labelled' | 'attachments' | 'downloadAttachment' | 'uploadAttachment' | 'inlineComments' | 'inlineReplies' | 'footerComments' | 'footerReplies'
>;

/**
 * Reads that need no user: display names, space keys, the restrictions of listed items, and a
 * space's item count (to say how many the user could not read).
 */
export type AppReads = Pick<Confluence, 'users' | 'getSpace' | 'spaceLabels' | 'readRestriction' | 'readRestrictionsUnder' | 'countContent'>;

export interface RunDeps {
  /** Acts as the requester: what the job exports is what they can read when it runs. */
  client: RunClient;
  /** Acts as the app, on ids from the requester's listing only; nothing it reads is exported as is. */
  app: AppReads;
  kv: KeyValue;
  remainingMs(): number;
  /**
   * Queues the next invocation of this job. `after`: the run whose lease this delivery waits out
   * (see `runTreeJob`); carried in the event body.
   */
  continueLater(jobId: string, delaySeconds: number, after?: string): Promise<void>;
  now(): Date;
  /** Called once the zip is delivered (attached, or stored for download). */
  onDone?(job: TreeJob, result: { fileName: string; bytes: number; pages: number; attachmentId?: string }): Promise<void>;
  css?: string;
  /** Identifies this run (for the lease); random when absent. */
  runId?: string;
  /**
   * Before each batch: seconds to re-queue after to spare the app's points budget, go on
   * (undefined), or PROBE: read the budget first (`probe`), then ask again (./pacing).
   */
  pace?(ckpt: Checkpoint, batches: number): number | undefined | typeof PROBE;
  /** A cheap request (one object) whose answer reports the budget. */
  probe?(): Promise<void>;
  /** Points spent for the job before its runs (the start's listing), counted as its own by the pacer. */
  ownCost?(points: number): void;
}
