/**
 * The plan of an incremental tree export (issue 17): given the previous export's manifest and the
 * tree as it is now, what to carry over from the previous zip, what to fetch, what to drop and what
 * to move. Pure: the caller lists the tree (ids, versions, parents, titles) and names the files.
 *
 * Versions decide, not timestamps: a page is changed when its version number differs from the one
 * the manifest recorded (either way: clock skew between site and app must not hide an edit).
 */

/** One page of the previous export, as its manifest recorded it. */
export interface ManifestEntry {
  id: string;
  version: number;
  /** Its file in the zip. */
  path: string;
}

/** One page of the tree now. */
export interface ListedPage {
  id: string;
  version: number;
  parentId: string | null;
  title: string;
}

export type Change = 'unchanged' | 'changed' | 'new' | 'moved';

export interface PlannedPage {
  id: string;
  change: Change;
  /** Where it goes in the new zip. */
  path: string;
  /** Where it was in the previous zip, when it was there and somewhere else (moved, renamed, or changed and moved). */
  from?: string;
}

export interface IncrementalPlan {
  pages: PlannedPage[];
  /** Pages in the previous export and no longer in the tree: their files are dropped. */
  deleted: ManifestEntry[];
  /** Ids whose bodies must be fetched (new or changed), in tree order. */
  fetch: string[];
  /** Old path -> new path for every page that moved, to rewrite links in carried-over pages. */
  renames: Map<string, string>;
  counts: Record<Change | 'deleted', number>;
}

/**
 * `pathOf(id)` is the page's file in the new export (the exporter's naming, which depends on
 * parents and titles). A page is `moved` when that differs from its old path and its version does
 * not: carried over, with links pointing at it rewritten. A changed page that also moved is
 * `changed`, with `from` set.
 */
export function planIncremental(previous: readonly ManifestEntry[], current: readonly ListedPage[], pathOf: (id: string) => string): IncrementalPlan {
  const before = new Map<string, ManifestEntry>();
  for (const e of previous) {
    if (before.has(e.id)) throw new Error(`Manifest lists page ${e.id} twice`);
    before.set(e.id, e);
  }
  const seen = new Set<string>();
  const pages: PlannedPage[] = [];
  const renames = new Map<string, string>();
  for (const p of current) {
    if (seen.has(p.id)) throw new Error(`Listing returned page ${p.id} twice`);
    seen.add(p.id);
    const path = pathOf(p.id);
    const old = before.get(p.id);
    if (!old) {
      pages.push({ id: p.id, change: 'new', path });
      continue;
    }
    const moved = old.path !== path;
    if (moved) renames.set(old.path, path);
    const change: Change = old.version !== p.version ? 'changed' : moved ? 'moved' : 'unchanged';
    pages.push({ id: p.id, change, path, ...(moved ? { from: old.path } : {}) });
  }
  const deleted = previous.filter((e) => !seen.has(e.id));
  const counts: IncrementalPlan['counts'] = { unchanged: 0, changed: 0, new: 0, moved: 0, deleted: deleted.length };
  for (const p of pages) counts[p.change] += 1;
  return {
    pages,
    deleted,
    fetch: pages.filter((p) => p.change === 'new' || p.change === 'changed').map((p) => p.id),
    renames,
    counts,
  };
}

export const MANIFEST_FORMAT = 1;

export type ManifestRead = { ok: true; entries: ManifestEntry[] } | { ok: false; reason: string };

/**
 * The previous export's page list from its parsed manifest JSON (`{format, pages: [{id, version,
 * path}]}`), or why it cannot be used: the caller then falls back to a full export and says so.
 */
export function readManifest(json: unknown): ManifestRead {
  if (!json || typeof json !== 'object') return { ok: false, reason: 'missing or not an object' };
  const m = json as { format?: unknown; pages?: unknown };
  if (m.format !== MANIFEST_FORMAT) return { ok: false, reason: `format ${String(m.format)} is not ${MANIFEST_FORMAT}` };
  if (!Array.isArray(m.pages)) return { ok: false, reason: 'no page list' };
  const entries: ManifestEntry[] = [];
  const ids = new Set<string>();
  const paths = new Set<string>();
  for (const [i, raw] of m.pages.entries()) {
    const e = raw as Partial<Record<keyof ManifestEntry, unknown>> | null;
    const ok = !!e && typeof e.id === 'string' && /^\d+$/.test(e.id) && typeof e.version === 'number' && Number.isInteger(e.version)
      && e.version >= 1 && typeof e.path === 'string' && e.path.length > 0 && !e.path.startsWith('/') && !e.path.split('/').includes('..');
    if (!ok) return { ok: false, reason: `page ${i} is malformed` };
    const entry = { id: e.id as string, version: e.version as number, path: e.path as string };
    if (ids.has(entry.id) || paths.has(entry.path)) return { ok: false, reason: `page ${i} repeats an id or a path` };
    ids.add(entry.id);
    paths.add(entry.path);
    entries.push(entry);
  }
  return { ok: true, entries };
}
