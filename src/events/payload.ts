/**
 * Parses Confluence product-event payloads (shapes from the Forge "Confluence events" reference)
 * into the few fields the app uses. Anything else in the payload is ignored; anything missing or
 * of the wrong type makes the event malformed, which the dispatcher logs and drops.
 */

export const CONTENT_EVENTS = ['avi:confluence:created:page', 'avi:confluence:updated:page', 'avi:confluence:created:database'] as const;
export const COMMENT_EVENTS = ['avi:confluence:created:comment', 'avi:confluence:updated:comment', 'avi:confluence:deleted:comment'] as const;
/**
 * Events that change who may read a page or where it sits, without a new version (so neither the
 * change search nor the versions see them): incremental exports list again after one in scope
 * (src/activity/touches.ts). Names from the Forge events reference. `trashed`/`deleted` are not
 * subscribed: Forge asks for write:confluence-content to receive them (see manifest.yml).
 */
export const TOUCH_EVENTS = [
  'avi:confluence:permissions_updated:page',
  'avi:confluence:moved:page',
  'avi:confluence:restored:page',
  'avi:confluence:permissions_updated:blogpost',
  'avi:confluence:restored:blogpost',
] as const;

export type ContentEventType = (typeof CONTENT_EVENTS)[number];
export type CommentEventType = (typeof COMMENT_EVENTS)[number];
export type TouchEventType = (typeof TOUCH_EVENTS)[number];
export type EventType = ContentEventType | CommentEventType | TouchEventType;

interface Common {
  /** Who caused it; absent for anonymous users. */
  accountId?: string;
  /** ISO 8601: eventCreatedDate, else the version's date. */
  at: string;
  /** Caused by this app itself (its own writes). */
  selfGenerated: boolean;
}

/**
 * A page or database event. `version` is absent when the payload has none: older copies of the
 * events reference list no `version` in the page `Content` type, and no real delivery has been
 * recorded (../shared/real-responses/FINDINGS.md §6); the dispatcher then reads it from the API.
 */
export interface ContentEvent extends Common {
  eventType: ContentEventType;
  content: { id: string; type: string; title: string; version?: number };
}

/** A change of restrictions or place (see TOUCH_EVENTS): the spaces it touched (before and after a move). */
export interface TouchEvent extends Common {
  eventType: TouchEventType;
  content: { id: string; type: string };
  /** Space ids; empty when the payload names none. */
  spaces: string[];
}

/** A comment event; activity is kept on the page or blog post it belongs to. */
export interface CommentEvent extends Common {
  eventType: CommentEventType;
  comment: { id: string; version?: number; location?: 'footer' | 'inline' };
  container: { id: string; type: string };
}

export type ProductEvent = ContentEvent | CommentEvent | TouchEvent;

export type Parsed = { ok: true; event: ProductEvent } | { ok: false; reason: string; eventType?: string };

/** Ids end up in KVS keys and logs: accept only what Confluence hands out (digits, letters, dashes). */
const ID = /^[A-Za-z0-9-]{1,64}$/;
const ACCOUNT = /^[A-Za-z0-9:_-]{1,128}$/;

export function isEventType(t: unknown): t is EventType {
  return [...CONTENT_EVENTS, ...COMMENT_EVENTS, ...TOUCH_EVENTS].includes(t as EventType);
}

export function isTouch(e: ProductEvent): e is TouchEvent {
  return (TOUCH_EVENTS as readonly string[]).includes(e.eventType);
}

export function parseEvent(raw: unknown): Parsed {
  if (!isRecord(raw)) return { ok: false, reason: 'payload is not an object' };
  const eventType = raw.eventType;
  if (typeof eventType !== 'string') return { ok: false, reason: 'no eventType' };
  if (!isEventType(eventType)) return { ok: false, reason: 'unsupported eventType', eventType };
  const content = raw.content;
  if (!isRecord(content)) return { ok: false, reason: 'no content', eventType };
  const id = idOf(content.id);
  if (!id) return { ok: false, reason: 'content.id missing or invalid', eventType };

  const version = isRecord(content.version) ? content.version : undefined;
  const number = version && Number.isInteger(version.number) && (version.number as number) > 0 ? (version.number as number) : undefined;
  const by = version && isRecord(version.by) ? accountOf(version.by.accountId) : undefined;
  const when = version && isIso(version.when) ? version.when : undefined;
  const common: Common = {
    accountId: accountOf(raw.atlassianId) ?? by,
    at: isIso(raw.eventCreatedDate) ? raw.eventCreatedDate : when ?? new Date().toISOString(),
    selfGenerated: raw.selfGenerated === true,
  };

  if ((COMMENT_EVENTS as readonly string[]).includes(eventType)) {
    const container = isRecord(content.container) ? content.container : undefined;
    const containerId = container ? idOf(container.id) : undefined;
    if (!container || !containerId) return { ok: false, reason: 'content.container missing or invalid', eventType };
    const location = isRecord(content.extensions) ? content.extensions.location : undefined;
    // A deleted comment may come without a version; created and updated ones always carry it.
    if (number === undefined && eventType !== 'avi:confluence:deleted:comment') return { ok: false, reason: 'content.version.number missing', eventType };
    return {
      ok: true,
      event: {
        ...common,
        eventType: eventType as CommentEventType,
        comment: { id, ...(number !== undefined ? { version: number } : {}), ...(location === 'footer' || location === 'inline' ? { location } : {}) },
        container: { id: containerId, type: typeof container.type === 'string' ? container.type : 'page' },
      },
    };
  }

  if ((TOUCH_EVENTS as readonly string[]).includes(eventType)) {
    // A move names the space before it in `prevContent` (Forge events reference, payload table).
    const prev = isRecord(raw.prevContent) ? raw.prevContent : undefined;
    const spaces = [spaceIdOf(content), prev ? spaceIdOf(prev) : undefined].filter((x): x is string => x !== undefined);
    return { ok: true, event: { ...common, eventType: eventType as TouchEventType, content: { id, type: typeof content.type === 'string' ? content.type : 'page' }, spaces: [...new Set(spaces)] } };
  }
  return {
    ok: true,
    event: {
      ...common,
      eventType: eventType as ContentEventType,
      content: {
        id,
        type: typeof content.type === 'string' ? content.type : 'page',
        title: typeof content.title === 'string' ? content.title : '',
        ...(number !== undefined ? { version: number } : {}),
      },
    },
  };
}

/** Repeated deliveries of one event share this key: event type + content id + version/comment id. */
export function deliveryKey(e: ProductEvent): string {
  return 'comment' in e
    ? `${e.eventType}:${e.container.id}:${e.comment.id}:${e.comment.version ?? 0}`
    : `${e.eventType}:${e.content.id}:${'spaces' in e || e.content.version === undefined ? e.at : e.content.version}`;
}

/** The content whose activity log the event belongs to (a comment's page, not the comment). */
export function subjectId(e: ProductEvent): string {
  return 'comment' in e ? e.container.id : e.content.id;
}

/** `space.id` is a number in the reference (a string is taken too). */
function spaceIdOf(content: Record<string, unknown>): string | undefined {
  return isRecord(content.space) ? idOf(content.space.id) : undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The docs type some ids as numbers (comment containers) and show strings in examples: take both. */
function idOf(v: unknown): string | undefined {
  const s = typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? String(v) : v;
  return typeof s === 'string' && ID.test(s) ? s : undefined;
}

function accountOf(v: unknown): string | undefined {
  return typeof v === 'string' && ACCOUNT.test(v) ? v : undefined;
}

function isIso(v: unknown): v is string {
  return typeof v === 'string' && v.length <= 40 && !Number.isNaN(Date.parse(v));
}
