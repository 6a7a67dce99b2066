/** Export: format and options, preview, download, attach to the page, and whole-tree exports. */
import React from 'react';
import {
  Button, ButtonGroup, Checkbox, CodeBlock, FileCard, Form, Inline, Label, Link, ProgressBar, SectionMessage, Select, Stack, Text, Textfield,
} from '@forge/react';
import { reportLine, YOUR_EXPORTS, type ExportFormat, type ExportJob, type ExportOptions, type ExportPreset, type ReportSummaryItem } from '../../shared/export';
import { changesLine, jobRunning, otherJobs, relativeTime, summarizeReport, treeProgress, type State } from '../state';
import { ErrorBox, Loading, formatBytes, utf8Bytes } from './common';

const FORMATS: Array<{ label: string; value: ExportFormat }> = [
  { label: 'Markdown', value: 'md' },
  { label: 'HTML', value: 'html' },
  { label: 'JSON', value: 'json' },
  { label: 'Storage (XHTML)', value: 'storage' },
];

/** Where a Markdown tree goes (README "Target presets" has the mapping of each). */
const PRESETS: Array<{ label: string; value: ExportPreset }> = [
  { label: 'GitHub Markdown', value: 'gfm' },
  { label: 'Obsidian vault', value: 'obsidian' },
  { label: 'MkDocs (Material)', value: 'mkdocs' },
  { label: 'Docusaurus docs', value: 'docusaurus' },
];

const LANGUAGE = { md: 'markdown', html: 'html', json: 'json', storage: 'xml' } as const satisfies Record<ExportFormat, string>;

/** Longer previews make the panel slow; the download always has everything. */
export const PREVIEW_CHARS = 20_000;

export interface ExportHandlers {
  onOptions: (patch: Partial<ExportOptions>) => void;
  onTree: (on: boolean) => void;
  onPreview: () => void;
  onAttach: () => void;
  onDownload: () => Blob;
  onTreeStart: () => void;
  onTreeCancel: () => void;
  onTreeReset: () => void;
  onTreeAttach: (on: boolean) => void;
  onTreePreset: (preset: ExportPreset) => void;
  onTreeSpace: (on: boolean) => void;
  /** Export everything again rather than only what changed since the earlier export. */
  onTreeFull?: (on: boolean) => void;
  onSpaceKey: (text: string) => void;
  /** The finished private zip, fetched slice by slice. */
  onTreeDownload: () => Promise<Blob>;
  onToggleReport: () => void;
}

/** "Your exports": the caller's other tree and space exports (export/jobs). */
export interface JobsHandlers {
  onJobsReload: () => void;
  onJobDownload: (jobId: string) => Promise<Blob>;
  onJobDismiss: (jobId: string) => void;
}

export function ExportTab({ state, canTree, treeWhyNot, canSpace = false, freshness, on }: {
  state: State;
  canTree: boolean;
  /** Why the tree export is greyed out, said under it. */
  treeWhyNot?: string;
  /** On the space's homepage: the tree export may cover the whole space. */
  canSpace?: boolean;
  freshness?: { text: string; stale: boolean };
  on: ExportHandlers;
}) {
  const o = state.options;
  const format = FORMATS.find((f) => f.value === o.format) ?? FORMATS[0];
  return (
    <Stack space="space.200">
      <Stack space="space.100">
        <Label labelFor="export-format">Format</Label>
        <Select
          id="export-format"
          testId="export-format"
          options={FORMATS}
          value={format}
          onChange={(v: { value: ExportFormat } | null) => v && on.onOptions({ format: v.value })}
        />
        <Checkbox testId="opt-frontmatter" label="YAML front matter (title, version, labels…)" isChecked={o.frontMatter && o.format === 'md'} isDisabled={o.format !== 'md'}
          onChange={(e) => on.onOptions({ frontMatter: !!e.target.checked })} />
        <Checkbox testId="opt-comments" label="Include comments" isChecked={o.comments}
          onChange={(e) => on.onOptions({ comments: !!e.target.checked })} />
        <Checkbox testId="opt-anchors" label="Inline comments as footnotes on their highlighted text" isChecked={o.anchors && o.comments} isDisabled={!o.comments}
          onChange={(e) => on.onOptions({ anchors: !!e.target.checked })} />
        <Checkbox testId="opt-attachments" label="Attachments" isChecked={o.attachments}
          onChange={(e) => on.onOptions({ attachments: !!e.target.checked })} />
        <Checkbox testId="opt-tree" label="This page and all its child pages (one zip)" isChecked={state.tree && !(canSpace && state.treeSpace)} isDisabled={!canTree || (canSpace && state.treeSpace)}
          onChange={(e) => on.onTree(!!e.target.checked)} />
        {!canTree && treeWhyNot ? <Text testId="tree-why-not" size="small" color="color.text.subtle">{treeWhyNot}</Text> : null}
        {canSpace ? (
          <Checkbox testId="tree-space" label="The whole space: every page wherever it sits, and the blog posts (a zip for you alone)" isChecked={state.treeSpace} isDisabled={jobRunning(state.job)}
            onChange={(e) => on.onTreeSpace(!!e.target.checked)} />
        ) : null}
      </Stack>
      {freshness ? (
        <Text testId="freshness" color={freshness.stale ? 'color.text.warning' : 'color.text.subtle'}>{freshness.text}</Text>
      ) : null}
      {state.tree ? <TreeExport state={state} on={on} canSpace={canSpace} /> : <PageExport state={state} on={on} />}
    </Stack>
  );
}

function PageExport({ state, on }: { state: State; on: ExportHandlers }) {
  const preview = state.requests.preview;
  const attach = state.requests.attach;
  const busy = !!preview?.pending || !!attach?.pending;
  return (
    <Stack space="space.200">
      <ButtonGroup label="Export actions">
        <Button appearance="primary" testId="preview" isDisabled={busy} onClick={on.onPreview}>Preview</Button>
        <Button testId="attach" isDisabled={busy} onClick={on.onAttach}>Attach to page</Button>
      </ButtonGroup>
      {preview?.pending ? <Loading label="Exporting…" /> : null}
      {preview?.error ? <ErrorBox error={preview.error} onRetry={on.onPreview} title="The export failed" testId="preview-error" /> : null}
      {attach?.pending ? <Loading label="Attaching to the page…" /> : null}
      {attach?.error ? <ErrorBox error={attach.error} onRetry={on.onAttach} title="Could not attach the export" testId="attach-error" /> : null}
      {attach?.data && !attach.pending ? (
        <SectionMessage appearance="success" title="Attached to the page" testId="attached">
          <Text>
            {`${attach.data.fileName}, attachment version ${attach.data.attachmentVersion}. `}
            {attach.data.downloadLink ? <Link href={attach.data.downloadLink} openNewTab>Download it</Link> : null}
          </Text>
        </SectionMessage>
      ) : null}
      {preview?.data && !preview.pending ? (
        <Stack space="space.100" testId="preview-result">
          <FileCard
            fileName={preview.data.bundle?.fileName ?? preview.data.fileName}
            fileType={preview.data.bundle?.mediaType ?? preview.data.mediaType}
            fileSize={preview.data.bundle?.bytes ?? utf8Bytes(preview.data.text)}
            onDownload={on.onDownload}
            testId="download"
          />
          {preview.data.text.length > PREVIEW_CHARS ? (
            <Text>{`The preview shows the first ${PREVIEW_CHARS.toLocaleString('en')} characters; the download has all ${preview.data.text.length.toLocaleString('en')}.`}</Text>
          ) : null}
          <CodeBlock testId="preview-text" language={LANGUAGE[state.options.format]} text={preview.data.text.slice(0, PREVIEW_CHARS)} shouldWrapLongLines />
          <Report items={summarizeReport(preview.data.report)} open={state.reportOpen} onToggle={on.onToggleReport} />
        </Stack>
      ) : null}
      {!preview?.data && !preview?.pending && !preview?.error ? (
        <Text color="color.text.subtle">Choose a format, then Preview to see the file, download it or attach it to the page.</Text>
      ) : null}
    </Stack>
  );
}

/** The global page's space finder: the spaces the user can see (export/spaces), searchable. */
export interface SpaceHandlers {
  onSpaceQuery: (text: string) => void;
  onSpaceSearch: () => void;
}

/** The global page: a space chosen from those the user can see (or by key), Markdown with a target, as a private zip. */
export function SpaceExport({ state, on, find }: { state: State; on: ExportHandlers; find: SpaceHandlers }) {
  const list = state.requests.spaces;
  const options = (list?.data?.spaces ?? []).map((s) => ({ label: `${s.name} (${s.key})`, value: s.key }));
  const chosen = options.find((o) => o.value === state.spaceKey) ?? null;
  return (
    <Stack space="space.100" testId="space-export">
      <Label labelFor="space-select">Space</Label>
      <Select id="space-select" testId="space-select" options={options} value={chosen} isSearchable isLoading={!!list?.pending}
        placeholder={list?.pending ? 'Reading your spaces…' : 'Type to filter your spaces'}
        onChange={(v: { value: string } | null) => on.onSpaceKey(v?.value ?? '')} />
      {list?.data && !list.pending ? <Text testId="space-count" color="color.text.subtle">{spaceCount(list.data.spaces.length, list.data.more, state.spaceQuery)}</Text> : null}
      {list?.error ? <ErrorBox error={list.error} onRetry={find.onSpaceSearch} title="Could not list your spaces" testId="spaces-error" /> : null}
      {list?.data?.more || state.spaceQuery ? (
        // A Form, so Enter in the field searches (UI Kit's Textfield has no key events).
        <Form onSubmit={find.onSpaceSearch}>
          <Inline space="space.100" alignBlock="end">
            <Textfield id="space-search" testId="space-search" value={state.spaceQuery} placeholder="Part of a space's name or key"
              onChange={(e) => find.onSpaceQuery(String(e.target.value ?? ''))} />
            <Button type="submit" testId="space-find" isDisabled={!!list?.pending}>Search all spaces</Button>
          </Inline>
        </Form>
      ) : null}
      <Label labelFor="space-key">Or its key</Label>
      <Textfield id="space-key" testId="space-key" value={state.spaceKey} placeholder="DOCS" onChange={(e) => on.onSpaceKey(String(e.target.value ?? ''))} />
      <TreeExport state={state} on={on} global />
    </Stack>
  );
}

function spaceCount(n: number, more: boolean, query: string): string {
  const what = query ? `${n} space${n === 1 ? '' : 's'} match "${query}"` : `${n} space${n === 1 ? '' : 's'} you can see`;
  return more ? `${what}, and more: search to find the others.` : `${what}.`;
}

function TreeExport({ state, on, canSpace = false, global = false }: { state: State; on: ExportHandlers; canSpace?: boolean; global?: boolean }) {
  const start = state.requests.treeStart;
  const poll = state.requests.treeStatus;
  const cancel = state.requests.treeCancel;
  const job = state.job;
  const running = jobRunning(job);
  const progress = job ? treeProgress(job.status) : undefined;
  const space = global || (canSpace && state.treeSpace);
  const changes = !state.treeAttach && !global ? changesLine(state.requests.treeChanges?.data, Date.now()) : undefined;
  const began = start?.data && !start.pending ? start.data : undefined;
  return (
    <Stack space="space.200">
      {state.options.format === 'md' ? (
        <Stack space="space.050">
          <Label labelFor="tree-preset">Target</Label>
          <Select id="tree-preset" testId="tree-preset" options={PRESETS} isDisabled={running}
            value={PRESETS.find((p) => p.value === (state.treePreset ?? 'gfm')) ?? PRESETS[0]}
            onChange={(v: { value: ExportPreset } | null) => v && on.onTreePreset(v.value)} />
        </Stack>
      ) : null}
      {!space ? (
        <Checkbox testId="tree-attach" label="Attach the zip to this page (only pages every viewer of this page can read go in)" isChecked={state.treeAttach} isDisabled={running}
          onChange={(e) => on.onTreeAttach(!!e.target.checked)} />
      ) : null}
      {changes ? (
        <Stack space="space.050" testId="tree-changes">
          <Text>{changes}</Text>
          {on.onTreeFull ? (
            <Checkbox testId="tree-full" label="Export every page again (a full export)" isChecked={state.treeFull} isDisabled={running}
              onChange={(e) => on.onTreeFull?.(!!e.target.checked)} />
          ) : null}
        </Stack>
      ) : null}
      <Inline space="space.100">
        <Button appearance="primary" testId="tree-start" isDisabled={!!start?.pending || running || (global && !state.spaceKey.trim())} onClick={on.onTreeStart}>{space ? 'Export whole space' : 'Export page tree'}</Button>
        {running ? <Button testId="tree-cancel" isDisabled={!!cancel?.pending} onClick={on.onTreeCancel}>Cancel</Button> : null}
        {job && !running ? <Button testId="tree-reset" appearance="subtle" onClick={on.onTreeReset}>Clear</Button> : null}
      </Inline>
      {start?.pending ? <Loading label="Listing the pages…" /> : null}
      {began?.mode === 'incremental' ? <Text testId="tree-mode">Building on your earlier export: only what changed is fetched.</Text> : null}
      {began?.mode === 'full' && began.reason && !/no earlier export/.test(began.reason) ? <Text testId="tree-mode">{`Not building on an earlier export: ${began.reason}.`}</Text> : null}
      {start?.error ? <ErrorBox error={start.error} onRetry={on.onTreeStart} title="Could not start the export" testId="tree-error" /> : null}
      {cancel?.error ? <ErrorBox error={cancel.error} onRetry={on.onTreeCancel} title="Could not cancel" /> : null}
      {job && progress ? (
        <Stack space="space.100" testId="tree-job">
          <ProgressBar testId="tree-progress" value={progress.value} ariaLabel={progress.label} appearance={job.status.phase === 'done' ? 'success' : 'default'} />
          <Text testId="tree-label">{progress.label}</Text>
          {job.status.skipped > 0 ? <Text testId="tree-not-pages">{`${job.status.skipped === 1 ? '1 item is not a page' : `${job.status.skipped} items are not pages`} (folders, databases, whiteboards): ${job.status.skipped === 1 ? 'it is' : 'they are'} listed in the report, and ${job.status.skipped === 1 ? 'its' : 'their'} child pages are exported.`}</Text> : null}
          {poll?.error && running ? <Text color="color.text.warning">{`Could not read the progress (${poll.error.message}); trying again.`}</Text> : null}
          {job.status.phase === 'done' && job.status.attachment ? (
            <SectionMessage appearance="success" title="The zip is attached to this page" testId="tree-done">
              <Text>
                {`${job.status.attachment.fileName} (${formatBytes(job.status.attachment.bytes)}). `}
                {job.status.attachment.downloadLink ? <Link href={job.status.attachment.downloadLink} openNewTab>Download the zip</Link> : null}
              </Text>
            </SectionMessage>
          ) : null}
          {job.status.phase === 'done' && job.status.download ? (
            <SectionMessage appearance="success" title="Your zip is ready" testId="tree-done">
              <Stack space="space.100">
                <Text>{`Only you can download it. The app keeps your newest export of this ${space ? 'space' : 'tree'} for 7 days so the next one fetches only what changed; otherwise it is deleted once downloaded, or after a day. "Clear" dismisses it.`}</Text>
                <FileCard testId="tree-download" fileName={job.status.download.fileName} fileType="application/zip" fileSize={job.status.download.bytes} onDownload={on.onTreeDownload} />
              </Stack>
            </SectionMessage>
          ) : null}
          {job.status.phase === 'failed' ? (
            <ErrorBox error={job.status.error ?? { code: 'FAILED', message: 'The export failed.' }} onRetry={on.onTreeStart} title="The tree export failed" testId="tree-failed" />
          ) : null}
          {job.status.phase === 'cancelled' ? <SectionMessage appearance="information" title="Export cancelled" testId="tree-cancelled"><Text>Nothing was attached. Start again when you are ready.</Text></SectionMessage> : null}
          {!running ? <Report items={job.status.report} open={state.reportOpen} onToggle={on.onToggleReport} /> : null}
        </Stack>
      ) : null}
      {!job && !start?.pending && !start?.error ? (
        <Text color="color.text.subtle">{space
          ? 'Exports every page of the space, wherever it sits in the page tree, and its blog posts (in _blog/) into one zip, in the background, for you alone to download.'
          : 'Exports this page and every page below it into one zip, in the background, for you alone to download (or attached here, if you choose).'}</Text>
      ) : null}
    </Stack>
  );
}

/** The fidelity report: one line when nothing was lost, otherwise a summary that opens into details. */
export function Report({ items: all, open, onToggle }: { items: ReportSummaryItem[]; open: boolean; onToggle: () => void }) {
  // Notes say what the export did (built on an earlier one, or why not): not losses.
  const notes = all.filter((i) => i.kind === 'note');
  const items = all.filter((i) => i.kind !== 'note');
  const said = notes.map((n) => <Text key={`note:${n.what}`} testId="report-note">{n.detail}</Text>);
  if (items.length === 0) {
    return (
      <Stack space="space.100">
        {said}
        <SectionMessage appearance="success" title="Nothing was approximated or skipped" testId="report-empty">
          <Text>Every part of the page has an exact equivalent in this format.</Text>
        </SectionMessage>
      </Stack>
    );
  }
  const total = items.reduce((n, i) => n + i.count, 0);
  return (
    <Stack space="space.100">
      {said}
      <SectionMessage appearance="warning" title={`${total} thing${total === 1 ? ' was' : 's were'} approximated or skipped`} testId="report">
        <Stack space="space.100">
          <Button spacing="compact" appearance="subtle" testId="report-toggle" onClick={onToggle}>{open ? 'Hide details' : 'Show details'}</Button>
          {open
            ? items.map((i) => (
                <Text key={`${i.kind}:${i.what}`}>{reportLine(i)}</Text>
              ))
            : null}
        </Stack>
      </SectionMessage>
    </Stack>
  );
}

/** What an export was: "page tree, Markdown (Obsidian vault)". */
function jobKind(j: ExportJob): string {
  const format = FORMATS.find((f) => f.value === j.format)?.label ?? j.format;
  const preset = j.preset && j.preset !== 'gfm' ? ` (${PRESETS.find((p) => p.value === j.preset)?.label ?? j.preset})` : '';
  const scope = j.scope === 'space' ? `space${j.spaceKey ? ` ${j.spaceKey}` : ''}` : j.delivery === 'attach' ? 'page tree, attached to the page' : 'page tree';
  return `${scope}, ${format}${preset}`;
}

/**
 * The caller's tree and space exports other than the one shown above: each with its progress or
 * how it ended, its download when this panel may fetch it, and Dismiss once it is over. A zip that
 * expired unread or a failed export stays here with the reason until dismissed.
 */
export function JobsList({ state, on, now }: { state: State; on: JobsHandlers; now: number }) {
  const req = state.requests.jobs;
  const jobs = otherJobs(state);
  if (!req || (!jobs.length && !req.error)) return null;
  return (
    <Stack space="space.100" testId="your-exports">
      <Inline space="space.100" alignBlock="center">
        <Text weight="bold">{YOUR_EXPORTS}</Text>
        <Button spacing="compact" appearance="subtle" testId="jobs-reload" isDisabled={req.pending} onClick={on.onJobsReload}>Refresh</Button>
      </Inline>
      {req.error ? <ErrorBox error={req.error} onRetry={on.onJobsReload} title="Could not list your exports" testId="jobs-error" /> : null}
      {jobs.map((j) => {
        const over = !jobRunning({ jobId: j.jobId, status: j.status });
        const line = j.expired ? `${j.expired.reason}.` : j.status.phase === 'failed' ? `Failed: ${j.status.error?.message ?? 'the export failed.'}` : treeProgress(j.status).label;
        const zip = j.here && !j.expired && j.status.phase === 'done' ? j.status.download : undefined;
        return (
          <Stack key={j.jobId} space="space.050" testId="export-job">
            <Text>{`"${j.title}": ${jobKind(j)}, started ${relativeTime(j.createdAt, now)}`}</Text>
            <Text testId="export-job-status" color={j.expired || j.status.phase === 'failed' ? 'color.text.warning' : 'color.text.subtle'}>{line}</Text>
            {zip ? <FileCard testId="job-download" fileName={zip.fileName} fileType="application/zip" fileSize={zip.bytes} onDownload={() => on.onJobDownload(j.jobId)} /> : null}
            {!j.here && j.status.phase === 'done' && j.status.download ? <Text color="color.text.subtle">{`Open the panel on the page it was started from, or the Content Toolkit global page, to download it.`}</Text> : null}
            {j.status.phase === 'done' && j.status.attachment ? <Text>{`Attached to the page as ${j.status.attachment.fileName}.`}</Text> : null}
            {over && j.here ? (
              <Inline>
                <Button spacing="compact" testId="job-dismiss" onClick={() => on.onJobDismiss(j.jobId)}>Dismiss</Button>
              </Inline>
            ) : null}
          </Stack>
        );
      })}
    </Stack>
  );
}
