/**
 * Pack: the zip phase. Builds the zip from the stored output of every batch: pages, attachments
 * (downloaded now), the report and the manifest the next incremental export builds on.
 */
import pLimit from 'p-limit';
import { passConsent } from '../confluence/errors';
import { ZipBuilder } from '../export/bundle';
import type { ReportEntry } from '../export/report';
import { FORMAT_INFO } from '../export/service';
import { isExported, isSkipped, type TreeNode } from '../export/tree/plan';
import { presetZip, type PresetRun } from '../export/presets/tree';
import type { RunDeps } from './tree-deps';
import { incrementalReport, manifestFields, siteFloor } from './tree-incremental';
import { readOutput, type Checkpoint, type PageOutput, type TreeJob } from './tree-store';
import { retryable, tuning } from './tree-tuning';

/** Stands for every item left out of an attached zip: counted, never named. */
const WITHHELD: ReportEntry = {
  kind: 'page-skipped',
  what: 'restricted',
  detail: 'Left out: not every viewer of the page this zip is attached to can read it.',
};

/**
 * Builds the zip from the stored output: pages, attachments (downloaded now), manifest. With
 * `shared` (attaching), only items in it are named anywhere in the zip; the rest are counted.
 */
export async function buildZip(
  job: TreeJob,
  nodes: readonly TreeNode[],
  fileOf: ReadonlyMap<string, string>,
  ckpt: Checkpoint,
  deps: RunDeps,
  look: PresetRun,
  shared?: ReadonlySet<string>,
  changeOf?: ReadonlyMap<string, string>,
): Promise<{ bytes: Uint8Array; report: ReportEntry[]; siteTime?: string }> {
  const zip = new ZipBuilder(new Date(job.createdAt));
  const mediaType = FORMAT_INFO[job.options.format].mediaType;
  const named = (id: string | undefined): boolean => !shared || (id !== undefined && shared.has(id));
  const report: ReportEntry[] = nodes
    .filter((n) => isSkipped(n.type) && named(n.id))
    .map((n) => ({ kind: 'page-skipped' as const, what: n.type, pageId: n.id, detail: `"${n.title}" is a ${n.type}, not a page; only pages are exported (its child pages are).` }));
  for (const u of job.unlisted ?? []) {
    if (!named(u.id)) continue;
    report.push({ kind: 'page-skipped', what: u.type, pageId: u.id, detail: `Pages below "${u.title}" were not listed: Confluence lists at most 10 levels at a time and cannot continue from a ${u.type}. Export that part of the tree from a page inside it.` });
  }
  if (shared) {
    for (const n of nodes) if (!shared.has(n.id)) report.push({ ...WITHHELD });
  }
  if (job.unreadable) {
    report.push({ kind: 'page-skipped', what: 'unreadable', detail: `About ${job.unreadable} pages or blog posts of this space may not be in the export because you cannot read them (an estimate from the search index, which can be a few off or lag behind).` });
  }
  if (job.unlistedMore) {
    report.push({ kind: 'page-skipped', what: 'subtree', detail: `Pages below ${job.unlistedMore} more items at the 10-level limit were not listed either.` });
  }
  const incremental = incrementalReport(job);
  if (incremental) report.push(incremental);
  const exported = new Set<string>();
  // What the next (incremental) export needs of each page: its version, files, properties, reports.
  const kept = new Map<string, Pick<PageOutput, 'version' | 'files' | 'properties' | 'reports'>>();
  const floor = siteFloor();
  const graph: Array<{ from: string; to: string[] }> = [];
  const downloads: Array<{ pageId: string } & PageOutput['files'][number]> = [];
  const extras = presetZip(look, job, nodes, fileOf);
  for await (const chunk of readOutput(deps.kv, job.jobId, ckpt.outChunks)) {
    floor.add(chunk.pages);
    for (const p of chunk.pages) {
      kept.set(p.id, { version: p.version, files: p.files, properties: p.properties, reports: p.reports });
      // A page holding a properties report waits until every page's properties are known.
      if (extras.hold(p)) zip.add(p.file, p.text, mediaType);
      exported.add(p.id);
      if (p.links.length > 0) graph.push({ from: p.id, to: p.links });
      for (const f of p.files) downloads.push({ pageId: p.id, ...f });
    }
    // Attaching: an entry about a page not in the zip (gone or restricted since the listing) may
    // name what some viewers cannot read, so it is counted without its title.
    for (const e of chunk.report) report.push(!shared || !e.pageId || exported.has(e.pageId) ? e : { ...WITHHELD });
  }
  const limit = pLimit(tuning.concurrency);
  const files = await Promise.all(
    downloads.map((d) =>
      limit(async () => {
        try {
          return { d, bytes: await deps.client.downloadAttachment(d.pageId, d.id) };
        } catch (e) {
          passConsent(e);
          if (retryable(e)) throw e;
          report.push({ kind: 'attachment-missing', what: 'attachment', pageId: d.pageId, detail: `Attachment ${d.path.split('/').pop()} could not be downloaded.` });
          return undefined;
        }
      }),
    ),
  );
  for (const f of extras.finish(exported, report)) zip.add(f.path, f.text, f.path.endsWith('.json') ? 'application/json' : mediaType);
  // Added in listing order, after the downloads, so the zip does not depend on which finished first.
  for (const f of files) if (f) zip.add(f.d.path, f.bytes, f.d.mediaType);
  const siteTime = floor.value(job.incremental?.fallback ? undefined : job.incremental?.carriedFloor);
  const manifest = {
    generator: 'Content Toolkit',
    root: { id: job.root.id, title: job.root.title },
    exportedAt: job.createdAt,
    ...manifestFields(job, siteTime),
    options: job.options,
    pages: exported.size,
    tree: nodes.filter((n) => !shared || (shared.has(n.id) && (!isExported(n.type) || exported.has(n.id)))).map((n) => ({
      id: n.id,
      title: n.title,
      type: n.type,
      ...(n.parentId ? { parentId: n.parentId } : {}),
      dir: n.dir,
      ...(exported.has(n.id) ? { file: fileOf.get(n.id), ...pageFields(kept.get(n.id), changeOf?.get(n.id) ?? (changeOf ? 'unchanged' : undefined)) } : { skipped: true }),
    })),
    links: graph,
    report,
  };
  zip.add('manifest.json', JSON.stringify(manifest, null, 2), 'application/json');
  return { bytes: zip.finish(), report, ...(siteTime ? { siteTime } : {}) };
}

/** A page's manifest fields for the next incremental export (and for people: what changed). */
function pageFields(p: Pick<PageOutput, 'version' | 'files' | 'properties' | 'reports'> | undefined, change: string | undefined): Record<string, unknown> {
  return {
    ...(p?.version !== undefined ? { version: p.version } : {}),
    ...(change ? { change } : {}),
    ...(p && p.files.length > 0 ? { files: p.files } : {}),
    ...(p?.properties ? { properties: p.properties } : {}),
    ...(p?.reports && p.reports.length > 0 ? { reports: true } : {}),
  };
}
