/**
 * Confluence REST types, named and shaped after the schemas in the official OpenAPI specs
 * (../shared/confluence-openapi/v2.json `components.schemas`). Only the fields the app reads are
 * listed; everything is optional where the spec does not mark it required.
 */

export type BodyFormat = 'storage' | 'atlas_doc_format' | 'view' | 'export_view' | 'anonymous_export_view' | 'styled_view' | 'editor';
/** Bulk list endpoints only take these two. */
export type BulkBodyFormat = 'storage' | 'atlas_doc_format';
export type ContentType = 'page' | 'blogpost';

export interface BodyType {
  representation?: string;
  value?: string;
}

export interface Body {
  storage?: BodyType;
  atlas_doc_format?: BodyType;
  view?: BodyType;
  export_view?: BodyType;
  styled_view?: BodyType;
  anonymous_export_view?: BodyType;
  editor?: BodyType;
}

/** `Version` */
export interface Version {
  createdAt?: string;
  message?: string;
  number?: number;
  minorEdit?: boolean;
  authorId?: string;
}

export interface Links {
  webui?: string;
  editui?: string;
  tinyui?: string;
  base?: string;
  next?: string;
  download?: string;
}

/** `Label` */
export interface Label {
  id?: string;
  name?: string;
  prefix?: string;
}

export interface OptionalList<T> {
  results?: T[];
  meta?: { hasMore?: boolean; cursor?: string };
  _links?: Links;
}

/** `Operation` in `PermittedOperationsResponse` */
export interface Operation {
  operation?: string;
  targetType?: string;
}

/** `PageSingle` / `PageBulk` / `BlogPostSingle` merged: the fields the app reads. */
export interface Page {
  id: string;
  status?: string;
  title?: string;
  spaceId?: string;
  /** null on a space's root pages and on trashed pages (real-responses/v2/pages-list.root-page-item…). */
  parentId?: string | null;
  parentType?: string | null;
  /** null on trashed pages (markfluence docs/confluence/folders.md). */
  position?: number | null;
  authorId?: string;
  ownerId?: string | null;
  createdAt?: string;
  version?: Version;
  body?: Body;
  labels?: OptionalList<Label>;
  properties?: OptionalList<ContentProperty>;
  operations?: OptionalList<Operation>;
  versions?: OptionalList<Version>;
  _links?: Links;
}

/** `DescendantsResponse` */
export interface Descendant {
  id: string;
  status?: string;
  title?: string;
  type?: string;
  parentId?: string | null;
  depth?: number;
  childPosition?: number;
}

/** `ChildrenResponse` */
export interface Child {
  id: string;
  status?: string;
  title?: string;
  type?: string;
  /** Absent on live `direct-children` rows (markfluence docs/confluence/folders.md). */
  spaceId?: string;
  childPosition?: number;
}

/** `Ancestor` */
export interface Ancestor {
  id: string;
  type?: string;
}

/** `AttachmentBulk` */
export interface Attachment {
  id: string;
  status?: string;
  title?: string;
  createdAt?: string;
  pageId?: string;
  blogPostId?: string;
  mediaType?: string;
  comment?: string;
  fileId?: string;
  fileSize?: number;
  webuiLink?: string;
  downloadLink?: string;
  version?: Version;
  _links?: Links;
}

export type ResolutionStatus = 'open' | 'reopened' | 'resolved' | 'dangling';

/** `FooterCommentModel` / `PageCommentModel` / `ChildrenCommentModel` */
export interface FooterComment {
  id: string;
  status?: string;
  title?: string;
  pageId?: string;
  blogPostId?: string;
  parentCommentId?: string;
  version?: Version;
  body?: Body;
  _links?: Links;
}

/** `InlineCommentModel` / `InlineCommentChildrenModel` */
export interface InlineComment extends FooterComment {
  resolutionStatus?: ResolutionStatus;
  resolutionLastModifierId?: string;
  resolutionLastModifiedAt?: string;
  properties?: { inlineMarkerRef?: string; inlineOriginalSelection?: string };
}

/** `DatabaseSingle`, with the include-* lists */
export interface Database {
  id: string;
  type?: string;
  status?: string;
  title?: string;
  parentId?: string | null;
  parentType?: string | null;
  position?: number | null;
  authorId?: string;
  ownerId?: string | null;
  /** ISO 8601, except a folder's: epoch milliseconds (go-atlassian #447/#448, md2conf PR #290). */
  createdAt?: string | number;
  spaceId?: string;
  version?: Version;
  collaborators?: OptionalList<{ accountId?: string }>;
  directChildren?: OptionalList<Child>;
  operations?: OptionalList<Operation>;
  properties?: OptionalList<ContentProperty>;
  _links?: Links;
}

/** `ContentProperty` */
export interface ContentProperty {
  id?: string;
  key?: string;
  value?: unknown;
  version?: Version;
}

/** `ClassificationLevel` */
export interface ClassificationLevel {
  id?: string;
  status?: string;
  order?: number;
  name?: string;
  description?: string;
  guideline?: string;
  color?: string;
}

/** `User` */
export interface User {
  accountId?: string;
  displayName?: string;
  publicName?: string;
  email?: string;
  accountType?: string;
  accountStatus?: string;
}

/** `SpaceBulk` */
export interface Space {
  id: string;
  key?: string;
  name?: string;
  homepageId?: string;
  _links?: Links;
}

/** v1 `SearchResult` (the fields the app reads) */
export interface SearchResult {
  content?: { id?: string; type?: string; title?: string; status?: string };
  /**
   * On the wire HTML-escaped with `@@@hl@@@…@@@endhl@@@` highlight markup (real-responses/v1/
   * search-cql.schrodinger.json); the client's `search()` yields it plain.
   */
  title?: string;
  excerpt?: string;
  url?: string;
  lastModified?: string;
}

/** Every v2 list: `MultiEntityResult<T>` */
export interface MultiEntityResult<T> {
  results?: T[];
  _links?: Links;
}

/** v1 `restriction/byOperation/read`: the fields the app reads. */
export interface RestrictionBody {
  operation?: string;
  restrictions?: {
    user?: { results?: Array<{ accountId?: string }>; size?: number; totalSize?: number; _links?: { next?: string } };
    group?: { results?: Array<{ id?: string; name?: string }>; size?: number };
  };
}

/** An item's own read restriction. Empty lists: the item itself is not restricted. */
export interface ReadRestriction {
  accountIds: string[];
  groupIds: string[];
  /** False when Confluence listed only part of the names (the app then assumes the worst). */
  complete: boolean;
}
