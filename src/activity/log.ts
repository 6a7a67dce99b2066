/**
 * Per-content activity log in KVS: one key per entry, `activity:<contentId>:<delivery key>`, listed
 * by prefix with the KVS query API. Concurrent deliveries for one page write different keys, so
 * none overwrites another (a single read-modify-written value lost all but one of 30 at once), and
 * a repeated delivery writes the same key again, so it never adds an entry. The key is also the
 * record of which deliveries were handled: checking one is a single `get`.
 *
 * The log is bounded: after each append the oldest entries beyond LOG_MAX are deleted, so reading
 * it costs at most ceil(LOG_MAX / 100) queries.
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
  /** When the log recorded it (ms): the log's order is arrival order, as the panel shows it. */
  loggedAt?: number;
}

/** Entries kept per content (the panel shows at most 200). */
export const LOG_MAX = 200;
/** Details are short labels (file name, error code); never bodies. */
export const DETAIL_MAX = 300;
/** KVS keys hold at most 500 characters; delivery keys are ids and types, far shorter. */
const KEY_MAX = 500;

export const logPrefix = (contentId: string): string => `activity:${contentId}:`;
export const entryKey = (contentId: string, deliveryKey: string): string => `${logPrefix(contentId)}${deliveryKey}`.slice(0, KEY_MAX);

/** The log, oldest first. */
export async function readLog(kv: KeyValue, contentId: string): Promise<ActivityEntry[]> {
  const rows = await kv.list<ActivityEntry>(logPrefix(contentId));
  return rows.map((r) => r.value).filter(isEntry).sort(byTime);
}

/** Has a delivery with this key already been recorded for the content? */
export async function alreadyLogged(kv: KeyValue, contentId: string, key: string): Promise<boolean> {
  return (await kv.get(entryKey(contentId, key))) !== undefined;
}

/** Appends an entry unless one with the same key is there (returns false), then trims the log. */
export async function appendEntry(kv: KeyValue, contentId: string, entry: ActivityEntry, max = LOG_MAX, now = Date.now()): Promise<boolean> {
  if (await alreadyLogged(kv, contentId, entry.key)) return false;
  await kv.set(entryKey(contentId, entry.key), { ...tidy(entry), loggedAt: now });
  await trim(kv, contentId, max);
  return true;
}

/** Deletes the oldest entries beyond `max`. Concurrent trims delete the same keys: harmless. */
async function trim(kv: KeyValue, contentId: string, max: number): Promise<void> {
  const rows = await kv.list<ActivityEntry>(logPrefix(contentId));
  if (rows.length <= max) return;
  const oldest = rows.sort((x, y) => byTime(x.value, y.value)).slice(0, rows.length - max);
  await Promise.all(oldest.map((r) => kv.delete(r.key)));
}

function byTime(x: ActivityEntry, y: ActivityEntry): number {
  const d = loggedAt(x) - loggedAt(y);
  return d !== 0 ? d : x.key < y.key ? -1 : x.key > y.key ? 1 : 0;
}

const loggedAt = (e: ActivityEntry): number => e.loggedAt ?? (Date.parse(e.at) || 0);

function isEntry(v: unknown): v is ActivityEntry {
  const e = v as Partial<ActivityEntry> | null;
  return typeof e === 'object' && e !== null && typeof e.key === 'string' && typeof e.at === 'string' && typeof e.type === 'string';
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
