/**
 * Incremental tree and space exports (issue 17): the next export of a root the requester exported
 * before (the base, ./tree-base) pays only for what changed.
 *
 * Starting (`export/tree/start`, `export/space/start`; as the user, like a full export's listing):
 *  1. The base's manifest (inflated alone from its stored zip) gives each page's id, version, file,
 *     parent and title, and `siteTime`: a time on the SITE's clock that every change the base did
 *     not see is later than (see `siteFloor`), so a skewed app clock drops nothing.
 *  2. One CQL search for the pages under the root (or in the space) last modified since `siteTime`
 *     (minus CQL's minute precision): one point per hit. CQL reads the date in the site's time zone
 *     (CONFCLOUD-70966), so it is written in systemInfo's `defaultTimeZone`; when that cannot be read,
 *     14 hours earlier (no zone is further behind UTC than that). Versions decide: a hit whose version
 *     equals the manifest's is not a change, so a wider window costs points, never correctness.
 *  3. The hits' metadata (no bodies) in bulk, with the root page: versions, titles, parents.
 *  4. Touches (src/activity/touches.ts): restrictions changed, pages moved or restored in the space
 *     since `siteTime` and recorded after the base's listing began (`listedAt`), from Confluence's events. Any touch, or a hit whose parent is unknown
 *     (a new folder, a subtree moved in), and the tree is listed again as the user (about one point
 *     per page): what the requester may no longer read is dropped, moves inside the tree are seen.
 *     A search's `totalSize` is an estimate on real sites (FINDINGS §2), so no count decides.
 *  The plan (nodes, the change of each page, what to fetch) is stored with the job.
 *
 * Blind spots, stated: a page trashed or deleted since the base, with no other touch in its space,
 * is carried until the next listing (`mode: 'full'`, or any touch): the app does not take
 * write:confluence-content, the scope Forge asks for those two events (manifest.yml). An event is
 * delivered up to minutes after the change, and the search index can lag an edit by seconds: a
 * change made just before an export may be found only by the next one.
 *
 * Running (the consumer's first run, `carryOver`): pages planned `unchanged` or `moved` are carried
 * over from the base zip, with the relative links to pages that moved rewritten; the others go
 * through the normal batches. Fetched again besides new and changed pages, because their output shows
 * other pages: the parents (old and new) of pages added, removed, moved or renamed (children macro),
 * pages linking to a removed page (the link becomes absolute) or to an edited or renamed one (links
 * into a page are written from its headings and title), pages holding a Page Properties Report when
 * anything changed, and with a preset, pages whose place-dependent output changed (`presetShifted`)
 * and the pages linking to them. Preset site files (mkdocs.yml, `_category_.json`) are rebuilt
 * from the current tree at zip time. Attachments of carried pages are downloaded again in the zip phase
 * (by id: an updated file comes in new; a file added without editing the page is not seen).
 *
 * A base that is missing, unreadable, of an older format or of another root gives a full export
 * that says why.
 */
import { unzipSync, strFromU8 } from 'fflate';
import { BULK_IDS, type Confluence } from '../confluence/client';
import { collect } from '../confluence/paginate';
import { allDescendants } from '../confluence/tree';
import type { Descendant, Page } from '../confluence/types';
import { planIncremental, readManifest, MANIFEST_FORMAT, type Change, type ListedPage, type ManifestEntry } from '../export/incremental';
import { relativeHref } from '../export/links';
import type { ReportEntry } from '../export/report';
import { FORMAT_INFO } from '../export/service';
import { isExported, planTree, SECTION, type TreeNode } from '../export/tree/plan';
import { planSpace } from '../export/tree/space';
import { pageFiles, presetRun, type PresetRun } from '../export/presets/tree';
import { treePlaces } from '../export/presets/site';
import type { TreeChanges, TreeStartResult, TreeStatus } from '../shared/export';
import type { KeyValue } from '../storage/kv';
import { touchedSince } from '../activity/touches';
import { BASE_FORMAT, type BaseRecord } from './tree-base';
import { keys, loadIds, loadNodes, loadZip, saveIds, saveNodes, saveOutput, setProgress, type Checkpoint, type PageOutput, type TreeJob } from './tree-store';
import type { CreateDeps } from './tree-deps';

/** What starting reads, as the user. */
export type PlanClient = Pick<Confluence, 'search' | 'siteTimeZone' | 'pagesByIds' | 'blogPostsByIds' | 'descendantsPage' | 'spacePages' | 'spaceBlogPosts'>;

/** CQL dates have minute precision: the search starts this much before the base's site time. */
const PRECISION_MS = 120_000;
/**
 * Without the site's zone, the literal is written this much earlier as a UTC wall clock: read in any
 * zone from UTC−12 to UTC+14 it falls at or before the instant meant (a wider window, deduplicated by
 * version). 14 h, not 12, as the issue asks: the widest offset either way.
 */
export const ZONE_FALLBACK_MS = 14 * 3600_000;
/** Deleted pages named in the job and manifest (the rest are counted). */
const MAX_NAMED_DELETED = 200;

/** One item of the tree as the manifest records it. */
interface TreeEntry {
  id: string;
  title: string;
  type: string;
  parentId?: string;
  dir: string;
  file?: string;
  version?: number;
  files?: PageOutput['files'];
  properties?: PageOutput['properties'];
  reports?: boolean;
}

interface Base {
  tree: TreeEntry[];
  entries: ManifestEntry[];
  links: Map<string, string[]>;
  report: ReportEntry[];
  siteTime: string;
  /** The files asked for, by path. */
  files: Record<string, Uint8Array>;
}

/** The search's scope: the pages under the root, or the space's pages and blog posts. */
export function scopeCql(job: { root: Pick<TreeJob['root'], 'type' | 'id'>; spaceKey?: string }): string | undefined {
  if (job.root.type !== 'space') return /^\d+$/.test(job.root.id) ? `ancestor = ${job.root.id} and type = page` : undefined;
  return job.spaceKey ? `space = "${job.spaceKey.replace(/["\\]/g, '')}" and type in (page, blogpost)` : undefined;
}

/** `yyyy-MM-dd HH:mm` of instant `ms` on the wall clock of `timeZone`; undefined for an unknown zone. */
export function wallClock(ms: number, timeZone: string): string | undefined {
  try {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(new Date(ms));
    const n = (type: string): string => parts.find((x) => x.type === type)?.value ?? '';
    return `${n('year')}-${n('month')}-${n('day')} ${n('hour')}:${n('minute')}`;
  } catch {
    return undefined; // RangeError: not an IANA zone this runtime knows
  }
}

/** The literal for instant `ms`: in the site's zone, else the widest safe window (see ZONE_FALLBACK_MS). */
function cqlDate(ms: number, timeZone: string | undefined): string {
  return (timeZone && wallClock(ms, timeZone)) || wallClock(ms - ZONE_FALLBACK_MS, 'UTC')!;
}

/** The CQL search for changes since a site time, its date written in the site's zone. */
export function changesCql(scope: string, siteTime: string, timeZone: string | undefined): string {
  return `${scope} and lastmodified >= "${cqlDate(Date.parse(siteTime) - PRECISION_MS, timeZone)}"`;
}

/** The site's zone as the user reads it; undefined (the wide window) when it cannot be read. */
async function zoneOf(client: Pick<Confluence, 'siteTimeZone'>): Promise<string | undefined> {
  return client.siteTimeZone().catch(() => undefined);
}

/**
 * Reads the base's manifest (and the files `want` names) from its stored zip; a string says why it
 * cannot be used. Only the entries asked for are inflated.
 */
async function readBase(
  kv: KeyValue,
  baseJobId: string,
  expect: { requester: string; rootId: string },
  want?: (tree: readonly TreeEntry[]) => (path: string) => boolean,
): Promise<Base | string> {
  const baseJob = await kv.get<TreeJob>(keys.job(baseJobId));
  const parts = (await kv.get<TreeStatus>(keys.progress(baseJobId)))?.download?.parts;
  if (!baseJob || baseJob.requester !== expect.requester || baseJob.root.id !== expect.rootId || !parts) return 'the earlier export is no longer stored';
  const packed = await loadZip(kv, baseJobId, 0, parts);
  if (packed === undefined) return 'part of the earlier export is missing';
  const names = new Set<string>();
  const zip = Buffer.from(packed, 'base64');
  let manifest: unknown;
  try {
    const m = unzipSync(zip, {
      filter: (f) => {
        names.add(f.name);
        return f.name === 'manifest.json';
      },
    })['manifest.json'];
    manifest = m ? JSON.parse(strFromU8(m)) : undefined;
  } catch {
    return 'the earlier export is not a readable zip';
  }
  if (!manifest || typeof manifest !== 'object') return 'the earlier export has no manifest';
  const m = manifest as { format?: unknown; root?: { id?: unknown }; tree?: unknown; links?: unknown; report?: unknown; siteTime?: unknown };
  if (m.format !== BASE_FORMAT) return `the earlier export was written in an older format (${String(m.format ?? 1)})`;
  if (m.root?.id !== expect.rootId) return 'the earlier export is of another root';
  if (!Array.isArray(m.tree) || typeof m.siteTime !== 'string' || Number.isNaN(Date.parse(m.siteTime))) return "the earlier export's manifest is damaged";
  const tree: TreeEntry[] = [];
  for (const raw of m.tree as unknown[]) {
    const e = raw as Partial<TreeEntry> | null;
    if (!e || typeof e.id !== 'string' || typeof e.title !== 'string' || typeof e.type !== 'string' || typeof e.dir !== 'string') return "the earlier export's manifest is damaged";
    if (e.file !== undefined && (typeof e.file !== 'string' || !names.has(e.file))) return 'a page file of the earlier export is missing';
    tree.push(e as TreeEntry);
  }
  const read = readManifest({ format: MANIFEST_FORMAT, pages: tree.filter((e) => e.file !== undefined).map((e) => ({ id: e.id, version: e.version, path: e.file })) });
  if (!read.ok) return `the earlier export's manifest is damaged (${read.reason})`;
  const links = new Map<string, string[]>();
  for (const l of Array.isArray(m.links) ? (m.links as Array<{ from?: unknown; to?: unknown }>) : []) {
    if (typeof l.from === 'string' && Array.isArray(l.to)) links.set(l.from, l.to.filter((t): t is string => typeof t === 'string'));
  }
  const report = Array.isArray(m.report) ? (m.report as ReportEntry[]).filter((r) => r && typeof r.kind === 'string' && typeof r.detail === 'string') : [];
  // The files the caller wants, now that the manifest says which: a second pass over the same bytes.
  let files: Record<string, Uint8Array> = {};
  if (want) {
    const wanted = want(tree);
    try {
      files = unzipSync(zip, { filter: (f) => wanted(f.name) });
    } catch {
      return 'the earlier export is not a readable zip';
    }
  }
  return { tree, entries: read.entries, links, report, siteTime: m.siteTime, files };
}

interface Item {
  id: string;
  title: string;
  type: string;
  parentId?: string;
}

/** Descendants (depth from parent chains) in the given order, for planTree. */
function asDescendants(items: readonly Item[], rootId: string): Descendant[] {
  const byId = new Map(items.map((i) => [i.id, i]));
  const depth = new Map<string, number>();
  const depthOf = (id: string): number => {
    const chain: string[] = [];
    const seen = new Set<string>();
    let cur: string | undefined = id;
    while (cur && cur !== rootId && byId.has(cur) && !depth.has(cur) && !seen.has(cur)) {
      seen.add(cur);
      chain.push(cur);
      cur = byId.get(cur)?.parentId;
    }
    let d = cur && depth.has(cur) ? depth.get(cur)! : 0;
    for (let i = chain.length - 1; i >= 0; i--) depth.set(chain[i]!, ++d);
    return depth.get(id) ?? 1;
  };
  return items.map((i) => ({ id: i.id, title: i.title, type: i.type, depth: depthOf(i.id), ...(i.parentId ? { parentId: i.parentId } : {}) }));
}

/** Metadata (version, title, parent; no body) of pages and blog posts by id, in bulk. */
async function metadata(client: Pick<PlanClient, 'pagesByIds' | 'blogPostsByIds'>, pageIds: readonly string[], postIds: readonly string[]): Promise<Map<string, Page>> {
  const out = new Map<string, Page>();
  for (const [ids, get] of [[pageIds, (b: string[]) => client.pagesByIds(b)], [postIds, (b: string[]) => client.blogPostsByIds(b)]] as const) {
    for (let i = 0; i < ids.length; i += BULK_IDS) {
      const wanted = new Set(ids.slice(i, i + BULK_IDS));
      for (const p of await collect(get([...wanted]))) if (wanted.has(p.id)) out.set(p.id, p);
    }
  }
  return out;
}

/** The tree listed again as the user (what a full export lists). `tick` may stop a slow listing. */
async function listAgain(client: PlanClient, root: TreeJob['root'], tick: (listed: number) => void): Promise<Item[]> {
  if (root.type === 'space') {
    const pages: Page[] = [];
    for await (const p of client.spacePages(root.id)) tick(pages.push(p));
    const posts: Page[] = [];
    for await (const p of client.spaceBlogPosts(root.id)) tick(pages.length + posts.push(p));
    return planSpace(root.id, pages, posts).map((d) => ({ id: d.id, title: d.title ?? '', type: d.type ?? 'page', ...(d.parentId ? { parentId: d.parentId } : {}) }));
  }
  const out: Item[] = [];
  for await (const d of allDescendants(client, root.id)) tick(out.push({ id: d.id, title: d.title ?? '', type: d.type ?? 'page', parentId: d.parentId ?? root.id }));
  return out;
}

/** Replaces each relative href of `map` in one pass (so a replacement is never replaced again). */
export function rewriteHrefs(text: string, map: ReadonlyMap<string, string>): string {
  if (map.size === 0) return text;
  const escaped = [...map.keys()].sort((x, y) => y.length - x.length).map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  // Only where a link target starts (Markdown `](`, HTML and JSON quotes, a YAML value or list item
  // in front matter) and ends (`)`, `#`, quotes, end of line).
  const re = new RegExp(`(?<=[("'=]|: |- )(${escaped.join('|')})(?=[)#"'\\\\]|$)`, 'gm');
  return text.replace(re, (m) => map.get(m) ?? m);
}

/**
 * Pages whose preset output depends on where they sit and whose place changed, so they are
 * converted again (and, by the caller, the pages linking to them): Obsidian links and embeds by
 * vault path, so a page whose file moved; MkDocs and Docusaurus raw-HTML links by served address,
 * so the same; Docusaurus front matter holds each page's `slug` and `sidebar_position`, so a page
 * whose slug or position among its siblings changed. GFM's relative links are rewritten in place.
 */
export function presetShifted(look: PresetRun, oldTree: readonly TreeEntry[], fileOf: ReadonlyMap<string, string>): string[] {
  if (look.preset.name === 'gfm') return [];
  const oldFile = new Map(oldTree.map((e) => [e.id, e.file]));
  const oldPlaces = look.preset.name === 'docusaurus' ? treePlaces(oldTree) : undefined;
  const out: string[] = [];
  for (const [id, file] of fileOf) {
    if (!oldFile.has(id)) continue;
    const was = oldPlaces?.get(id);
    const now = look.places.get(id);
    if (oldFile.get(id) !== file || (oldPlaces && (was?.slug !== now?.slug || was?.position !== now?.position))) out.push(id);
  }
  return out;
}

/** Touches at or after this (site clock) may postdate what the base saw: CQL's margin, to be safe. */
const touchFloor = (siteTime: string): string => new Date(Date.parse(siteTime) - PRECISION_MS).toISOString();

/** The change search's hits since `siteTime` and their metadata in bulk (with `rootId`'s, when given). */
async function changedSince(client: Pick<PlanClient, 'search' | 'siteTimeZone' | 'pagesByIds' | 'blogPostsByIds'>, scope: string, siteTime: string, rootId?: string) {
  const hits = await collect(client.search(changesCql(scope, siteTime, await zoneOf(client)), 250));
  const hitPages = new Set<string>();
  const hitPosts = new Set<string>();
  for (const h of hits) {
    const id = h.content?.id;
    if (id) (h.content?.type === 'blogpost' ? hitPosts : hitPages).add(id);
  }
  const meta = await metadata(client, [...hitPages, ...(rootId ? [rootId] : [])], [...hitPosts]);
  return { hitPages, hitPosts, meta };
}

/** The job's Forge-free side when it is created: ./tree-deps' CreateDeps with the planning client. */
export type IncrementalCreateDeps = Omit<CreateDeps, 'client'> & { client: PlanClient };

export interface IncrementalInput {
  requester: string;
  siteUrl?: string;
  options: TreeJob['options'];
  base: BaseRecord;
  startedOn?: string;
  /** Called as the listing grows (when it runs): throws to stop a listing that is too slow or too large. */
  tick?(listed: number): void;
}

/**
 * Plans an incremental export as the user and stores it (nodes, the change of every page, what to
 * fetch), or says why it cannot be incremental (the caller then exports in full).
 */
export async function createIncrementalJob(deps: IncrementalCreateDeps, input: IncrementalInput): Promise<TreeStartResult | { reason: string }> {
  const { client, kv } = deps;
  const o = input.options;
  // Before anything is read: touches recorded from here on are not reflected by this plan.
  const listedAt = deps.now().toISOString();
  const baseJob = await kv.get<TreeJob>(keys.job(input.base.jobId));
  if (!baseJob) return { reason: 'the earlier export is no longer stored' };
  const rootId = baseJob.root.id;
  const isSpace = baseJob.root.type === 'space';
  const scope = scopeCql(baseJob);
  if (!scope) return { reason: 'the space key of the earlier export is unknown' };
  const base = await readBase(kv, input.base.jobId, { requester: input.requester, rootId });
  if (typeof base === 'string') return { reason: base };

  const { hitPages, hitPosts, meta } = await changedSince(client, scope, base.siteTime, isSpace ? undefined : rootId);
  const rootMeta = meta.get(rootId);
  if (!isSpace && !rootMeta) return { reason: 'the page the earlier export started from cannot be read' };
  const cur = new Map<string, Item>();
  for (const e of base.tree) if (e.id !== rootId) cur.set(e.id, { id: e.id, title: e.title, type: e.type, ...(e.parentId ? { parentId: e.parentId } : {}) });
  const blog = `${SECTION}:${rootId}:blog`;
  let unknownParent = false;
  const versions = new Map<string, number>(base.entries.map((e) => [e.id, e.version]));
  const seenAt: string[] = [];
  // Where a space export puts a page (as planSpace does): under its parent page, at the top when
  // its parent is no page (a folder) or there is none. '?': a parent page the plan does not know.
  const spaceParent = (m: Page): string | undefined => {
    if (!m.parentId || (m.parentType && m.parentType !== 'page')) return undefined;
    return cur.has(m.parentId) || hitPages.has(m.parentId) ? m.parentId : '?';
  };
  for (const m of meta.values()) {
    if (m.version?.number !== undefined) versions.set(m.id, m.version.number);
    if (m.id === rootId) continue;
    if (m.version?.createdAt) seenAt.push(m.version.createdAt);
    const post = hitPosts.has(m.id);
    // A tree's children hang from the root; a space's top-level pages have no parent in the plan.
    const parent = post ? blog : isSpace ? spaceParent(m) : m.parentId ?? rootId;
    const known = parent === undefined || parent === rootId || cur.has(parent) || hitPages.has(parent);
    if (!known) unknownParent = true;
    const was = cur.get(m.id);
    if (was) {
      was.title = m.title ?? was.title;
      if (known) {
        if (parent) was.parentId = parent;
        else delete was.parentId;
      }
    } else if (known) {
      cur.set(m.id, { id: m.id, title: m.title ?? m.id, type: post ? 'blogpost' : 'page', ...(parent ? { parentId: parent } : {}) });
    }
  }
  // Restrictions changed, pages moved or restored in the space since the base: only a listing as the
  // user says which pages the requester may still read and where they sit now.
  const spaceId = isSpace ? rootId : rootMeta?.spaceId;
  const touched = spaceId === undefined || (await touchedSince(kv, spaceId, touchFloor(base.siteTime), input.base.listedAt)).length > 0;
  const listed = unknownParent || touched;
  const items = listed ? await listAgain(client, baseJob.root, input.tick ?? (() => undefined)) : [...cur.values()];

  const rootTitle = isSpace ? baseJob.root.title : rootMeta?.title ?? baseJob.root.title;
  const plan = planTree({ id: rootId, title: rootTitle, type: isSpace ? 'space' : 'page' }, asDescendants(items, rootId));
  const look = presetRun(o, plan.nodes);
  const ext = FORMAT_INFO[o.format].ext;
  const fileOf = pageFiles(look, ext);
  const nodeOf = new Map<string, TreeNode>(look.nodes.map((n) => [n.id, n]));
  // A page listed now and in no search hit and not in the manifest (moved in from elsewhere): version 0, so `new`.
  const current: ListedPage[] = look.nodes.filter((n) => isExported(n.type)).map((n) => ({ id: n.id, version: versions.get(n.id) ?? 0, parentId: n.parentId ?? null, title: n.title }));
  const planned = planIncremental(base.entries, current, (id) => fileOf.get(id) ?? '');
  const fetch = new Set(planned.fetch);
  const oldTree = new Map(base.tree.map((e) => [e.id, e]));
  const deletedIds = new Set(planned.deleted.map((d) => d.id));
  const refresh = (id: string | undefined): void => {
    if (id && fileOf.has(id)) fetch.add(id);
  };
  // Pages whose output shows other pages: parents list their children, links to a removed page
  // become absolute, Page Properties Reports table every page.
  const parentOf = (id: string, node?: { parentId?: string }): string | undefined => node?.parentId ?? (id === rootId ? undefined : rootId);
  for (const p of planned.pages) {
    if (p.change === 'new' || p.change === 'moved' || p.from !== undefined) {
      refresh(parentOf(p.id, nodeOf.get(p.id)));
      if (oldTree.has(p.id)) refresh(parentOf(p.id, oldTree.get(p.id)));
    }
  }
  for (const d of planned.deleted) refresh(parentOf(d.id, oldTree.get(d.id)));
  for (const [from, to] of base.links) if (to.some((t) => deletedIds.has(t))) refresh(from);
  // A link into a page is written from that page's anchors (headings, and its title for Confluence's
  // `#Title-Heading` anchors): pages linking to a changed page are converted again.
  const changedIds = new Set(planned.pages.filter((p) => p.change === 'changed').map((p) => p.id));
  for (const id of presetShifted(look, base.tree, fileOf)) {
    refresh(id);
    changedIds.add(id);
  }
  for (const [from, to] of base.links) if (to.some((t) => changedIds.has(t))) refresh(from);
  const c = planned.counts;
  if (c.changed + c.new + c.moved + c.deleted > 0) for (const e of base.tree) if (e.reports) refresh(e.id);
  // Pages the earlier export could not export (no file) are fetched again.
  for (const n of current) if (!oldTree.get(n.id)?.file) fetch.add(n.id);

  const changeList: string[] = [];
  for (const p of planned.pages) {
    const f = fetch.has(p.id);
    if (f || p.change !== 'unchanged') changeList.push(`${p.id}:${p.change}:${f ? 1 : 0}`);
  }
  // Unchanged as of this search: the newest version it saw bounds what it could have missed.
  const carriedFloor = [base.siteTime, ...seenAt].sort().at(-1) ?? base.siteTime;

  const jobId = deps.newId();
  await deps.admit?.(jobId);
  try {
    const createdAt = deps.now().toISOString();
    const job: TreeJob = {
      jobId,
      root: { ...baseJob.root, title: rootTitle, version: rootMeta?.version?.number ?? baseJob.root.version },
      requester: input.requester,
      options: o,
      siteUrl: input.siteUrl || baseJob.siteUrl,
      createdAt,
      listedAt,
      total: current.length,
      nodeChunks: await saveNodes(kv, jobId, plan.nodes),
      fileName: baseJob.fileName,
      delivery: 'download',
      ...(baseJob.spaceKey ? { spaceKey: baseJob.spaceKey } : {}),
      ...(input.startedOn ? { startedOn: input.startedOn } : {}),
      incremental: {
        baseJobId: input.base.jobId,
        baseExportedAt: input.base.exportedAt,
        listed,
        counts: { ...c },
        carriedFloor,
        changeChunks: await saveIds(kv, (n) => keys.changes(jobId, n), changeList),
        deleted: planned.deleted.slice(0, MAX_NAMED_DELETED).map((d) => ({ id: d.id, path: d.path })),
        ...(planned.deleted.length > MAX_NAMED_DELETED ? { deletedMore: planned.deleted.length - MAX_NAMED_DELETED } : {}),
      },
    };
    await kv.set(keys.job(jobId), job);
    await setProgress(kv, jobId, { jobId, phase: 'queued', done: 0, total: job.total, skipped: plan.skipped.length, report: [], invocations: 0, updatedAt: createdAt });
    await deps.push(jobId);
    return { jobId, total: job.total, skipped: plan.skipped.length, mode: 'incremental', base: input.base.exportedAt };
  } catch (e) {
    await deps.release?.(jobId);
    throw e;
  }
}

const CHANGES: ReadonlyArray<Change> = ['unchanged', 'changed', 'new', 'moved'];

/** The plan as the run needs it: the change of each page (absent: unchanged) and the pages to fetch. */
export async function loadChanges(kv: KeyValue, job: TreeJob): Promise<{ changeOf: Map<string, Change>; fetch: Set<string> }> {
  const changeOf = new Map<string, Change>();
  const fetch = new Set<string>();
  for (const e of await loadIds(kv, (n) => keys.changes(job.jobId, n), job.incremental?.changeChunks ?? 0)) {
    const [id, change, f] = e.split(':');
    if (!id || !CHANGES.includes(change as Change)) continue;
    changeOf.set(id, change as Change);
    if (f === '1') fetch.add(id);
  }
  return { changeOf, fetch };
}

/**
 * The consumer's first run of an incremental job: writes the carried pages (the first output
 * chunks) from the base zip. Written again from scratch when a run dies before `ckpt.planned` is
 * stored. A base gone since the start (replaced, swept) leaves those pages to be fetched instead.
 */
export async function carryOver(job: TreeJob, ckpt: Checkpoint, kv: KeyValue): Promise<TreeJob> {
  const spec = job.incremental;
  if (!spec || ckpt.planned) return job;
  const { changeOf, fetch } = await loadChanges(kv, job);
  const look = presetRun(job.options, await loadNodes(kv, job));
  const ext = FORMAT_INFO[job.options.format].ext;
  const fileOf = pageFiles(look, ext);
  const nodeOf = new Map<string, TreeNode>(look.nodes.map((n) => [n.id, n]));
  const carry = [...fileOf.keys()].filter((id) => !fetch.has(id));
  // Only the carried pages' files are inflated.
  const base = await readBase(kv, spec.baseJobId, { requester: job.requester, rootId: job.root.id }, (tree) => {
    const fileById = new Map(tree.map((e) => [e.id, e.file]));
    const wanted = new Set(carry.map((id) => fileById.get(id)));
    return (path) => wanted.has(path);
  });
  if (typeof base === 'string') {
    // Fetch everything planned for carrying: a complete export rather than a broken one.
    const entries = [...fileOf.keys()].map((id) => `${id}:${changeOf.get(id) ?? 'unchanged'}:1`);
    const updated: TreeJob = { ...job, incremental: { ...spec, changeChunks: await saveIds(kv, (n) => keys.changes(job.jobId, n), entries), fallback: `${base}, so every page was fetched again` } };
    await kv.set(keys.job(job.jobId), updated);
    ckpt.planned = true;
    await kv.set(keys.ckpt(job.jobId), ckpt);
    return updated;
  }
  const oldTree = new Map(base.tree.map((e) => [e.id, e]));
  const carried: PageOutput[] = [];
  const missing = new Set<string>();
  for (const id of carry) {
    const was = oldTree.get(id);
    const path = fileOf.get(id) ?? '';
    const bytes = was?.file ? base.files[was.file] : undefined;
    if (!was?.file || !bytes) {
      missing.add(id);
      continue;
    }
    const links = base.links.get(id) ?? [];
    const hrefs = new Map<string, string>();
    for (const t of links) {
      const oldTo = oldTree.get(t)?.file;
      const newTo = fileOf.get(t);
      if (!oldTo || !newTo) continue;
      const before = relativeHref(was.file, oldTo);
      const after = relativeHref(path, newTo);
      if (before !== after) hrefs.set(before, after);
    }
    const dir = nodeOf.get(id)?.dir ?? was.dir;
    const files = (was.files ?? []).map((f) => (f.path.startsWith(`${was.dir}/`) ? { ...f, path: `${dir}${f.path.slice(was.dir.length)}` } : f));
    carried.push({
      id,
      file: path,
      text: rewriteHrefs(strFromU8(bytes), hrefs),
      links: links.filter((t) => fileOf.has(t)),
      files,
      ...(was.properties ? { properties: was.properties } : {}),
      ...(was.version !== undefined ? { version: was.version } : {}),
      carried: true,
    });
  }
  const ids = new Set(carried.map((p) => p.id));
  const byPage = new Map<string, ReportEntry[]>();
  for (const r of base.report) {
    if (!r.pageId || !ids.has(r.pageId) || r.what === 'incremental') continue;
    byPage.set(r.pageId, [...(byPage.get(r.pageId) ?? []), r]);
  }
  let out = 0;
  for (let i = 0; i < carried.length; i += BULK_IDS) {
    const pages = carried.slice(i, i + BULK_IDS);
    out += await saveOutput(kv, job.jobId, out, { pages, report: pages.flatMap((p) => byPage.get(p.id) ?? []) });
  }
  let updated = job;
  if (missing.size > 0) {
    const entries = [...fileOf.keys()].filter((id) => fetch.has(id) || missing.has(id) || changeOf.has(id)).map((id) => `${id}:${changeOf.get(id) ?? 'unchanged'}:${fetch.has(id) || missing.has(id) ? 1 : 0}`);
    updated = { ...job, incremental: { ...spec, changeChunks: await saveIds(kv, (n) => keys.changes(job.jobId, n), entries) } };
    await kv.set(keys.job(job.jobId), updated);
  }
  ckpt.outChunks = out;
  ckpt.done = carried.length;
  ckpt.planned = true;
  await kv.set(keys.ckpt(job.jobId), ckpt);
  return updated;
}

/**
 * The site-clock time the next change search may start from: every edit this export did not see is
 * later. A page fetched in a batch was read after every version in that batch was written, so an
 * edit it missed is later than the batch's newest version; the minimum over batches bounds them all
 * (no app clock involved). Carried pages were unchanged as of this export's search (`carriedFloor`).
 */
export function siteFloor(): { add(pages: readonly PageOutput[]): void; value(carriedFloor?: string): string | undefined } {
  let floor: string | undefined;
  return {
    add(pages) {
      const fetched = pages.filter((p) => !p.carried && p.versionAt).map((p) => p.versionAt as string);
      const newest = fetched.sort().at(-1);
      if (newest !== undefined && (floor === undefined || newest < floor)) floor = newest;
    },
    value(carriedFloor) {
      if (carriedFloor === undefined) return floor;
      return floor === undefined || carriedFloor < floor ? carriedFloor : floor;
    },
  };
}

/** Manifest fields of an export that can be the base of the next one. */
export function manifestFields(job: TreeJob, siteTime: string | undefined): Record<string, unknown> {
  const spec = job.incremental;
  return {
    format: BASE_FORMAT,
    siteTime: siteTime ?? job.createdAt,
    ...(spec
      ? {
          incremental: {
            base: spec.baseExportedAt,
            listed: spec.listed ?? false,
            deleted: spec.deleted ?? [],
            ...(spec.deletedMore ? { deletedMore: spec.deletedMore } : {}),
            ...(spec.fallback ? { fallback: spec.fallback } : {}),
          },
          changes: spec.counts,
        }
      : {}),
    ...(job.fullBecause ? { full: `Exported in full: ${job.fullBecause}.` } : {}),
  };
}

/** "2026-12-06 03:19 UTC" for an ISO time (the report is read by people; the manifest keeps the ISO time). */
function readableTime(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The report line that says what an incremental export did, or why it exported everything. */
export function incrementalReport(job: TreeJob): ReportEntry | undefined {
  // A note, not a loss (issue 23: it was listed among what the export approximated).
  if (job.fullBecause) return { kind: 'note', what: 'incremental', detail: `Exported in full, not incrementally: ${job.fullBecause}.` };
  const spec = job.incremental;
  const c = spec?.counts;
  if (!spec || !c) return undefined;
  const how = spec.fallback ? ` (${spec.fallback})` : spec.listed ? ' (the tree was listed again to find them)' : '';
  return {
    kind: 'note',
    what: 'incremental',
    detail: `Built on your export of ${readableTime(spec.baseExportedAt)}: ${c.unchanged} pages unchanged, ${c.changed} changed, ${c.new} new, ${c.moved} moved, ${c.deleted} removed${how}.`,
  };
}

/**
 * What `export/tree/changes` answers: how many pages changed since the base, exactly (the change
 * search's hits whose version differs from the base's manifest; 0 when nothing changed), and whether
 * the space was touched since (the tree is then listed again). No search total: those are estimates.
 */
export async function countChanges(
  client: Pick<PlanClient, 'search' | 'siteTimeZone' | 'pagesByIds' | 'blogPostsByIds'>,
  kv: KeyValue,
  job: Pick<TreeJob, 'root' | 'spaceKey' | 'requester'>,
  base: BaseRecord,
): Promise<TreeChanges> {
  const scope = scopeCql(job);
  const about = { base: { exportedAt: base.exportedAt, pages: base.pages } };
  if (!scope || !base.siteTime) return about;
  const stored = await readBase(kv, base.jobId, { requester: job.requester, rootId: job.root.id });
  if (typeof stored === 'string') return about;
  const isSpace = job.root.type === 'space';
  const { meta } = await changedSince(client, scope, stored.siteTime, isSpace ? undefined : job.root.id);
  const versions = new Map(stored.entries.map((e) => [e.id, e.version]));
  const changed = [...meta.values()].filter((m) => m.id !== job.root.id && m.version?.number !== undefined && versions.get(m.id) !== m.version.number).length;
  const spaceId = isSpace ? job.root.id : meta.get(job.root.id)?.spaceId;
  const touched = spaceId === undefined || (await touchedSince(kv, spaceId, touchFloor(stored.siteTime), base.listedAt)).length > 0;
  return { ...about, changed, ...(touched ? { touched } : {}) };
}
