/**
 * The only place actions reach into the tree export: an agent's export goes privately to the
 * person who asked (never attached to a page), exactly as the panel's default.
 */
import type { ContentRef } from '../confluence/client';
import { startTreeExport } from '../jobs/tree-export';
import { LIMITS } from '../jobs/tree-limits';
import { LISTING_BUDGET_MS } from '../jobs/tree-plan';
import { keys, type TreeJob } from '../jobs/tree-store';
import { deadlineWithin } from '../resolvers/limits';
import { YOUR_EXPORTS, type ExportOptions, type TreeStartResult } from '../shared/export';
import { forgeKv } from '../storage/kv';

export interface TreeStart {
  root: ContentRef;
  /** The user the export is for: from the platform's context, never from an input. */
  requester: string;
  siteUrl: string;
  options: ExportOptions;
}

/** Starts a private tree export exactly as the panel's `export/tree/start` does (listing as the user). */
export function startTree(input: TreeStart): Promise<TreeStartResult> {
  return startTreeExport({ ...input, attach: false, listUntil: deadlineWithin(LISTING_BUDGET_MS) });
}

export interface TreeDelivery {
  /** Where the result appears, in words for the agent to pass on. */
  where: string;
  fileName?: string;
}

/** Where the finished export of `jobId` will appear. */
export async function treeDelivery(jobId: string): Promise<TreeDelivery> {
  const job = await forgeKv.get<TreeJob>(keys.job(jobId));
  if (!job) return { where: `In "${YOUR_EXPORTS}", in the Export tab of the Content Toolkit panel of the page, and on the Content Toolkit global page.` };
  const hours = Math.round(LIMITS.retentionMs / 3600_000);
  // The list `export/jobs` feeds: the panel of the root page and the global page both show it.
  return {
    where: `As the zip "${job.fileName}", a private download for this user only, listed under "${YOUR_EXPORTS}" in the Export tab of the Content Toolkit panel of "${job.root.title}" (page id ${job.root.id}) and on the Content Toolkit global page (Apps menu), with its progress until it finishes. It is kept until downloaded, or ${hours} hours after it finishes.`,
    fileName: job.fileName,
  };
}
