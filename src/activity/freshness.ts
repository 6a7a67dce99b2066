/**
 * Export freshness: every export records the page version it was made from, so the panel can say
 * "exported at v12, page now at v14". One small KVS value per content id holds the latest export
 * of each kind, kept apart by whom it belongs to:
 * - a copy attached to the page (export/attach, auto-export) is on the page for every viewer, so it
 *   is shared, with who made it;
 * - a preview/download and a private tree zip are the person's own: only they are told of them
 *   (Bob, who never exported, is not shown Alice's "Page tree last exported at v1").
 */
import type { ExportKind, Freshness } from '../shared/activity';
import type { KeyValue } from '../storage/kv';

export interface ExportEntry {
  version: number;
  format: string;
  /** ISO 8601. */
  at: string;
  accountId?: string;
  kind: ExportKind;
  /** The page's title then (which page: a tree export names its root). */
  title?: string;
  /** Tree exports: pages in the zip. */
  pages?: number;
  /** A tree zip attached to the page (an 'attachment' always is). */
  attached?: boolean;
}

type LatestByKind = Partial<Record<ExportKind, ExportEntry>>;

/** What the key holds: attached copies for all, the rest per account id. */
interface Stored {
  shared: LatestByKind;
  people: Record<string, LatestByKind>;
}

/** People whose own exports of one page are remembered (the least recent go first; keeps the value small). */
export const MAX_PEOPLE = 200;

export const freshnessKey = (contentId: string): string => `export-freshness:${contentId}`;

/** Exports every viewer of the page can see the result of: what is attached to it. */
const isShared = (e: Pick<ExportEntry, 'kind' | 'attached'>): boolean => e.kind === 'attachment' || e.attached === true;

/** Remembers an export of `contentId`. Keeps the latest per kind and person; an older version never wins. */
export async function recordExport(kv: KeyValue, contentId: string, entry: ExportEntry): Promise<void> {
  const key = freshnessKey(contentId);
  const stored = load(await kv.get<unknown>(key));
  const shared = isShared(entry) || !entry.accountId;
  const own: LatestByKind = shared ? stored.shared : (stored.people[entry.accountId ?? ''] ?? {});
  const previous = own[entry.kind];
  // Deliveries and retries can land out of order: keep the export of the newest version.
  if (previous && previous.version > entry.version) return;
  const next: LatestByKind = { ...own, [entry.kind]: clean(entry) };
  if (shared) stored.shared = next;
  else {
    const { [entry.accountId ?? '']: _, ...others } = stored.people;
    stored.people = trim({ ...others, [entry.accountId ?? '']: next });
  }
  await kv.set(key, stored);
}

/**
 * The most recent export `accountId` may be told of: their own, or a copy attached to the page;
 * without `accountId`, attached copies only.
 */
export async function lastExport(kv: KeyValue, contentId: string, accountId?: string): Promise<ExportEntry | undefined> {
  const stored = load(await kv.get<unknown>(freshnessKey(contentId)));
  const own = accountId ? stored.people[accountId] ?? {} : {};
  return [...Object.values(own), ...Object.values(stored.shared)]
    .filter((e): e is ExportEntry => e !== undefined)
    .sort((a, b) => b.at.localeCompare(a.at) || b.version - a.version)[0];
}

/** "Exported at vN, page now at vM" for the page's current version, as `accountId` may see it; null when none. */
export async function readFreshness(kv: KeyValue, contentId: string, currentVersion: number, accountId?: string): Promise<Freshness | null> {
  const last = await lastExport(kv, contentId, accountId);
  return last ? freshnessOf(last, currentVersion, accountId) : null;
}

export function freshnessOf(last: ExportEntry, currentVersion: number, viewer?: string): Freshness {
  const mine = last.accountId !== undefined && last.accountId === viewer;
  return {
    exportedVersion: last.version,
    currentVersion,
    stale: currentVersion > last.version,
    format: last.format,
    kind: last.kind,
    at: last.at,
    mine,
    // Whose it is, when it is not the viewer's (an attached copy; auto-export copies have nobody).
    ...(!mine && last.accountId ? { accountId: last.accountId } : {}),
    ...(last.title ? { title: last.title } : {}),
    ...(last.pages !== undefined ? { pages: last.pages } : {}),
    ...(isShared(last) ? { attached: true } : {}),
  };
}

/** The stored value; the earlier shape (latest per kind, for everyone) keeps only what all may see. */
function load(value: unknown): Stored {
  if (!value || typeof value !== 'object') return { shared: {}, people: {} };
  const v = value as Partial<Stored> & LatestByKind;
  if (v.shared || v.people) return { shared: v.shared ?? {}, people: v.people ?? {} };
  const shared: LatestByKind = {};
  const people: Record<string, LatestByKind> = {};
  for (const e of Object.values(v as LatestByKind)) {
    if (!e) continue;
    if (isShared(e) || !e.accountId) shared[e.kind] = e;
    else people[e.accountId] = { ...people[e.accountId], [e.kind]: e };
  }
  return { shared, people };
}

/** At most MAX_PEOPLE people, the most recently recorded last (objects keep insertion order). */
function trim(people: Record<string, LatestByKind>): Record<string, LatestByKind> {
  const ids = Object.keys(people);
  if (ids.length <= MAX_PEOPLE) return people;
  return Object.fromEntries(ids.slice(ids.length - MAX_PEOPLE).map((id) => [id, people[id] ?? {}]));
}

function clean(e: ExportEntry): ExportEntry {
  return {
    version: e.version,
    format: e.format,
    at: e.at,
    kind: e.kind,
    ...(e.accountId ? { accountId: e.accountId } : {}),
    ...(e.title ? { title: e.title } : {}),
    ...(e.pages !== undefined ? { pages: e.pages } : {}),
    ...(e.attached ? { attached: true } : {}),
  };
}
