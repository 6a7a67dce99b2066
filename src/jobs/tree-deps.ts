/**
 * What creating a tree job needs from its caller. Its own module because ./tree-run and
 * ./tree-incremental both build on it, and ./tree-run runs what ./tree-incremental plans: here
 * neither imports the other for it.
 */
import type { Confluence } from '../confluence/client';
import type { KeyValue } from '../storage/kv';

export interface CreateDeps {
  /** Acts as the user: the listing fixes what the job may export. */
  client: Pick<Confluence, 'getPage' | 'descendants' | 'pageOperations'>;
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
