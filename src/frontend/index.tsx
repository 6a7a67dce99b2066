/**
 * The panel: owns the state (a pure reducer, ./state.ts) and every `invoke` (./api.ts); the views
 * only draw. Each tab loads once, when first opened; buttons are disabled while their request runs.
 */
import React, { useCallback, useEffect, useReducer, useRef } from 'react';
import ForgeReconciler, { Heading, Stack, Tab, TabList, TabPanel, Tabs, Text, useProductContext } from '@forge/react';
import { showFlag } from '@forge/bridge';
import type { AutoExportSetting } from '../shared/activity';
import type { ExportFormat, ExportPreset, TreeDownloadResult } from '../shared/export';
import { api, toApiError } from './api';
import { commentsPayload, freshnessLine, initialState, jobRunning, modeFor, otherJobs, reducer, tabsFor, type Action, type Slot, type SlotData, type State } from './state';
import { ActivityTab } from './views/ActivityTab';
import { CommentsTab } from './views/CommentsTab';
import { DatabasesTab } from './views/DatabasesTab';
import { ExportTab, JobsList, SpaceExport } from './views/ExportTab';
import { Loading } from './views/common';
import { Header } from './views/Header';

/** How often "Your exports" is read again while one of its exports runs. */
export const JOBS_POLL_MS = 3000;

/** Tree-export polling: quick first looks (small trees finish fast), then back off to every 3 s. */
export function pollDelay(attempt: number): number {
  return Math.min(3000, 250 * 2 ** attempt);
}

/** Every slice of a private tree zip, decoded (`export/tree/download` answers under 5 MB each). */
async function treeSlices(jobId: string): Promise<Array<Uint8Array<ArrayBuffer>>> {
  const out: Array<Uint8Array<ArrayBuffer>> = [];
  for (let part: number | undefined = 0; part !== undefined; ) {
    const got: TreeDownloadResult = await api.treeDownload({ jobId, part });
    out.push(fromBase64(got.data));
    part = got.next;
  }
  return out;
}

const FORMAT_NAMES: Record<ExportFormat, string> = { md: 'Markdown', html: 'HTML', json: 'JSON', storage: 'storage (XHTML)' };

function fromBase64(data: string): Uint8Array<ArrayBuffer> {
  const bin = atob(data);
  const bytes = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

function blob(content: string, mediaType: string): Blob {
  return new Blob([content], { type: mediaType });
}

export function App() {
  const [state, dispatch] = useReducer(reducer, initialState);
  const context = useProductContext();
  const seq = useRef(0);
  const latest = useRef(new Map<Slot, number>());
  const polls = useRef(0);
  const zips = useRef(new Map<string, Blob>());
  // The filters of the list on screen: "Export the shown threads" uses these, not half-typed ones.
  const shownFilters = useRef(initialState.commentForm);
  // The last export format asked for, so a failed export can be retried as it was.
  const lastFormat = useRef<{ comments?: 'markdown' | 'csv' | 'json'; database?: 'json' | 'md' }>({});
  // The last auto-export change asked for, so a failed save can be retried as it was.
  const lastAuto = useRef<Partial<AutoExportSetting> | undefined>(undefined);
  // Read by callbacks made in earlier renders (timers, FileCard downloads) without going stale.
  const current = useRef<State>(state);
  current.current = state;

  /**
   * Runs one request into `slot`. `exclusive` refuses a second one while the first runs (buttons);
   * otherwise the newest request wins and older answers are dropped (filters, polling).
   */
  const run = useCallback(async <S extends Slot>(slot: S, fn: () => Promise<SlotData[S]>, exclusive = true): Promise<SlotData[S] | undefined> => {
    if (exclusive && latest.current.has(slot)) return undefined;
    const n = ++seq.current;
    latest.current.set(slot, n);
    dispatch({ type: 'start', slot, seq: n });
    try {
      const data = await fn();
      dispatch({ type: 'done', slot, seq: n, data } as Action);
      return data;
    } catch (e) {
      dispatch({ type: 'fail', slot, seq: n, error: toApiError(e) });
      return undefined;
    } finally {
      if (latest.current.get(slot) === n) latest.current.delete(slot);
    }
  }, []);

  const loadPage = useCallback(() => void run('page', api.pageInfo), [run]);
  const loadActivity = useCallback(() => void run('activity', () => api.activityList({})), [run]);
  const loadComments = useCallback(
    (form = current.current.commentForm) => {
      shownFilters.current = form;
      void run('comments', () => api.commentsList(commentsPayload(form)), false);
    },
    [run],
  );
  const loadDatabases = useCallback(() => void run('databases', api.databasesList), [run]);
  const loadAuto = useCallback(() => void run('autoexport', api.autoexportGet), [run]);
  const loadJobs = useCallback(() => void run('jobs', api.exportJobs, false), [run]);

  // The module (byline, ••• action, global page) decides what the app shows; it is known once the
  // product context arrives, and nothing that needs a page is read before then.
  const ext = context?.extension as { type?: unknown; content?: { id?: unknown; type?: unknown } | null } | undefined;
  useEffect(() => {
    if (!context) return;
    const contentType = ext?.content?.type === 'blogpost' ? 'blogpost' : 'page';
    dispatch({ type: 'mode', mode: modeFor({ extension: ext }), contentType });
  }, [context]); // eslint-disable-line react-hooks/exhaustive-deps

  const mode = state.mode;
  const onPage = mode === 'byline' || mode === 'action';
  useEffect(() => {
    if (!onPage) return;
    loadPage();
    loadActivity();
  }, [onPage, loadPage, loadActivity]);

  // The global page's spaces, to choose one to export.
  const loadSpaces = useCallback(() => void run('spaces', () => api.exportSpaces(current.current.spaceQuery.trim() ? { query: current.current.spaceQuery.trim() } : {}), false), [run]);
  useEffect(() => {
    if (mode === 'global') loadSpaces();
  }, [mode, loadSpaces]);
  const onSpaces = { onSpaceQuery: (text: string) => dispatch({ type: 'spaceQuery', text }), onSpaceSearch: loadSpaces };

  // "Your exports": on every panel and on the global page, so one opened again finds its jobs.
  useEffect(() => {
    if (mode) loadJobs();
  }, [mode, loadJobs]);
  // While an export in the list (not the one shown above, which is polled on its own) still runs,
  // the list is read again every JOBS_POLL_MS: KVS reads only, no Confluence request.
  const listRunning = otherJobs(state).some((j) => jobRunning({ jobId: j.jobId, status: j.status }));
  const jobsPending = state.requests.jobs?.pending === true;
  useEffect(() => {
    if (!listRunning || jobsPending) return undefined;
    const timer = setTimeout(loadJobs, JOBS_POLL_MS);
    return () => clearTimeout(timer);
  }, [listRunning, jobsPending, state.requests.jobs?.seq, loadJobs]);

  // Each tab's data is read the first time the tab opens.
  useEffect(() => {
    if (!onPage) return;
    const r = current.current.requests;
    if (state.tab === 'comments' && !r.comments) loadComments();
    if (state.tab === 'databases' && !r.databases) loadDatabases();
    // Auto-export keeps a copy of pages only: a blog post's tab says so instead of asking.
    const blog = context?.extension?.content?.type === 'blogpost' || r.page?.data?.type === 'blogpost';
    if (state.tab === 'activity' && !r.autoexport && !blog) loadAuto();
  }, [onPage, state.tab, loadComments, loadDatabases, loadAuto, state.requests.page?.data?.type]); // eslint-disable-line react-hooks/exhaustive-deps

  // Poll the tree job until it ends; every answer (or failure) schedules the next look.
  const job = state.job;
  const running = jobRunning(job);
  const polling = state.requests.treeStatus?.pending === true;
  // A job taken from "Your exports" comes without its report: read its full status once.
  const partial = job?.partial === true;
  useEffect(() => {
    if (job && partial && !running) void run('treeStatus', () => api.treeStatus({ jobId: job.jobId }), false);
  }, [job?.jobId, partial, running, run]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    if (!job || !running || polling) return undefined;
    const timer = setTimeout(() => void run('treeStatus', () => api.treeStatus({ jobId: job.jobId }), false), pollDelay(polls.current++));
    return () => clearTimeout(timer);
  }, [job?.jobId, running, polling, state.requests.treeStatus?.seq, run]);

  // What a re-export would do: asked (two counts) when the tree export is chosen, when the options
  // that pick the earlier export change, and after an export (it is the next one's base).
  const o = state.options;
  // Also when the freshness line is about your own tree zip: it says how many pages changed since.
  const ownTree = state.requests.activity?.data?.freshness?.kind === 'tree' && state.requests.activity.data.freshness.mine && !state.requests.activity.data.freshness.attached;
  const changesKey = [state.tree, state.treeAttach, state.treeSpace, state.treePreset, o.format, o.frontMatter, o.comments, o.anchors, o.attachments, job?.status.phase === 'done', ownTree].join('|');
  useEffect(() => {
    const st = current.current;
    if (!onPage || !(st.tree || ownTree) || st.treeAttach || jobRunning(st.job)) return;
    const preset = st.options.format === 'md' && st.treePreset && st.treePreset !== 'gfm' ? { preset: st.treePreset } : {};
    void run('treeChanges', () => api.treeChanges({ ...st.options, ...preset, scope: st.treeSpace ? 'space' : 'tree' }), false);
  }, [onPage, changesKey, run]); // eslint-disable-line react-hooks/exhaustive-deps

  // When the job ends: say so, and refresh the freshness line.
  const phase = job?.status.phase;
  useEffect(() => {
    if (phase === 'done') {
      const description = job?.status.attachment ? 'The zip is attached to this page.' : 'Your zip is ready to download.';
      showFlag({ id: `tree-${job?.jobId}`, type: 'success', title: current.current.treeSpace || current.current.mode === 'global' ? 'Space exported' : 'Page tree exported', description, isAutoDismiss: true });
      if (current.current.mode !== 'global') loadActivity();
    }
  }, [phase]); // eslint-disable-line react-hooks/exhaustive-deps

  /** A private zip, fetched slice by slice; the server deletes the job after its last slice, so it is kept for a second click. */
  const zipOf = async (jobId: string): Promise<Blob> => {
    const kept = zips.current.get(jobId);
    if (kept) return kept;
    const made = new Blob(await treeSlices(jobId), { type: 'application/zip' });
    zips.current.set(jobId, made);
    return made;
  };

  const onJobs = {
    onJobsReload: loadJobs,
    onJobDownload: zipOf,
    onJobDismiss: (jobId: string) => {
      dispatch({ type: 'dismissJob', jobId });
      void api.treeDismiss({ jobId }).catch(() => undefined);
    },
  };

  const s = current;
  const onExport = {
    onOptions: (patch: Partial<State['options']>) => dispatch({ type: 'options', patch }),
    onTree: (on: boolean) => dispatch({ type: 'tree', on }),
    onPreview: async () => {
      // The export is recorded for freshness; re-read it so the line under the options is current.
      if (await run('preview', () => api.exportPage(s.current.options))) loadActivity();
    },
    onAttach: async () => {
      const done = await run('attach', () => api.exportAttach(s.current.options));
      if (done) {
        showFlag({ id: `attach-${done.attachmentId}-${done.attachmentVersion}`, type: 'success', title: 'Attached to the page', description: done.fileName, isAutoDismiss: true });
        loadActivity();
      }
    },
    onDownload: () => {
      const d = s.current.requests.preview?.data;
      // With attachments: the zip of the page file and its `_attachments/`.
      if (d?.bundle) return new Blob([fromBase64(d.bundle.data)], { type: d.bundle.mediaType });
      return blob(d?.text ?? '', d?.mediaType ?? 'text/plain');
    },
    onTreeStart: () => {
      polls.current = 0;
      dispatch({ type: 'clearJob' });
      const st = s.current;
      const preset = st.options.format === 'md' && st.treePreset && st.treePreset !== 'gfm' ? { preset: st.treePreset } : {};
      // A whole space: the panel's space on its homepage, or the key typed on the global page.
      if (st.mode === 'global') void run('treeStart', () => api.spaceStart({ ...st.options, ...preset, space: st.spaceKey.trim() }));
      else if (st.treeSpace) void run('treeStart', () => api.spaceStart({ ...st.options, ...preset, mode: st.treeFull ? 'full' : 'incremental' }));
      else void run('treeStart', () => api.treeStart({ ...st.options, attach: st.treeAttach, ...preset, ...(st.treeAttach ? {} : { mode: st.treeFull ? 'full' : 'incremental' }) }));
    },
    onTreeAttach: (on: boolean) => dispatch({ type: 'treeAttach', on }),
    onTreePreset: (preset: ExportPreset) => dispatch({ type: 'treePreset', preset }),
    onTreeSpace: (on: boolean) => dispatch({ type: 'treeSpace', on }),
    onTreeFull: (on: boolean) => dispatch({ type: 'treeFull', on }),
    onSpaceKey: (text: string) => dispatch({ type: 'spaceKey', text }),
    onTreeDownload: async () => {
      const job = s.current.job;
      if (!job?.status.download) throw new Error('No zip to download');
      return zipOf(job.jobId);
    },
    onTreeCancel: () => {
      const id = s.current.job?.jobId;
      if (id) void run('treeCancel', () => api.treeCancel({ jobId: id }));
    },
    onTreeReset: () => {
      // A finished zip the user clears is dismissed: it stops counting against their storage
      // (issue 21: a start is refused while too many undownloaded zips are kept). Best effort.
      // Any finished one: "Your exports" lists a job until it is dismissed, so Clear is that.
      const job = s.current.job;
      if (job && !jobRunning(job)) {
        void api.treeDismiss({ jobId: job.jobId }).catch(() => undefined);
        dispatch({ type: 'dismissJob', jobId: job.jobId });
      }
      dispatch({ type: 'clearJob' });
    },
    onToggleReport: () => dispatch({ type: 'toggleReport' }),
  };

  const onComments = {
    onForm: (patch: Partial<State['commentForm']>, reload: boolean) => {
      dispatch({ type: 'commentForm', patch });
      if (reload) loadComments({ ...s.current.commentForm, ...patch });
    },
    onApply: () => loadComments(),
    onClear: () => {
      const form = { ...initialState.commentForm, sort: s.current.commentForm.sort };
      dispatch({ type: 'commentForm', patch: form });
      loadComments(form);
    },
    onReload: () => loadComments(),
    onExport: (format: 'markdown' | 'csv' | 'json') => {
      lastFormat.current.comments = format;
      void run('commentsExport', () => api.commentsExport({ format, ...commentsPayload(shownFilters.current) }));
    },
    onRetryExport: () => {
      const format = lastFormat.current.comments;
      if (format) onComments.onExport(format);
    },
    onDownload: () => {
      const d = s.current.requests.commentsExport?.data;
      return blob(d?.content ?? '', d?.mediaType ?? 'text/plain');
    },
    onFold: (threadId: string) => dispatch({ type: 'fold', threadId }),
    onPage: (page: number) => dispatch({ type: 'page', list: 'threads', page }),
  };

  const onDatabases = {
    onRef: (text: string) => dispatch({ type: 'databaseRef', text }),
    onInspect: (ref?: string) => {
      if (ref !== undefined) dispatch({ type: 'databaseRef', text: ref });
      const database = (ref ?? s.current.databaseRef).trim();
      if (database) void run('inspect', () => api.databasesInspect({ database }));
    },
    onReload: loadDatabases,
    onExport: (format: 'json' | 'md') => {
      lastFormat.current.database = format;
      const database = s.current.requests.inspect?.data?.id;
      if (database) void run('databaseExport', () => api.databasesExport({ database, format }));
    },
    onRetryExport: () => {
      const format = lastFormat.current.database;
      if (format) onDatabases.onExport(format);
    },
    onDownload: () => {
      const d = s.current.requests.databaseExport?.data;
      return blob(d?.content ?? '', d?.mediaType ?? 'text/plain');
    },
    onPage: (list: 'databases' | 'properties' | 'children' | 'threads' | 'activity', page: number) => dispatch({ type: 'page', list, page }),
  };

  const onActivity = {
    onReload: loadActivity,
    onReloadAuto: loadAuto,
    // Each change is saved at once and said in a flag (issue 23: the toggle gave no feedback).
    onAuto: (enabled: boolean) => onActivity.onAutoSetting({ enabled }),
    onAutoSetting: async (patch: Partial<AutoExportSetting>) => {
      const v = s.current.requests.autoexport?.data;
      if (!v) return;
      lastAuto.current = patch;
      const saved = await run('autoexportSave', () => api.autoexportSet({ ...v.setting, ...patch }));
      if (saved) {
        const format = FORMAT_NAMES[saved.setting.format];
        showFlag({
          id: `auto-${Date.now()}`,
          type: 'success',
          title: saved.setting.enabled ? 'Auto-export is on' : 'Auto-export is off',
          description: saved.setting.enabled ? `A ${format} copy is attached to this page and updated on every change.` : 'The copy already attached stays; it is no longer updated.',
          isAutoDismiss: true,
        });
      }
    },
    // A failed save leaves the stored setting as it was: retry the change the person asked for.
    onRetryAuto: () => {
      if (lastAuto.current) void onActivity.onAutoSetting(lastAuto.current);
    },
    onPage: (page: number) => dispatch({ type: 'page', list: 'activity', page }),
  };

  const now = Date.now();
  if (!mode) return <Loading label="Opening Content Toolkit…" />;
  if (mode === 'global') {
    // The global page has no page in its context: a space to export (first: the main thing to do
    // here), the user's exports, and the database lookup by URL or id.
    return (
      <Stack space="space.300" testId="database-inspector">
        <Stack space="space.200">
          <Heading size="medium">Export a space</Heading>
          <SpaceExport state={state} on={onExport} find={onSpaces} />
        </Stack>
        <JobsList state={state} on={onJobs} now={now} />
        <Stack space="space.200">
          <Heading size="medium">Database inspector</Heading>
          <Text>Paste the URL or id of any database you can see to read its metadata, properties and operations, and to find out why its rows cannot be exported by apps.</Text>
          <DatabasesTab state={state} now={now} on={onDatabases} underPage={false} />
        </Stack>
      </Stack>
    );
  }
  const isBlog = context?.extension?.content?.type === 'blogpost' || state.requests.page?.data?.type === 'blogpost';
  const tabs = tabsFor(isBlog ? 'blogpost' : 'page');
  const tabIndex = Math.max(0, tabs.indexOf(state.tab));
  return (
    <Stack space="space.200">
      <Header page={state.requests.page} onRetry={loadPage} />
      <Tabs id="content-toolkit-tabs" selected={tabIndex} onChange={(i: number) => dispatch({ type: 'tab', tab: tabs[i] ?? 'export' })}>
        <TabList>
          <Tab>Export</Tab>
          <Tab>Comments</Tab>
          {isBlog ? null : <Tab>Databases</Tab>}
          <Tab>Activity</Tab>
        </TabList>
        <TabPanel testId="panel-export">
          {state.tab === 'export' ? (
            <Stack space="space.300">
              <ExportTab state={state} canTree={!isBlog} treeWhyNot={isBlog ? 'A blog post has no child pages, so it is exported on its own.' : undefined} canSpace={state.requests.page?.data?.spaceHome === true} freshness={freshnessLine(state.requests.activity?.data, state.requests.page?.data, now, state.requests.treeChanges?.data)} on={onExport} />
              <JobsList state={state} on={onJobs} now={now} />
            </Stack>
          ) : null}
        </TabPanel>
        <TabPanel testId="panel-comments">{state.tab === 'comments' ? <CommentsTab state={state} now={now} on={onComments} /> : null}</TabPanel>
        {isBlog ? null : <TabPanel testId="panel-databases">{state.tab === 'databases' ? <DatabasesTab state={state} now={now} on={onDatabases} /> : null}</TabPanel>}
        <TabPanel testId="panel-activity">{state.tab === 'activity' ? <ActivityTab state={state} now={now} on={onActivity} pagesOnly={isBlog} /> : null}</TabPanel>
      </Tabs>
    </Stack>
  );
}

ForgeReconciler.render(<App />);
