/**
 * The trigger's dispatcher: parse, exit early (malformed, self-generated, already handled), run the
 * action for the event type, then log it. Pure: storage and the queue come in as parameters.
 *
 * The activity entry is written last, after the action: it is also the "already handled" mark, so a
 * delivery that failed half-way (and is retried by the platform) is not mistaken for a duplicate.
 */
import { wantsExport, type AutoExportJob } from '../activity/autoexport';
import { alreadyLogged, appendEntry, type ActivityEntry } from '../activity/log';
import { recordTouch } from '../activity/touches';
import type { KeyValue } from '../storage/kv';
import { deliveryKey, isTouch, parseEvent, subjectId, type ContentEvent, type EventType, type ProductEvent, type TouchEvent, type TouchEventType } from './payload';

export interface DispatchDeps {
  kv: KeyValue;
  enqueue(job: AutoExportJob): Promise<void>;
  /** Receives a one-line reason; never the payload (it holds titles and user ids). */
  warn(message: string): void;
  /**
   * The page's current version number, for an `updated:page` payload without one. Read as the app
   * (a trigger has no user to act as): a number only, which is never shown to anyone.
   */
  pageVersion?(id: string): Promise<number | undefined>;
  /** The app's clock (tests pin it). */
  now?(): Date;
}

export type Outcome = 'handled' | 'duplicate' | 'self-generated' | 'ignored';

/** Events that go to a page's activity log (touches are recorded apart, see `dispatch`). */
type Logged = Exclude<ProductEvent, TouchEvent>;
type Action = (event: Logged, deps: DispatchDeps) => Promise<void>;

const logOnly: Action = async () => undefined;

/** Queues a re-export when auto-export is on and the page has a version not exported yet. */
const autoExport: Action = async (event, deps) => {
  if (!('content' in event) || event.content.type !== 'page') return;
  const { id, version } = event.content;
  if (version !== undefined && (await wantsExport(deps.kv, id, version))) await deps.enqueue({ contentId: id, version, reason: 'updated' });
};

/** What each subscribed event does besides being logged. */
const ACTIONS: Record<Exclude<EventType, TouchEventType>, Action> = {
  'avi:confluence:created:page': logOnly,
  'avi:confluence:updated:page': autoExport,
  'avi:confluence:created:comment': logOnly,
  'avi:confluence:updated:comment': logOnly,
  'avi:confluence:deleted:comment': logOnly,
  'avi:confluence:created:database': logOnly,
};

export async function dispatch(raw: unknown, deps: DispatchDeps): Promise<Outcome> {
  const parsed = parseEvent(raw);
  if (!parsed.ok) {
    deps.warn(`event ignored (${parsed.eventType ?? 'no type'}): ${parsed.reason}`);
    return 'ignored';
  }
  // The app's own writes (the auto-export upload) come back as events: never act on them.
  if (parsed.event.selfGenerated) return 'self-generated';
  if (isTouch(parsed.event)) {
    // Idempotent (one key per event), so a repeated delivery changes nothing.
    await recordTouch(deps.kv, parsed.event.spaces, { id: parsed.event.content.id, type: parsed.event.eventType, at: parsed.event.at, seenAt: (deps.now?.() ?? new Date()).toISOString() });
    return 'handled';
  }
  const event = await withVersion(parsed.event, deps);
  const subject = subjectId(event);
  const key = deliveryKey(event);
  if (await alreadyLogged(deps.kv, subject, key)) return 'duplicate';
  await ACTIONS[event.eventType](event, deps);
  await appendEntry(deps.kv, subject, entryOf(event, key));
  return 'handled';
}

/** An `updated:page` without `content.version` (FINDINGS §6): the version is read from the API. */
async function withVersion(event: Logged, deps: DispatchDeps): Promise<Logged> {
  if (event.eventType !== 'avi:confluence:updated:page' || !('content' in event) || event.content.version !== undefined || !deps.pageVersion) return event;
  const version = await deps.pageVersion(event.content.id);
  return version === undefined ? event : ({ ...event, content: { ...event.content, version } } satisfies ContentEvent);
}

function entryOf(event: Logged, key: string): ActivityEntry {
  const base = { type: event.eventType, key, at: event.at, ...(event.accountId ? { accountId: event.accountId } : {}) };
  if ('comment' in event) {
    return { ...base, commentId: event.comment.id, ...(event.comment.version !== undefined ? { version: event.comment.version } : {}) };
  }
  return { ...base, ...(event.content.version !== undefined ? { version: event.content.version } : {}) };
}
