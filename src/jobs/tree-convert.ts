/**
 * Convert: one fetched batch's pages to their files (Markdown, HTML, JSON or storage), with links
 * between pages rewritten to relative ones and each page's own attachments mapped to local paths.
 */
import pLimit from 'p-limit';
import type { ContentRef } from '../confluence/client';
import { attachmentBrowserUrl } from '../confluence/site';
import type { Attachment } from '../confluence/types';
import type { MediaAttrs, MediaResolver } from '../export/adf';
import { createLinkRewriter, relativeHref } from '../export/links';
import { brokenRefs, resolveRefs } from '../export/refs';
import type { ReportEntry } from '../export/report';
import { attachmentMedia, FORMAT_INFO, renderPage, type PageData } from '../export/service';
import { attachmentPath } from '../export/names';
import type { TreeNode } from '../export/tree/plan';
import type { PresetRun } from '../export/presets/tree';
import type { RunDeps } from './tree-deps';
import { fetchPageParts, type FetchedBatch } from './tree-fetch';
import type { Checkpoint, OutputChunk, PageOutput, TreeJob } from './tree-store';
import { readable, tuning } from './tree-tuning';

/**
 * The comments the app writes on the attachments it uploads: `export/attach` (src/resolvers/export.ts),
 * auto-export (src/activity/autoexport.ts) and an attached tree zip (./tree-deliver, `comment:`).
 */
const OWN_EXPORT_COMMENT = /^(Export of version \d+ \(|Auto-export of page version \d+|Page tree export \()/;

/** An attachment this app uploaded as an export (see OWN_EXPORT_COMMENT). */
export function isOwnExport(a: Pick<Attachment, 'comment'>): boolean {
  return typeof a.comment === 'string' && OWN_EXPORT_COMMENT.test(a.comment);
}

/** Converts one fetched batch (./tree-fetch) to its files; a page that cannot be read is reported and left out. */
export async function convertBatch(
  job: TreeJob,
  fetched: FetchedBatch,
  fileOf: ReadonlyMap<string, string>,
  kids: ReadonlyMap<string, readonly TreeNode[]>,
  users: Map<string, string>,
  ckpt: Checkpoint,
  deps: RunDeps,
  look: PresetRun,
): Promise<OutputChunk> {
  const options = job.options;
  const storage = options.format === 'storage';
  // Titles of the exported pages: a link whose text is its old Confluence URL shows the title instead.
  const titles = new Map(look.nodes.map((n) => [n.id, n.title]));
  const { present, report, labels } = fetched;

  const limit = pLimit(tuning.concurrency);
  const reports: ReportEntry[][] = present.map(() => []);
  const pages = await Promise.all(
    present.map(({ node, page }, i) =>
      limit(async (): Promise<PageOutput | undefined> => {
        // Entries are kept per page and joined in batch order: pages finish in any order.
        const report = reports[i] ?? [];
        const ref: ContentRef = { id: page.id, type: node.type === 'blogpost' ? 'blogpost' : 'page' };
        const file = fileOf.get(page.id) ?? `${node.dir}/index`;
        const { comments, attachments } = await fetchPageParts(deps, options, ref, users);
        const files: PageOutput['files'] = [];
        let media: MediaResolver;
        if (options.attachments) {
          const taken = new Set<string>();
          const local = new Map<string, string>();
          for (const a of attachments) {
            // The app's own earlier exports of this page (or tree) are not the page's files: an
            // export would otherwise pack the last export, and grow with each (issue 23 part 10).
            if (isOwnExport(a)) {
              report.push({ kind: 'note', what: 'attachment', pageId: page.id, detail: `"${a.title ?? a.id}" is an earlier export made by this app; it is not packed again.` });
              continue;
            }
            const path = attachmentPath(taken, node.dir, a, look.preset.segment);
            local.set(a.id, path);
            files.push({ id: a.id, path, mediaType: a.mediaType ?? 'application/octet-stream', name: a.title ?? a.id });
          }
          media = attachmentMedia(attachments, job.siteUrl, (a) => {
            const path = local.get(a.id);
            return path ? relativeHref(file, path) : undefined;
          });
        } else {
          media = downloadMedia(page.id, job.siteUrl);
        }
        const links = new Set<string>();
        // Links to headings and attachments are resolved against the output (../export/refs).
        const refs = options.format === 'md' || options.format === 'html' ? { self: page.id, attachments: options.attachments } : {};
        const linkRewrite = storage ? undefined : createLinkRewriter({ from: file, fileOf: (id) => fileOf.get(id), siteUrl: job.siteUrl, onLink: (id) => links.add(id), titleOf: (id) => titles.get(id), ...refs });
        const shape = storage ? undefined : look.page({ id: page.id, title: node.title, file, attachments: files.map((f) => f.path), fileOf, linkRewrite });
        const data: PageData = {
          page,
          type: ref.type,
          spaceKey: page.spaceId ? ckpt.spaceKeys[page.spaceId] || undefined : undefined,
          labels: labels?.get(page.id),
          users,
          inline: comments?.inline(users),
          footer: comments?.footer(users),
          media,
          siteUrl: job.siteUrl,
        };
        const out = readable(() => renderPage(data, options, {
          css: deps.css,
          children: () => (kids.get(page.id) ?? []).map((k) => ({ title: k.title, href: relativeHref(file, fileOf.get(k.id) ?? `${k.dir}/index.${FORMAT_INFO[options.format].ext}`) })),
          linkRewrite,
          ...(shape ? { markdown: shape.markdown(page), onAnchors: shape.onAnchors } : {}),
        }));
        if (!out) {
          // One page Confluence returned with a body the converter cannot read must not fail the job.
          report.push({ kind: 'page-skipped', what: 'page', pageId: page.id, detail: `"${node.title}" was not exported: its body is not a readable ADF document.` });
          return undefined;
        }
        report.push(...out.report, ...(comments?.skipped ?? []));
        const version = page.version?.number !== undefined ? { version: page.version.number, ...(page.version.createdAt ? { versionAt: page.version.createdAt } : {}) } : {};
        const extra = shape?.output() ?? {};
        // Links to this page's own headings and files resolve now; others' in the zip phase.
        const own = resolveRefs(out.text, {
          from: file,
          anchors: (id) => (id === page.id ? extra.anchors ?? { title: '', headings: [], names: [] } : undefined),
          attachment: (id, name) => (id === page.id ? files.find((f) => f.name === name)?.path : undefined),
          final: false,
          siteUrl: job.siteUrl,
          vault: look.preset.name === 'obsidian',
          self: { id: page.id, link: look.preset.name === 'obsidian' ? file.replace(/\.md$/, '') : relativeHref(file, file) },
        });
        if (own.broken > 0) report.push(brokenRefs(page.id, own.broken));
        return { id: page.id, file, text: own.text, links: [...links], files, ...version, ...extra };
      }),
    ),
  );
  for (const r of reports) report.push(...r);
  return { pages: pages.filter((p): p is PageOutput => p !== undefined), report };
}

/**
 * Media without an attachment listing (attachments not included): Confluence serves a page's file
 * at `/wiki/download/attachments/<pageId>/<file name>`, so no request per page is needed.
 */
function downloadMedia(pageId: string, siteUrl: string): MediaResolver {
  return (attrs: MediaAttrs) => {
    const name = typeof attrs.alt === 'string' && attrs.alt ? attrs.alt : undefined;
    if (!name || !siteUrl) return undefined;
    return {
      href: attachmentBrowserUrl(siteUrl, pageId, name),
      title: name,
      isImage: /\.(png|jpe?g|gif|svg|webp|bmp)$/i.test(name),
    };
  };
}
