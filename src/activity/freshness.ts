/**
 * Export freshness: every export records the page version it was made from, so the panel can say
 * "exported at v12, page now at v14". One small KVS value per content id holds the latest export
 * of each kind (download, attachment, tree); the newest of them is what the panel shows.
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
}

type LatestByKind = Partial<Record<ExportKind, ExportEntry>>;

export const freshnessKey = (contentId: string): string => `export-freshness:${contentId}`;

/** Remembers an export of `contentId`. Keeps the latest per kind; an older version never wins. */
export async function recordExport(kv: KeyValue, contentId: string, entry: ExportEntry): Promise<void> {
  const key = freshnessKey(contentId);
  const current = (await kv.get<LatestByKind>(key)) ?? {};
  const previous = current[entry.kind];
  // Deliveries and retries can land out of order: keep the export of the newest version.
  if (previous && previous.version > entry.version) return;
  await kv.set(key, { ...current, [entry.kind]: clean(entry) });
}

/** The most recent export of any kind, or undefined when the page was never exported. */
export async function lastExport(kv: KeyValue, contentId: string): Promise<ExportEntry | undefined> {
  const all = (await kv.get<LatestByKind>(freshnessKey(contentId))) ?? {};
  return Object.values(all)
    .filter((e): e is ExportEntry => e !== undefined)
    .sort((a, b) => b.at.localeCompare(a.at) || b.version - a.version)[0];
}

/** "Exported at vN, page now at vM" for the page's current version; null when never exported. */
export async function readFreshness(kv: KeyValue, contentId: string, currentVersion: number): Promise<Freshness | null> {
  const last = await lastExport(kv, contentId);
  return last ? freshnessOf(last, currentVersion) : null;
}

export function freshnessOf(last: ExportEntry, currentVersion: number): Freshness {
  return {
    exportedVersion: last.version,
    currentVersion,
    stale: currentVersion > last.version,
    format: last.format,
    kind: last.kind,
    at: last.at,
  };
}

function clean(e: ExportEntry): ExportEntry {
  return { version: e.version, format: e.format, at: e.at, kind: e.kind, ...(e.accountId ? { accountId: e.accountId } : {}) };
}
