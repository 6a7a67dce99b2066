/**
 * Confluence product-event payloads built from a sandbox Site, shaped like the examples in the Forge
 * "Confluence events" reference (user PII fields carry the account id, as real payloads do). Tests
 * and the preview deliver them with `sandbox.trigger(event)`.
 */
import type { Comment, Content, Site, SiteChange, User, VersionInfo } from '../confluence/site';

export interface EventOptions {
  /** Set when the app itself caused the change (Forge adds `selfGenerated: true`). */
  selfGenerated?: boolean;
  /** Defaults to the date of the version the event is about. */
  eventCreatedDate?: string;
}

export type ProductEventPayload = { eventType: string } & Record<string, unknown>;

export function pageCreatedEvent(site: Site, pageId: string, accountId?: string, o: EventOptions = {}): ProductEventPayload {
  const c = must(site, pageId);
  return envelope('avi:confluence:created:page', accountId ?? c.authorId, o, c.createdAt, { content: contentOf(site, c) });
}

/** The page as it is now (call after `site.updatePage`). */
export function pageUpdatedEvent(site: Site, pageId: string, accountId?: string, o: EventOptions = {}): ProductEventPayload {
  const c = must(site, pageId);
  return envelope('avi:confluence:updated:page', accountId ?? c.version.authorId, o, c.version.createdAt, {
    updateTrigger: 'edit_page',
    content: contentOf(site, c),
  });
}

/**
 * The event Confluence sends for a site change (restrictions, move, trash, restore, delete): the
 * same payload as page events (Forge events reference: "Page, live doc, and blog post events share
 * the same payload format"), `prevContent` for a move. Build it when the change is made (a deleted
 * page is still on the site then). Blog posts get `…:blogpost` events.
 */
export function contentChangeEvent(site: Site, change: SiteChange, o: EventOptions = {}): ProductEventPayload {
  const c = must(site, change.id);
  const now = contentOf(site, c);
  const rest: Record<string, unknown> = { content: now };
  if (change.kind === 'moved') rest.prevContent = { ...now, space: spaceOf(site, change.before.spaceId) };
  return envelope(`avi:confluence:${change.kind}:${c.type}`, change.by ?? c.version.authorId, o, site.tick(0), rest);
}

export function databaseCreatedEvent(site: Site, databaseId: string, accountId?: string, o: EventOptions = {}): ProductEventPayload {
  const c = must(site, databaseId);
  return envelope('avi:confluence:created:database', accountId ?? c.authorId, o, c.createdAt, { content: contentOf(site, c) });
}

export function commentCreatedEvent(site: Site, commentId: string, accountId?: string, o: EventOptions = {}): ProductEventPayload {
  const cm = mustComment(site, commentId);
  return envelope('avi:confluence:created:comment', accountId ?? cm.authorId, o, cm.created, { content: commentOf(site, cm) });
}

export function commentUpdatedEvent(site: Site, commentId: string, accountId?: string, o: EventOptions = {}): ProductEventPayload {
  const cm = mustComment(site, commentId);
  return envelope('avi:confluence:updated:comment', accountId ?? cm.version.authorId, o, cm.version.createdAt, {
    updateTrigger: 'edit_comment',
    content: commentOf(site, cm),
  });
}

/** Build it before removing the comment from the site: the payload describes the comment as it was. */
export function commentDeletedEvent(site: Site, commentId: string, accountId?: string, o: EventOptions = {}): ProductEventPayload {
  const cm = mustComment(site, commentId);
  return envelope('avi:confluence:deleted:comment', accountId ?? cm.authorId, o, site.tick(0), { content: commentOf(site, cm) });
}

// ---------------------------------------------------------------------------------------------

function envelope(eventType: string, accountId: string | undefined, o: EventOptions, when: string, rest: Record<string, unknown>): ProductEventPayload {
  return {
    eventType,
    ...(accountId ? { atlassianId: accountId } : {}),
    eventCreatedDate: o.eventCreatedDate ?? when,
    suppressNotifications: false,
    ...(o.selfGenerated ? { selfGenerated: true } : {}),
    ...rest,
  };
}

function userOf(site: Site, accountId: string): Record<string, unknown> {
  const u: User | undefined = site.user(accountId);
  // Real payloads put the account id in every PII field (username, email, names).
  return {
    type: 'known',
    username: accountId,
    accountId,
    accountType: u?.accountType ?? 'atlassian',
    email: accountId,
    publicName: accountId,
    profilePicture: { path: `/wiki/aa-avatar/${accountId}`, width: 48, height: 48, isDefault: false },
    displayName: accountId,
    isExternalCollaborator: false,
  };
}

function spaceOf(site: Site, spaceId: string): Record<string, unknown> {
  const s = site.spaces.get(spaceId);
  return {
    id: Number(spaceId),
    key: s?.key ?? '',
    alias: s?.key ?? '',
    name: s?.name ?? '',
    icon: { path: '/images/logo/default-space-logo-256.png', width: 48, height: 48, isDefault: false },
    type: 'global',
    status: 'current',
  };
}

function historyOf(site: Site, authorId: string, ownerId: string, createdAt: string): Record<string, unknown> {
  return { latest: true, createdBy: userOf(site, authorId), ownedBy: userOf(site, ownerId), createdDate: createdAt };
}

function versionOf(site: Site, v: VersionInfo): Record<string, unknown> {
  return { by: userOf(site, v.authorId), when: v.createdAt, number: v.number };
}

function contentOf(site: Site, c: Content): Record<string, unknown> {
  return {
    id: c.id,
    type: c.type,
    status: c.status,
    title: c.title,
    space: spaceOf(site, c.spaceId),
    history: historyOf(site, c.authorId, c.ownerId, c.createdAt),
    version: versionOf(site, c.version),
  };
}

function commentOf(site: Site, cm: Comment): Record<string, unknown> {
  const page = must(site, cm.pageId);
  const ancestors: Record<string, unknown>[] = [];
  // Newest to oldest, as the reference describes: the parent first, the thread root last.
  for (let p = cm.parentCommentId ? site.comment(cm.parentCommentId) : undefined; p; p = p.parentCommentId ? site.comment(p.parentCommentId) : undefined) {
    ancestors.push({ id: p.id, type: 'comment', status: 'current', title: `Re: ${page.title}`, history: historyOf(site, p.authorId, p.authorId, p.created) });
  }
  return {
    id: cm.id,
    type: 'comment',
    status: 'current',
    title: `Re: ${page.title}`,
    space: spaceOf(site, page.spaceId),
    history: historyOf(site, cm.authorId, cm.authorId, cm.created),
    version: versionOf(site, cm.version),
    ancestors,
    container: {
      id: page.id,
      type: page.type,
      status: page.status,
      title: page.title,
      history: historyOf(site, page.authorId, page.ownerId, page.createdAt),
      version: versionOf(site, page.version),
      space: spaceOf(site, page.spaceId),
    },
    extensions: { location: cm.kind },
  };
}

function must(site: Site, id: string): Content {
  const c = site.content(id);
  if (!c) throw new Error(`no content ${id} in the sandbox site`);
  return c;
}

function mustComment(site: Site, id: string): Comment {
  const c = site.comment(id);
  if (!c) throw new Error(`no comment ${id} in the sandbox site`);
  return c;
}
