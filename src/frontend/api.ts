/**
 * One typed wrapper per resolver key. `@forge/bridge`'s `invoke` is typed loosely, so this is the one
 * place that knows the envelope: it returns `data`, or throws an `ApiFailure` carrying the
 * resolver's code, message and hint for the panel to show.
 */
import { invoke } from '@forge/bridge';
import type { ApiKey, PayloadOf, ResultOf } from '../shared/api';
import type { ApiError, Envelope } from '../shared/envelope';

export class ApiFailure extends Error {
  readonly error: ApiError;
  constructor(error: ApiError) {
    super(error.message);
    this.name = 'ApiFailure';
    this.error = error;
  }
}

/**
 * True when the bridge rejected because the function threw Forge's NeedsAuthenticationError: the
 * user has not allowed the app to act for them yet. Resolvers let that error escape on purpose
 * (src/confluence/errors.ts passConsent), because Forge shows its "Allow access" prompt only then
 * (PLATFORM-FACTS "Consent"). What reaches the panel is the error as the host passes it on: its
 * name `NEEDS_AUTHENTICATION_ERR` and message "Authentication Required" (@forge/api
 * out/api/errors.js; the test host, sandbox/forge/host.ts, rethrows it as is), or the preview's
 * `consentRequired` flag (sandbox/preview/server.ts answers 401 {consentRequired}).
 */
export function isConsentError(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const err = e as { name?: unknown; message?: unknown; consentRequired?: unknown; code?: unknown };
  if (err.consentRequired === true) return true;
  const said = [err.name, err.code, err.message].filter((v): v is string => typeof v === 'string').join(' ');
  return /NEEDS_AUTHENTICATION|NeedsAuthenticationError|Authentication Required/i.test(said);
}

/** What the panel says while the user has not allowed access: Forge's own prompt does the rest. */
export const CONSENT_ERROR: ApiError = {
  code: 'CONSENT',
  message: 'Content Toolkit needs your permission to read Confluence for you. Nothing is wrong with your connection.',
  hint: 'Choose "Allow access" in the prompt Confluence shows for this app, then try again.',
};

/** Turns anything thrown on the way (bridge failure, bad answer) into the envelope's error shape. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiFailure) return e.error;
  if (isConsentError(e)) return CONSENT_ERROR;
  return {
    code: 'NETWORK',
    message: 'The app could not be reached.',
    hint: 'Check your connection and try again.',
  };
}

function isEnvelope(value: unknown): value is Envelope<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean';
}

async function call<K extends ApiKey>(key: K, payload: PayloadOf<K>): Promise<ResultOf<K>> {
  const answer: unknown = await invoke(key, payload as Record<string, unknown>);
  if (!isEnvelope(answer)) {
    throw new ApiFailure({ code: 'BAD_RESPONSE', message: `The app gave an unexpected answer to ${key}.`, hint: 'Try again.' });
  }
  if (!answer.ok) throw new ApiFailure(answer.error);
  return answer.data as ResultOf<K>;
}

/** The panel's whole backend, one function per resolver key. */
export const api = {
  pageInfo: () => call('page/info', {}),
  exportPage: (p: PayloadOf<'export/page'>) => call('export/page', p),
  exportAttach: (p: PayloadOf<'export/attach'>) => call('export/attach', p),
  treeStart: (p: PayloadOf<'export/tree/start'>) => call('export/tree/start', p),
  spaceStart: (p: PayloadOf<'export/space/start'>) => call('export/space/start', p),
  exportSpaces: (p: PayloadOf<'export/spaces'>) => call('export/spaces', p),
  exportJobs: () => call('export/jobs', {}),
  treeStatus: (p: PayloadOf<'export/tree/status'>) => call('export/tree/status', p),
  treeChanges: (p: PayloadOf<'export/tree/changes'>) => call('export/tree/changes', p),
  treeCancel: (p: PayloadOf<'export/tree/cancel'>) => call('export/tree/cancel', p),
  treeDismiss: (p: PayloadOf<'export/tree/dismiss'>) => call('export/tree/dismiss', p),
  treeDownload: (p: PayloadOf<'export/tree/download'>) => call('export/tree/download', p),
  commentsList: (p: PayloadOf<'comments/list'>) => call('comments/list', p),
  commentsExport: (p: PayloadOf<'comments/export'>) => call('comments/export', p),
  databasesList: () => call('databases/list', {}),
  databasesInspect: (p: PayloadOf<'databases/inspect'>) => call('databases/inspect', p),
  databasesExport: (p: PayloadOf<'databases/export'>) => call('databases/export', p),
  activityList: (p: PayloadOf<'activity/list'>) => call('activity/list', p),
  autoexportGet: () => call('autoexport/get', {}),
  autoexportSet: (p: PayloadOf<'autoexport/set'>) => call('autoexport/set', p),
};

export type PanelApi = typeof api;
