/**
 * Auto-export: a per-page setting, and the job that keeps an exported copy attached to the page.
 * The job is idempotent per page version: the last version written is kept in KVS, and a job for a
 * version at or below it does nothing, so repeated deliveries, retries and the app's own upload
 * events never add attachment versions.
 */
import type { AutoExportSetting, AutoExportView } from '../shared/activity';
import type { ExportOptions } from '../shared/export';
import type { KeyValue } from '../storage/kv';
import { recordExport } from './freshness';
import { appendEntry } from './log';

export const DEFAULT_SETTING: AutoExportSetting = { enabled: false, format: 'md', frontMatter: true, comments: false };

export interface AutoExportState {
  /** Page version of the copy attached now. */
  lastVersion?: number;
  lastAt?: string;
  fileName?: string;
  attachmentId?: string;
  /** Set when the most recent run failed; cleared by the next success. */
  lastError?: string;
  /** Pieces left out of the copy because not every viewer of the page may read them. */
  withheld?: number;
}

/** The queue message. `version` is absent when the user just enabled auto-export. */
export interface AutoExportJob {
  contentId: string;
  version?: number;
  reason: 'updated' | 'enabled';
}

export const settingKey = (contentId: string): string => `autoexport:${contentId}`;
export const stateKey = (contentId: string): string => `autoexport-state:${contentId}`;

export async function readSetting(kv: KeyValue, contentId: string): Promise<AutoExportSetting> {
  return { ...DEFAULT_SETTING, ...((await kv.get<AutoExportSetting>(settingKey(contentId))) ?? {}) };
}

export async function writeSetting(kv: KeyValue, contentId: string, setting: AutoExportSetting): Promise<void> {
  const { enabled, format, frontMatter, comments } = setting;
  await kv.set(settingKey(contentId), { enabled, format, frontMatter, comments });
}

export async function readState(kv: KeyValue, contentId: string): Promise<AutoExportState> {
  return (await kv.get<AutoExportState>(stateKey(contentId))) ?? {};
}

export function viewOf(setting: AutoExportSetting, state: AutoExportState, canEdit: boolean): AutoExportView {
  return {
    setting,
    canEdit,
    ...(state.lastVersion !== undefined ? { lastVersion: state.lastVersion } : {}),
    ...(state.lastAt ? { lastAt: state.lastAt } : {}),
    ...(state.fileName ? { lastFileName: state.fileName } : {}),
    ...(state.lastError ? { lastError: state.lastError } : {}),
    ...(state.withheld ? { withheld: state.withheld } : {}),
  };
}

/** Should an update to `version` queue a job? Cheap checks the trigger makes before pushing. */
export async function wantsExport(kv: KeyValue, contentId: string, version: number): Promise<boolean> {
  const setting = await readSetting(kv, contentId);
  if (!setting.enabled) return false;
  const state = await readState(kv, contentId);
  // No version change (e.g. the event of the app's own upload): nothing new to export.
  return state.lastVersion === undefined || version > state.lastVersion;
}

/** What the export service returns (the fields the job uses). */
export interface ExportedFile {
  text: string;
  fileName: string;
  mediaType: string;
  version: number;
  /** The fidelity report; `withheld` entries count what was left out for the page's viewers. */
  report?: ReadonlyArray<{ kind: string }>;
}


export interface RunDeps {
  kv: KeyValue;
  /** Exports the page as the app, keeping out what not every viewer of the page may read. */
  exportPage(ref: { id: string; type: 'page' }, options: ExportOptions): Promise<ExportedFile>;
  /** Creates the attachment or a new version of the same-named one. */
  upload(contentId: string, file: { name: string; bytes: Uint8Array; mediaType: string; comment: string; minorEdit: boolean }): Promise<{ id: string }>;
  now(): string;
}

export type RunOutcome =
  | { status: 'skipped'; reason: 'disabled' | 'up-to-date' }
  | { status: 'exported'; version: number; fileName: string; attachmentId: string };

export async function runAutoExport(deps: RunDeps, job: AutoExportJob): Promise<RunOutcome> {
  const { kv } = deps;
  const setting = await readSetting(kv, job.contentId);
  if (!setting.enabled) return { status: 'skipped', reason: 'disabled' };
  const before = await readState(kv, job.contentId);
  if (job.version !== undefined && before.lastVersion !== undefined && job.version <= before.lastVersion) {
    return { status: 'skipped', reason: 'up-to-date' };
  }

  const file = await deps.exportPage(
    { id: job.contentId, type: 'page' },
    { format: setting.format, frontMatter: setting.frontMatter, comments: setting.comments, anchors: setting.comments, attachments: false },
  );
  // The page may have moved on since the job was queued; what counts is the version exported.
  // Re-read: another job for the same page may have written that version meanwhile.
  const latest = await readState(kv, job.contentId);
  if (latest.lastVersion !== undefined && file.version <= latest.lastVersion) return { status: 'skipped', reason: 'up-to-date' };

  const attachment = await deps.upload(job.contentId, {
    name: file.fileName,
    bytes: new TextEncoder().encode(file.text),
    mediaType: file.mediaType,
    comment: `Auto-export of page version ${file.version}`,
    // Minor: watchers are not notified of every copy.
    minorEdit: true,
  });
  const at = deps.now();
  const withheld = (file.report ?? []).filter((e) => e.kind === 'withheld').length;
  const state: AutoExportState = { lastVersion: file.version, lastAt: at, fileName: file.fileName, attachmentId: attachment.id, ...(withheld ? { withheld } : {}) };
  await kv.set(stateKey(job.contentId), state);
  await recordExport(kv, job.contentId, { version: file.version, format: setting.format, at, kind: 'attachment' });
  await appendEntry(kv, job.contentId, {
    type: 'app:autoexport',
    key: `app:autoexport:${job.contentId}:${file.version}`,
    at,
    version: file.version,
    detail: file.fileName,
  });
  return { status: 'exported', version: file.version, fileName: file.fileName, attachmentId: attachment.id };
}

/** Records a failed run in the state (for the settings view) and in the activity log. */
export async function recordFailure(kv: KeyValue, job: AutoExportJob, code: string, at: string): Promise<void> {
  const state = await readState(kv, job.contentId);
  await kv.set(stateKey(job.contentId), { ...state, lastError: code });
  await appendEntry(kv, job.contentId, {
    type: 'app:autoexport-failed',
    key: `app:autoexport-failed:${job.contentId}:${job.version ?? 'enabled'}:${at}`,
    at,
    ...(job.version !== undefined ? { version: job.version } : {}),
    detail: code,
  });
}

/** The queue message, checked: consumers must not trust a body blindly either. */
export function parseJob(body: unknown): AutoExportJob | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  if (typeof b.contentId !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(b.contentId)) return undefined;
  if (b.reason !== 'updated' && b.reason !== 'enabled') return undefined;
  if (b.version !== undefined && !(Number.isInteger(b.version) && (b.version as number) > 0)) return undefined;
  return { contentId: b.contentId, reason: b.reason, ...(b.version !== undefined ? { version: b.version as number } : {}) };
}
