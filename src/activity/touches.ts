/**
 * Touches: the record of changes that alter who may read a page or where it sits without writing a
 * version (restrictions, moves, restores; see TOUCH_EVENTS in ../events/payload.ts). Neither the
 * change search nor the versions of an incremental export see them, so an incremental export lists
 * its tree again when its space was touched since its base (../jobs/tree-incremental.ts).
 *
 *   touch:<space id or ?>:<event time, ISO>:<event type>:<content id>  → Touch
 *
 * One key per event (PLATFORM-FACTS "KVS transactions": no conditional writes, so no shared
 * read-modify-written value); a repeated delivery writes the same key again. Keys sort by time within
 * a space, so the oldest come first when trimming. `?` holds events whose payload named no space:
 * every incremental export checks it too.
 */
import type { KeyValue } from '../storage/kv';

export interface Touch {
  id: string;
  type: string;
  /** Site-clock time of the event (eventCreatedDate). */
  at: string;
  /** App-clock time the trigger recorded it. */
  seenAt?: string;
}

/**
 * Clock skew between the hosts that run the trigger and the listing: a touch recorded this long
 * before a listing began still counts (an extra listing at worst, never a missed change).
 */
export const SKEW_MS = 5_000;

/** Kept a little longer than a base (tree-base BASE_KEEP_MS, 7 days): older touches can concern no base. */
export const TOUCH_KEEP_MS = 8 * 24 * 3600_000;
const UNKNOWN_SPACE = '?';
const KEY_MAX = 500;

const prefix = (space: string): string => `touch:${space}:`;

/** Records one event's touch in each space it names (or under `?`), then drops touches too old to matter. */
export async function recordTouch(kv: KeyValue, spaces: readonly string[], touch: Touch): Promise<void> {
  const names = spaces.length ? spaces : [UNKNOWN_SPACE];
  for (const space of names) {
    await kv.set(`${prefix(space)}${touch.at}:${touch.type}:${touch.id}`.slice(0, KEY_MAX), touch);
    const cutoff = new Date(Date.parse(touch.at) - TOUCH_KEEP_MS).toISOString();
    const old = (await kv.list<Touch>(prefix(space))).filter((r) => typeof r.value?.at === 'string' && r.value.at < cutoff);
    await Promise.all(old.map((r) => kv.delete(r.key)));
  }
}

/**
 * Touches of the space (and of unknown spaces) that an export may not reflect: made at or after
 * `since` (site clock: the base's siteTime, less CQL's margin) and recorded after its listing began
 * (`listedAt`, app clock, less SKEW_MS; a touch recorded before was made before the listing, which
 * saw its effect). Without the second bound, one restriction would make every later export list again.
 */
export async function touchedSince(kv: KeyValue, spaceId: string, since: string, listedAt?: string): Promise<Touch[]> {
  const after = listedAt && !Number.isNaN(Date.parse(listedAt)) ? new Date(Date.parse(listedAt) - SKEW_MS).toISOString() : undefined;
  const out: Touch[] = [];
  for (const space of [spaceId, UNKNOWN_SPACE]) {
    for (const r of await kv.list<Touch>(prefix(space))) {
      const t = r.value;
      if (typeof t?.at !== 'string' || t.at < since) continue;
      if (after && typeof t.seenAt === 'string' && t.seenAt < after) continue;
      out.push(t);
    }
  }
  return out;
}
