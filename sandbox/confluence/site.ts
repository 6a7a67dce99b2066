// In-memory model of one Confluence Cloud site. The server (server.ts) turns these records into
// REST shapes; tests and the generator mutate them directly. Ids are numeric strings handed out
// by one counter so that a site built the same way always has the same ids.
import { toStorage } from './render';
import type { AdfDoc, AdfNode } from './adf';

export type AccountType = 'atlassian' | 'app';
export interface User {
  accountId: string;
  displayName: string;
  email?: string;
  accountType: AccountType;
}

export interface Space {
  id: string;
  key: string;
  name: string;
  homepageId: string;
  authorId: string;
  createdAt: string;
  description: string;
  /** Space permission: only these accounts may view the space (absent: everyone on the site). */
  viewers?: string[];
}

export type ContentType = 'page' | 'blogpost' | 'database' | 'folder' | 'whiteboard';
export type ContentStatus = 'current' | 'archived' | 'draft' | 'trashed';

export interface VersionInfo {
  number: number;
  createdAt: string;
  authorId: string;
  message: string;
  minorEdit: boolean;
}

/** A past (or the current) state of a page body, kept for `?version=` and `/versions`. */
export interface Revision {
  version: VersionInfo;
  title: string;
  adf: AdfDoc;
  storage?: string;
}

export interface Content {
  id: string;
  type: ContentType;
  parentId: string | null;
  title: string;
  spaceId: string;
  status: ContentStatus;
  authorId: string;
  ownerId: string;
  createdAt: string;
  version: VersionInfo;
  history: Revision[];
  adf: AdfDoc;
  /** Explicit storage XHTML; when absent it is rendered from `adf` on demand (keeps big sites small). */
  storageOverride?: string;
  labels: string[];
  /** View restriction: null = everyone; otherwise only these accounts (and the app) can see it. */
  restrictedTo: string[] | null;
  /** Edit restriction: null = everyone who can see it; otherwise only these accounts (and the app). */
  editableBy?: string[] | null;
  childPosition: number;
  /** Databases: content properties (key -> JSON value) and collaborators. */
  properties: ContentPropertyRecord[];
  collaborators: string[];
}

export interface ContentPropertyRecord {
  id: string;
  key: string;
  value: unknown;
  version: VersionInfo;
}

export interface AttachmentVersion {
  version: VersionInfo;
  bytes: Uint8Array;
  comment: string;
}

export interface Attachment {
  id: string; // 'att' + digits, as on real sites
  fileId: string;
  title: string;
  mediaType: string;
  pageId: string;
  createdAt: string;
  bytes: Uint8Array;
  version: VersionInfo;
  comment: string;
  history: AttachmentVersion[];
  labels: string[];
}

export type CommentKind = 'footer' | 'inline';
export type ResolutionStatus = 'open' | 'resolved' | 'reopened' | 'dangling';

export interface Comment {
  id: string;
  kind: CommentKind;
  pageId: string; // the page or blog post it belongs to
  parentCommentId: string | null;
  authorId: string;
  created: string;
  version: VersionInfo;
  adf: AdfDoc;
  storage: string;
  /** Inline comments only. */
  markerRef?: string;
  originalSelection?: string;
  resolutionStatus?: ResolutionStatus;
  resolvedBy?: string;
  resolvedAt?: string;
}

export type Principal = { kind: 'app' } | { kind: 'user'; accountId: string };

/** The account that acts when a request is made as the app (shows up as author of app writes). */
export const APP_ACCOUNT_ID = '557058:sandbox-content-toolkit-app';

export interface NewContent {
  id?: string;
  type?: ContentType;
  parentId?: string | null;
  title: string;
  spaceId: string;
  authorId: string;
  adf?: AdfDoc;
  storage?: string;
  labels?: string[];
  createdAt?: string;
  status?: ContentStatus;
}

export interface NewComment {
  id?: string;
  kind: CommentKind;
  pageId: string;
  parentCommentId?: string | null;
  authorId: string;
  adf: AdfDoc;
  created?: string;
  markerRef?: string;
  originalSelection?: string;
  resolutionStatus?: ResolutionStatus;
  resolvedBy?: string;
  resolvedAt?: string;
}

export interface NewAttachment {
  id?: string;
  pageId: string;
  title: string;
  mediaType: string;
  bytes: Uint8Array;
  authorId: string;
  comment?: string;
  createdAt?: string;
}

/**
 * A change Confluence tells subscribed apps of with a product event (Forge events reference,
 * minhhai2209/forge-docs-snapshot mirror/events-reference/confluence/index.md): restrictions
 * changed, moved (`prevContent` is the page before the move), trashed, restored, deleted for good.
 * Seen before it is applied for `deleted` (the payload describes the page as it was).
 */
export type SiteChange =
  | { kind: 'permissions_updated' | 'trashed' | 'restored' | 'deleted'; id: string; by?: string }
  | { kind: 'moved'; id: string; by?: string; before: { parentId: string | null; spaceId: string } };

/** The site's default time zone (systemInfo `defaultTimeZone`): where CQL reads dates. */
export const DEFAULT_TIME_ZONE = 'America/Los_Angeles';

const emptyDoc = (): AdfDoc => ({ type: 'doc', version: 1, content: [] });

export class Site {
  readonly users = new Map<string, User>();
  readonly spaces = new Map<string, Space>();
  readonly contents = new Map<string, Content>();
  readonly attachments = new Map<string, Attachment>();
  readonly comments = new Map<string, Comment>();
  /** Ids of children per parent, in position order; avoids scanning the whole site for trees. */
  private readonly kids = new Map<string, string[]>();
  /** Where the site lives; links inside pages start with it. The server rebases it to its own URL. */
  baseUrl = 'https://sandbox.atlassian.net';
  /** The zone CQL date literals are read in (see ./cql.ts); an IANA name. */
  timeZone = DEFAULT_TIME_ZONE;
  private readonly watchers = new Set<(c: SiteChange) => void>();
  /** >0 while a change emits no event of its own (a cascade: Confluence emits none, see `deletePage`). */
  private quiet = 0;
  private seq: number;
  /** A fixed clock: every write advances it by one minute, so dates are deterministic too. */
  private clock: number;

  constructor(opts: { firstId?: number; epoch?: string } = {}) {
    this.seq = opts.firstId ?? 1000000;
    this.clock = Date.parse(opts.epoch ?? '2024-03-01T09:00:00.000Z');
    this.users.set(APP_ACCOUNT_ID, { accountId: APP_ACCOUNT_ID, displayName: 'Content Toolkit', accountType: 'app' });
  }

  /** Calls `fn` for every change Confluence sends an event for; returns the unsubscribe. */
  watch(fn: (c: SiteChange) => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  private emit(c: SiteChange): void {
    if (this.quiet === 0) for (const fn of this.watchers) fn(c);
  }

  nextId(): string {
    this.seq += 1;
    return String(this.seq);
  }

  /** The next timestamp of the site's clock (ISO). */
  tick(minutes = 1): string {
    this.clock += minutes * 60_000;
    return new Date(this.clock).toISOString();
  }

  user(accountId: string): User | undefined {
    return this.users.get(accountId);
  }

  content(id: string): Content | undefined {
    return this.contents.get(id);
  }

  addUser(u: User): User {
    this.users.set(u.accountId, u);
    return u;
  }

  addSpace(s: Omit<Space, 'createdAt' | 'homepageId' | 'description'> & { createdAt?: string; homepageId?: string; description?: string }): Space {
    const space: Space = { createdAt: s.createdAt ?? this.tick(), homepageId: s.homepageId ?? '', description: s.description ?? '', ...s };
    this.spaces.set(space.id, space);
    return space;
  }

  spaceByKey(key: string): Space | undefined {
    for (const s of this.spaces.values()) if (s.key === key) return s;
    return undefined;
  }

  /** Adds any kind of content (page, blog post, database, folder, whiteboard). */
  addContent(n: NewContent): Content {
    const id = n.id ?? this.nextId();
    if (this.contents.has(id)) throw new Error(`duplicate content id ${id}`);
    const createdAt = n.createdAt ?? this.tick();
    const version: VersionInfo = { number: 1, createdAt, authorId: n.authorId, message: '', minorEdit: false };
    const adf = n.adf ?? emptyDoc();
    const parentId = n.parentId ?? null;
    const siblings = parentId ? this.childIds(parentId) : [];
    const c: Content = {
      id, type: n.type ?? 'page', parentId, title: n.title, spaceId: n.spaceId, status: n.status ?? 'current',
      authorId: n.authorId, ownerId: n.authorId, createdAt, version, adf,
      history: [{ version, title: n.title, adf, ...(n.storage !== undefined ? { storage: n.storage } : {}) }],
      labels: [...(n.labels ?? [])], restrictedTo: null, childPosition: siblings.length,
      properties: [], collaborators: [n.authorId],
      ...(n.storage !== undefined ? { storageOverride: n.storage } : {}),
    };
    this.contents.set(id, c);
    if (parentId) {
      siblings.push(id);
      this.kids.set(parentId, siblings);
    }
    return c;
  }

  addPage(n: Omit<NewContent, 'type'>): Content {
    return this.addContent({ ...n, type: 'page' });
  }

  /** Storage XHTML of the current (or a given) revision; rendered from ADF when none was stored. */
  storageOf(c: Content, rev?: Revision): string {
    if (rev) return rev.storage ?? toStorage(rev.adf);
    if (c.storageOverride === undefined) c.storageOverride = toStorage(c.adf);
    return c.storageOverride;
  }

  /** Ids of direct children in position order (all types, unfiltered). */
  childIds(parentId: string): string[] {
    return this.kids.get(parentId) ?? [];
  }

  /** Ancestors of a content item, top (root) first. */
  ancestorIds(id: string): string[] {
    const out: string[] = [];
    let cur = this.contents.get(id)?.parentId ?? null;
    while (cur) {
      out.unshift(cur);
      cur = this.contents.get(cur)?.parentId ?? null;
    }
    return out;
  }

  /**
   * View restrictions inherit down the tree in Confluence: a user sees an item only if they pass
   * the restriction of the item and of every ancestor. The app identity sees everything.
   */
  /** Space view permission: Confluence hides a space, and all in it, from whoever may not view it. */
  canSeeSpace(p: Principal, spaceId: string): boolean {
    const viewers = this.spaces.get(spaceId)?.viewers;
    return p.kind === 'app' || !viewers || viewers.includes(p.accountId);
  }

  canSee(p: Principal, contentId: string): boolean {
    const c = this.contents.get(contentId);
    if (!c) return false;
    if (p.kind === 'app') return true;
    if (!this.canSeeSpace(p, c.spaceId)) return false;
    for (let cur: Content | undefined = c; cur; cur = cur.parentId ? this.contents.get(cur.parentId) : undefined) {
      if (cur.restrictedTo && !cur.restrictedTo.includes(p.accountId)) return false;
    }
    return true;
  }

  /** Edit restrictions do not inherit in Confluence; a user edits what they see unless restricted. */
  canEdit(p: Principal, contentId: string): boolean {
    if (!this.canSee(p, contentId)) return false;
    if (p.kind === 'app') return true;
    const editors = this.contents.get(contentId)?.editableBy;
    return !editors || editors.includes(p.accountId);
  }

  restrictEdit(contentId: string, accountIds: string[] | null): void {
    this.mustContent(contentId).editableBy = accountIds ? [...accountIds] : null;
  }

  /** Sets the view restriction; Confluence sends `permissions_updated` (stamped with the site's clock, which only writes move). */
  restrict(contentId: string, accountIds: string[] | null, byAccountId?: string): void {
    const c = this.mustContent(contentId);
    c.restrictedTo = accountIds ? [...accountIds] : null;
    this.emit({ kind: 'permissions_updated', id: contentId, ...(byAccountId ? { by: byAccountId } : {}) });
  }

  /**
   * Trashes a page (status `trashed`, as markfluence folders.md saw: 200 with that status) or
   * restores it; each sends its event.
   */
  setTrashed(id: string, trashed: boolean, byAccountId?: string): void {
    this.mustContent(id).status = trashed ? 'trashed' : 'current';
    this.emit({ kind: trashed ? 'trashed' : 'restored', id, ...(byAccountId ? { by: byAccountId } : {}) });
  }

  /**
   * Moves a page (with its subtree) to the end of `parentId`'s children, as v1
   * `PUT /wiki/rest/api/content/{pageId}/move/append/{targetId}` does (confluence-openapi v1.json).
   * ASSUMED: a move writes no new version and leaves the last-modified date alone (the spec says
   * nothing about versions; Confluence's page history shows no entry for a move), so neither the
   * version nor a `lastmodified` search sees it.
   */
  movePage(id: string, parentId: string, byAccountId?: string): void {
    const c = this.mustContent(id);
    if (id === parentId || this.ancestorIds(parentId).includes(id)) throw new Error(`cannot move ${id} under itself`);
    const before = { parentId: c.parentId, spaceId: c.spaceId };
    if (c.parentId) this.kids.set(c.parentId, this.childIds(c.parentId).filter((k) => k !== id));
    const siblings = [...this.childIds(parentId), id];
    this.kids.set(parentId, siblings);
    c.parentId = parentId;
    c.childPosition = siblings.length - 1;
    c.spaceId = this.mustContent(parentId).spaceId;
    this.emit({ kind: 'moved', id, before, ...(byAccountId ? { by: byAccountId } : {}) });
  }

  /**
   * Deletes a page for good (as purging it from the trash does); its children move up to its parent
   * (ASSUMED: what the Cloud editor does when only the page, not its children, is deleted).
   */
  deletePage(id: string, byAccountId?: string): void {
    const c = this.mustContent(id);
    this.emit({ kind: 'deleted', id, ...(byAccountId ? { by: byAccountId } : {}) });
    // "Cascading deletion events aren't emitted" (Forge events reference): the children's moves are silent.
    this.quiet++;
    try {
      for (const k of [...this.childIds(id)]) if (c.parentId) this.movePage(k, c.parentId);
    } finally {
      this.quiet--;
    }
    if (c.parentId) this.kids.set(c.parentId, this.childIds(c.parentId).filter((k) => k !== id));
    this.kids.delete(id);
    this.contents.delete(id);
  }

  /** Replaces title and/or body and stores a new version. Returns the new version number. */
  updatePage(id: string, change: { title?: string; adf?: AdfDoc; storage?: string; message?: string; minorEdit?: boolean }, byAccountId: string): number {
    const c = this.mustContent(id);
    const version: VersionInfo = {
      number: c.version.number + 1, createdAt: this.tick(), authorId: byAccountId,
      message: change.message ?? '', minorEdit: change.minorEdit ?? false,
    };
    if (change.title !== undefined) c.title = change.title;
    if (change.adf !== undefined) {
      c.adf = change.adf;
      delete c.storageOverride; // re-rendered from the new ADF unless storage is given too
    }
    if (change.storage !== undefined) c.storageOverride = change.storage;
    c.version = version;
    c.history.push({ version, title: c.title, adf: c.adf, ...(c.storageOverride !== undefined ? { storage: c.storageOverride } : {}) });
    if (!c.collaborators.includes(byAccountId)) c.collaborators.push(byAccountId);
    return version.number;
  }

  addAttachment(n: NewAttachment): Attachment {
    const id = n.id ?? `att${this.nextId()}`;
    const createdAt = n.createdAt ?? this.tick();
    const version: VersionInfo = { number: 1, createdAt, authorId: n.authorId, message: n.comment ?? '', minorEdit: false };
    const a: Attachment = {
      id, fileId: fileIdFor(id), title: n.title, mediaType: n.mediaType, pageId: n.pageId, createdAt,
      bytes: n.bytes, version, comment: n.comment ?? '', history: [{ version, bytes: n.bytes, comment: n.comment ?? '' }], labels: [],
    };
    this.attachments.set(id, a);
    return a;
  }

  /** A new version of an existing attachment (same file name re-uploaded). */
  updateAttachment(id: string, bytes: Uint8Array, byAccountId: string, opts: { comment?: string; minorEdit?: boolean; mediaType?: string } = {}): Attachment {
    const a = this.attachments.get(id);
    if (!a) throw new Error(`no attachment ${id}`);
    const version: VersionInfo = {
      number: a.version.number + 1, createdAt: this.tick(), authorId: byAccountId,
      message: opts.comment ?? '', minorEdit: opts.minorEdit ?? false,
    };
    a.bytes = bytes;
    a.version = version;
    a.comment = opts.comment ?? '';
    if (opts.mediaType) a.mediaType = opts.mediaType;
    a.history.push({ version, bytes, comment: a.comment });
    return a;
  }

  attachmentsOf(pageId: string): Attachment[] {
    return [...this.attachments.values()].filter((a) => a.pageId === pageId);
  }

  addComment(n: NewComment): Comment {
    const id = n.id ?? this.nextId();
    const created = n.created ?? this.tick();
    const c: Comment = {
      id, kind: n.kind, pageId: n.pageId, parentCommentId: n.parentCommentId ?? null, authorId: n.authorId, created,
      version: { number: 1, createdAt: created, authorId: n.authorId, message: '', minorEdit: false },
      adf: n.adf, storage: toStorage(n.adf),
      ...(n.kind === 'inline' ? {
        markerRef: n.markerRef ?? `marker-${id}`, originalSelection: n.originalSelection ?? '',
        resolutionStatus: n.resolutionStatus ?? 'open',
      } : {}),
      ...(n.resolvedBy ? { resolvedBy: n.resolvedBy } : {}),
      ...(n.resolvedAt ? { resolvedAt: n.resolvedAt } : {}),
    };
    this.comments.set(id, c);
    return c;
  }

  comment(id: string): Comment | undefined {
    return this.comments.get(id);
  }

  commentsOf(pageId: string, kind: CommentKind): Comment[] {
    return [...this.comments.values()].filter((c) => c.pageId === pageId && c.kind === kind);
  }

  replies(commentId: string): Comment[] {
    return [...this.comments.values()].filter((c) => c.parentCommentId === commentId);
  }

  addProperty(contentId: string, key: string, value: unknown, byAccountId: string): ContentPropertyRecord {
    const c = this.mustContent(contentId);
    const p: ContentPropertyRecord = {
      id: this.nextId(), key, value,
      version: { number: 1, createdAt: this.tick(0), authorId: byAccountId, message: '', minorEdit: false },
    };
    c.properties.push(p);
    return p;
  }

  /**
   * Moves the site to a new base URL: rewrites links and cards that point into the site (ADF
   * `href`/`url` attributes and stored XHTML), as if the site had always lived there.
   */
  rebase(url: string): void {
    const from = this.baseUrl;
    if (url === from) return;
    const seen = new Set<object>();
    const fix = (n: AdfNode | AdfDoc): void => {
      if (seen.has(n)) return;
      seen.add(n);
      const own = 'attrs' in n ? n.attrs : undefined;
      const fromMarks = 'marks' in n && n.marks ? n.marks.map((m) => m.attrs) : [];
      for (const holder of [own, ...fromMarks]) {
        if (!holder) continue;
        for (const k of ['href', 'url']) {
          const v = holder[k];
          if (typeof v === 'string' && v.startsWith(from)) holder[k] = url + v.slice(from.length);
        }
      }
      for (const c of n.content ?? []) fix(c);
    };
    for (const c of this.contents.values()) {
      fix(c.adf);
      if (c.storageOverride !== undefined) c.storageOverride = c.storageOverride.split(from).join(url);
      for (const r of c.history) {
        fix(r.adf);
        if (r.storage !== undefined) r.storage = r.storage.split(from).join(url);
      }
    }
    for (const cm of this.comments.values()) {
      fix(cm.adf);
      cm.storage = cm.storage.split(from).join(url);
    }
    this.baseUrl = url;
  }

  private mustContent(id: string): Content {
    const c = this.contents.get(id);
    if (!c) throw new Error(`no content ${id}`);
    return c;
  }
}

/** Media file ids are UUIDs on real sites; derive one from the attachment id so it is stable. */
export function fileIdFor(attachmentId: string): string {
  const digits = attachmentId.replace(/\D/g, '').padStart(12, '0').slice(-12);
  return `5e1f0c2a-7b3d-4c8e-9a01-${digits}`;
}
