/**
 * Per-content activity log in KVS: one value per content id holding the most recent entries, oldest
 * first. KVS values are capped at 240 KiB, so the log keeps as many entries as fit in a budget well
 * below that and rolls the oldest off. The same log is the record of which event deliveries were
 * already handled (each entry carries its delivery key), so deduplication costs no extra storage.
 */
import type { ActivityType } from '../shared/activity';
import type { KeyValue } from '../storage/kv';

export interface ActivityEntry {
  type: ActivityType;
  /** Delivery key (event type + id + version/comment id); repeated deliveries share it. */
  key: string;
  at: string;
  accountId?: string;
  version?: number;
  commentId?: string;
  detail?: string;
}

interface StoredLog {
  entries: ActivityEntry[];
}

/** Room for ~1,000 typical entries, with a wide margin under the 240 KiB KVS value limit. */
export const LOG_BUDGET_BYTES = 192 * 1024;
/** Details are short labels (file name, error code); never bodies. */
export const DETAIL_MAX = 300;

export const logKey = (contentId: string): string => `activity:${contentId}`;

export async function readLog(kv: KeyValue, contentId: string): Promise<ActivityEntry[]> {
  const stored = await kv.get<StoredLog>(logKey(contentId));
  return Array.isArray(stored?.entries) ? stored.entries : [];
}

/** Has a delivery with this key already been recorded for the content? */
export async function alreadyLogged(kv: KeyValue, contentId: string, key: string): Promise<boolean> {
  return (await readLog(kv, contentId)).some((e) => e.key === key);
}

/**
 * Appends an entry unless one with the same key is there. Returns false for a duplicate.
 * Read-modify-write: two deliveries for the same page at the same instant can race; the loser's
 * entry is lost, which the log tolerates (it is a convenience view, not an audit trail).
 */
export async function appendEntry(kv: KeyValue, contentId: string, entry: ActivityEntry, budget = LOG_BUDGET_BYTES): Promise<boolean> {
  const entries = await readLog(kv, contentId);
  if (entries.some((e) => e.key === entry.key)) return false;
  entries.push(tidy(entry));
  await kv.set(logKey(contentId), { entries: fit(entries, budget) });
  return true;
}

/** Drops the oldest entries until the serialized log fits in `budget` bytes. */
export function fit(entries: ActivityEntry[], budget: number): ActivityEntry[] {
  const sizes = entries.map((e) => byteLength(JSON.stringify(e)));
  // `{"entries":[` + `]}` plus one comma between entries.
  let total = 14 + sizes.reduce((n, s) => n + s, 0) + Math.max(0, entries.length - 1);
  let drop = 0;
  while (total > budget && drop < entries.length) {
    total -= (sizes[drop] ?? 0) + 1;
    drop++;
  }
  return drop === 0 ? entries : entries.slice(drop);
}

export function logBytes(entries: ActivityEntry[]): number {
  return byteLength(JSON.stringify({ entries }));
}

function tidy(e: ActivityEntry): ActivityEntry {
  return {
    type: e.type,
    key: e.key,
    at: e.at,
    ...(e.accountId ? { accountId: e.accountId } : {}),
    ...(e.version !== undefined ? { version: e.version } : {}),
    ...(e.commentId ? { commentId: e.commentId } : {}),
    ...(e.detail ? { detail: e.detail.slice(0, DETAIL_MAX) } : {}),
  };
}

const encoder = new TextEncoder();
function byteLength(s: string): number {
  return encoder.encode(s).byteLength;
}
