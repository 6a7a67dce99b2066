/**
 * Every resolver key the panel calls, with its payload and result types: the one map the frontend's
 * typed `invoke` wrappers are built from. Contracts only (no @forge imports): the per-capability
 * files next to this one own the types; this file only names which key takes and returns what.
 */
import type {
  ActivityList,
  ActivityListPayload,
  AutoExportSetting,
  AutoExportView,
} from './activity';
import type { CommentsExport, CommentsExportPayload, CommentsListPayload, CommentsResult } from './comments';
import type {
  DatabaseExport,
  DatabaseExportPayload,
  DatabaseInspection,
  DatabaseInspectPayload,
  DatabaseList,
  DatabaseListPayload,
} from './databases';
import type {
  ExportAttachPayload,
  ExportAttachResult,
  ExportJobs,
  ExportPagePayload,
  ExportPageResult,
  SpaceExportPayload,
  SpaceList,
  SpaceListPayload,
  TreeDownloadPayload,
  TreeDownloadResult,
  TreeExportPayload,
  TreeChanges,
  TreeChangesPayload,
  TreeJobPayload,
  TreeStartResult,
  TreeStatus,
} from './export';
import type { PageInfo, PageInfoPayload } from './page';

interface Call<P, R> {
  payload: P;
  result: R;
}

export interface Api {
  'page/info': Call<PageInfoPayload, PageInfo>;
  'export/page': Call<ExportPagePayload, ExportPageResult>;
  'export/attach': Call<ExportAttachPayload, ExportAttachResult>;
  'export/tree/start': Call<TreeExportPayload, TreeStartResult>;
  'export/space/start': Call<SpaceExportPayload, TreeStartResult>;
  /** The spaces the caller can see, to choose one to export (the global page). */
  'export/spaces': Call<SpaceListPayload, SpaceList>;
  /** The caller's own tree and space exports, newest first ("Your exports"). */
  'export/jobs': Call<Record<string, never>, ExportJobs>;
  'export/tree/status': Call<TreeJobPayload, TreeStatus>;
  'export/tree/cancel': Call<TreeJobPayload, TreeStatus>;
  /** A finished export's zip stops counting against the caller's storage (deleted, or kept only as the next export's base). */
  'export/tree/dismiss': Call<TreeJobPayload, { dismissed: true }>;
  'export/tree/download': Call<TreeDownloadPayload, TreeDownloadResult>;
  'export/tree/changes': Call<TreeChangesPayload, TreeChanges>;
  'comments/list': Call<CommentsListPayload, CommentsResult>;
  'comments/export': Call<CommentsExportPayload, CommentsExport>;
  'databases/list': Call<DatabaseListPayload, DatabaseList>;
  'databases/inspect': Call<DatabaseInspectPayload, DatabaseInspection>;
  'databases/export': Call<DatabaseExportPayload, DatabaseExport>;
  'activity/list': Call<ActivityListPayload, ActivityList>;
  'autoexport/get': Call<Record<string, never>, AutoExportView>;
  'autoexport/set': Call<AutoExportSetting, AutoExportView>;
}

export type ApiKey = keyof Api;
export type PayloadOf<K extends ApiKey> = Api[K]['payload'];
export type ResultOf<K extends ApiKey> = Api[K]['result'];

/** Every key, at run time (for `npm run invoke -- --help` and the wiring test). */
export const API_KEYS = [
  'page/info',
  'export/page',
  'export/attach',
  'export/tree/start',
  'export/space/start',
  'export/spaces',
  'export/jobs',
  'export/tree/status',
  'export/tree/cancel',
  'export/tree/dismiss',
  'export/tree/download',
  'export/tree/changes',
  'comments/list',
  'comments/export',
  'databases/list',
  'databases/inspect',
  'databases/export',
  'activity/list',
  'autoexport/get',
  'autoexport/set',
] as const satisfies readonly ApiKey[];

// Fails to compile when a key is added to Api but not to API_KEYS.
type MissingKeys = Exclude<ApiKey, (typeof API_KEYS)[number]>;
const allKeysListed: MissingKeys extends never ? true : MissingKeys = true;
void allKeysListed;
