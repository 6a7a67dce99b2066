/**
 * The trigger's dispatcher: parse, exit early (malformed, self-generated, already handled), run the
 * action for the event type, then log it. Pure: storage and the queue come in as parameters.
 *
 * The activity entry is written last, after the action: it is also the "already handled" mark, so a
 * delivery that failed half-way (and is retried by the platform) is not mistaken for a duplicate.
 */
import { wantsExport, type AutoExportJob } from '../activity/autoexport';
import { alreadyLogged, appendEntry, type ActivityEntry } from '../activity/log';
import type { KeyValue } from '../storage/kv';
import { deliveryKey, parseEvent, subjectId, type EventType, type ProductEvent } from './payload';

export interface DispatchDeps {
  kv: KeyValue;
  enqueue(job: AutoExportJob): Promise<void>;
  /** Receives a one-line reason; never the payload (it holds titles and user ids). */
  warn(message: string): void;
}

export type Outcome = 'handled' | 'duplicate' | 'self-generated' | 'ignored';

type Action = (event: ProductEvent, deps: DispatchDeps) => Promise<void>;

const logOnly: Action = async () => undefined;

/** Queues a re-export when auto-export is on and the page has a version not exported yet. */
const autoExport: Action = async (event, deps) => {
  if (!('content' in event) || event.content.type !== 'page') return;
  const { id, version } = event.content;
  if (await wantsExport(deps.kv, id, version)) await deps.enqueue({ contentId: id, version, reason: 'updated' });
};

/** What each subscribed event does besides being logged. */
const ACTIONS: Record<EventType, Action> = {
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
  const event = parsed.event;
  // The app's own writes (the auto-export upload) come back as events: never act on them.
  if (event.selfGenerated) return 'self-generated';
  const subject = subjectId(event);
  const key = deliveryKey(event);
  if (await alreadyLogged(deps.kv, subject, key)) return 'duplicate';
  await ACTIONS[event.eventType](event, deps);
  await appendEntry(deps.kv, subject, entryOf(event, key));
  return 'handled';
}

function entryOf(event: ProductEvent, key: string): ActivityEntry {
  const base = { type: event.eventType, key, at: event.at, ...(event.accountId ? { accountId: event.accountId } : {}) };
  if ('comment' in event) {
    return { ...base, commentId: event.comment.id, ...(event.comment.version !== undefined ? { version: event.comment.version } : {}) };
  }
  return { ...base, version: event.content.version };
}
