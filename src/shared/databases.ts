/**
 * Contracts of the database capability (`databases/list`, `databases/inspect`, `databases/export`).
 * Contracts only: no @forge imports, the frontend bundle imports this file too.
 */

/** Someone named by an account id, with the display name resolved (or a stand-in when it could not be). */
export interface Person {
  accountId: string;
  displayName: string;
  /** False when Confluence did not return this account (deleted user, or the name lookup failed). */
  known: boolean;
}

/** Why one part of an inspection is missing. The rest of the inspection still stands. */
export interface SectionError {
  code: string;
  message: string;
  hint?: string;
  /** HTTP status from Confluence, when the failure came from there. */
  status?: number;
}

/** One independently fetched part of an inspection: its data, or why it is missing. */
export type Section<T> = { ok: true; data: T } | { ok: false; error: SectionError };

/** A list cut to a size the panel can show, saying how much was left out. */
export interface Bounded<T> {
  items: T[];
  /** Items counted (shown + left out). */
  total: number;
  /** Items counted but not returned. */
  more: number;
  /** False when counting stopped at a safety cap, so `more` is a lower bound. */
  complete: boolean;
  note?: string;
}

// ---- databases/list ----

export type DatabaseListPayload = Record<string, never>;

export interface DatabaseSummary {
  id: string;
  title: string;
  status?: string;
  /** Depth under the current page (1 = direct child). */
  depth: number;
  parentId?: string;
  owner?: Person;
  createdAt?: string;
  url?: string;
  /** Set when the listing showed the database but its details could not be read. */
  error?: SectionError;
}

export interface DatabaseList {
  rootId: string;
  rootType: 'page' | 'blogpost';
  databases: DatabaseSummary[];
  /** Databases found but not detailed (over the cap). */
  more: number;
  /** Items of the tree looked at. */
  scanned: number;
  /** True when the scan stopped at its cap, so databases deeper in a very large tree may be missing. */
  partial: boolean;
  note?: string;
}

// ---- databases/inspect ----

export interface DatabaseInspectPayload {
  /** A database URL (…/wiki/spaces/KEY/database/123) or a numeric id. */
  database: string;
}

export interface Crumb {
  id: string;
  type: string;
  /** Absent when the app cannot read this kind of item's title (folders, whiteboards, embeds). */
  title?: string;
  url?: string;
}

export interface HierarchyItem {
  id: string;
  type?: string;
  title?: string;
  status?: string;
  parentId?: string;
  /** Relative to the database (1 = direct child). */
  depth?: number;
}

export interface PropertyView {
  id?: string;
  key: string;
  /** The value as indented JSON. */
  json: string;
  /** True when `json` was cut to keep the answer within the invoke size limit. */
  truncated: boolean;
  version?: number;
  updatedAt?: string;
  updatedBy?: Person;
}

export interface OperationView {
  operation: string;
  targetType?: string;
}

export interface ClassificationView {
  id?: string;
  name?: string;
  status?: string;
  order?: number;
  description?: string;
  guideline?: string;
  color?: string;
}

/** What one row path answered, verbatim. */
export interface RowProbe {
  path: string;
  /** 0 when no HTTP answer came back (network failure). */
  status: number;
  /** The `x-failure-category` header, verbatim (e.g. FAILURE_CLIENT_SCOPE_CHECK). */
  failureCategory: string | null;
  message: string;
}

export interface RowDiagnostics {
  /** Always false: the app never reads rows, and never claims to. */
  rowsRead: false;
  probes: RowProbe[];
  /** One line on what the probes found. */
  summary: string;
  explanation: string;
  whatToDo: string;
  /** Set when the probes themselves could not run; the inspection still stands. */
  error?: SectionError;
}

export interface SpaceView {
  id: string;
  key?: string;
  name?: string;
  url?: string;
}

export interface DatabaseInspection {
  id: string;
  title: string;
  type: string;
  status?: string;
  url?: string;
  spaceId?: string;
  parent?: { id: string; type?: string };
  position?: number;
  createdAt?: string;
  version?: { number?: number; createdAt?: string; message?: string; by?: Person };
  owner?: Person;
  author?: Person;
  space: Section<SpaceView>;
  collaborators: Section<Bounded<Person>>;
  /** Space root first, the database's parent last. */
  breadcrumb: Section<Crumb[]>;
  children: Section<Bounded<HierarchyItem>>;
  descendants: Section<Bounded<HierarchyItem>>;
  properties: Section<Bounded<PropertyView>>;
  operations: Section<OperationView[]>;
  /** `data: null` when the database has no classification level. */
  classification: Section<ClassificationView | null>;
  rows: RowDiagnostics;
  /** Set when display names could not be looked up (account ids are shown instead). */
  namesError?: SectionError;
  inspectedAt: string;
}

// ---- databases/export ----

export type DatabaseExportFormat = 'json' | 'md';

export interface DatabaseExportPayload {
  database: string;
  format: DatabaseExportFormat;
}

export interface DatabaseExport {
  format: DatabaseExportFormat;
  fileName: string;
  mediaType: string;
  content: string;
}

/** Error codes the database resolvers return besides the shared ones. */
export const DATABASE_ERRORS = {
  invalidRef: 'INVALID_DATABASE_REF',
  notADatabase: 'NOT_A_DATABASE',
  notFound: 'DATABASE_NOT_FOUND',
  deleted: 'DATABASE_DELETED',
  otherSite: 'OTHER_SITE',
  rateLimited: 'RATE_LIMITED',
} as const;
