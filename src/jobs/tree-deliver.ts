/**
 * Deliver: the finished zip goes to its requester, stored in slices for `export/tree/download`, or
 * attached to the root page; once the job is marked done, its working data goes, and a private zip
 * stays as the base of the next export.
 */
import { attachmentBrowserUrl, siteUrlFrom } from '../confluence/site';
import type { TreeStatus } from '../shared/export';
import { keepAsBase } from './tree-base';
import type { RunDeps } from './tree-deps';
import { cleanup, saveZip, type Checkpoint, type TreeJob } from './tree-store';

/** Stores or attaches the zip; what the final status says about it. */
export async function deliver(job: TreeJob, bytes: Uint8Array, ckpt: Checkpoint, deps: RunDeps): Promise<{ more: Partial<TreeStatus>; attachmentId?: string }> {
  if (job.delivery === 'attach') {
    // As the requester: Confluence itself refuses a page they may not edit (checked at start too).
    const uploaded = await deps.client.uploadAttachment(job.root.id, {
      name: job.fileName,
      bytes,
      mediaType: 'application/zip',
      comment: `Page tree export (${ckpt.done} pages, ${job.options.format})`,
    });
    // A link the requester's browser opens (the upload's own `_links.download` is an API path).
    const site = siteUrlFrom(job.siteUrl, uploaded._links?.base);
    const downloadLink = site ? attachmentBrowserUrl(site, job.root.id, job.fileName, uploaded.version?.number) : undefined;
    return { more: { attachment: { id: uploaded.id, fileName: job.fileName, ...(downloadLink ? { downloadLink } : {}), bytes: bytes.byteLength } }, attachmentId: uploaded.id };
  }
  const parts = await saveZip(deps.kv, job.jobId, bytes);
  return { more: { download: { fileName: job.fileName, bytes: bytes.byteLength, parts } } };
}

/** After the done status is written: drops the working data, keeps a private zip as a base, tells `onDone`. */
export async function delivered(job: TreeJob, ckpt: Checkpoint, deps: RunDeps, zip: { bytes: number; siteTime?: string; attachmentId?: string }): Promise<void> {
  const { kv } = deps;
  await cleanup(kv, job, ckpt.outChunks, ckpt.restrictedChunks, ckpt.labels?.chunks);
  // A private zip stays as the base of the next export of the same root (./tree-base).
  if (job.delivery === 'download') await keepAsBase(kv, (p) => kv.list(p), job, { pages: ckpt.done, bytes: zip.bytes, ...(zip.siteTime ? { siteTime: zip.siteTime } : {}) }, deps.now());
  await deps.onDone?.(job, { fileName: job.fileName, bytes: zip.bytes, pages: ckpt.done, attachmentId: zip.attachmentId });
}
