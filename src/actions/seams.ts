/**
 * The only place actions reach into the tree export, which other work is changing (issue 13 moves
 * tree zips to private delivery). After merging, adapt these two functions; the action stays as is.
 */
import type { ContentRef } from '../confluence/client';
import { startTreeExport } from '../jobs/tree-export';
import { keys, type TreeJob } from '../jobs/tree-store';
import type { ExportOptions, TreeStartResult } from '../shared/export';
import { forgeKv } from '../storage/kv';

export interface TreeStart {
  root: ContentRef;
  /** The user the export is for: from the platform's context, never from an input. */
  requester: string;
  siteUrl: string;
  options: ExportOptions;
}

/** Starts a tree export exactly as the panel's `export/tree/start` does (listing as the user). */
export function startTree(input: TreeStart): Promise<TreeStartResult> {
  return startTreeExport(input);
}

export interface TreeDelivery {
  /** Where the result appears, in words for the agent to pass on. */
  where: string;
  fileName?: string;
}

/** Where the finished export of `jobId` will appear, as the tree export delivers it today. */
export async function treeDelivery(jobId: string): Promise<TreeDelivery> {
  const job = await forgeKv.get<TreeJob>(keys.job(jobId));
  if (!job) return { where: 'In the Content Toolkit panel of the page, Export tab, page tree.' };
  return {
    where: `As the zip "${job.fileName}", attached to the page the export started from (id ${job.root.id}) when the export finishes; progress shows in the Content Toolkit panel of that page.`,
    fileName: job.fileName,
  };
}
