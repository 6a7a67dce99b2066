/** Activity: recent events on this page, and the auto-export switch. */
import React from 'react';
import { Button, Checkbox, Inline, Label, Lozenge, Select, Stack, Text, Toggle } from '@forge/react';
import type { ActivityItem, ActivityType, AutoExportFormat, AutoExportSetting } from '../../shared/activity';
import { paged, relativeTime, type State } from '../state';
import { Empty, ErrorBox, Loading, Pager } from './common';

const WHAT: Record<ActivityType, string> = {
  'avi:confluence:created:page': 'Page created',
  'avi:confluence:updated:page': 'Page updated',
  'avi:confluence:created:comment': 'Comment added',
  'avi:confluence:updated:comment': 'Comment edited',
  'avi:confluence:deleted:comment': 'Comment deleted',
  'avi:confluence:created:database': 'Database created',
  'app:autoexport': 'Markdown copy updated',
  'app:autoexport-failed': 'Markdown copy failed',
};

export interface ActivityHandlers {
  onReload: () => void;
  onAuto: (enabled: boolean) => void;
  /** Format, front matter, comments: the options `autoexport/set` takes. */
  onAutoSetting?: (patch: Partial<AutoExportSetting>) => void;
  onRetryAuto: () => void;
  onReloadAuto: () => void;
  onPage: (page: number) => void;
}

export function ActivityTab({ state, now, on, pagesOnly = false }: { state: State; now: number; on: ActivityHandlers; pagesOnly?: boolean }) {
  const list = state.requests.activity;
  return (
    <Stack space="space.300">
      {pagesOnly
        ? <Text testId="auto-pages-only" color="color.text.subtle">Auto-export keeps a copy attached to pages; it is not offered for blog posts.</Text>
        : <AutoExport state={state} now={now} on={on} />}
      <Stack space="space.100">
        <Inline spread="space-between" alignBlock="center">
          <Text weight="bold">Recent activity</Text>
          <Button spacing="compact" testId="activity-reload" isDisabled={!!list?.pending} onClick={on.onReload}>Refresh</Button>
        </Inline>
        {list?.pending && !list.data ? <Loading label="Reading the activity…" /> : null}
        {list?.error ? <ErrorBox error={list.error} onRetry={on.onReload} title="Could not read the activity" testId="activity-error" /> : null}
        {list?.data ? <Items items={list.data.items} total={list.data.total} state={state} now={now} on={on} /> : null}
      </Stack>
    </Stack>
  );
}

function Items({ items, total, state, now, on }: { items: ActivityItem[]; total: number; state: State; now: number; on: ActivityHandlers }) {
  if (items.length === 0) {
    return <Empty testId="activity-empty" header="No activity recorded yet" description="Edits and comments on this page appear here as they happen. Edit the page or add a comment, then Refresh." />;
  }
  const page = paged(items, state.pages.activity);
  return (
    <Stack space="space.100" testId="activity">
      {page.items.map((i, n) => (
        <Inline key={`${i.at}:${i.type}:${n}`} space="space.100" alignBlock="center" shouldWrap>
          <Lozenge appearance={i.type === 'app:autoexport-failed' ? 'removed' : i.type.startsWith('app:') ? 'success' : 'default'}>{WHAT[i.type] ?? i.type}</Lozenge>
          <Text>{[i.displayName ?? (i.type.startsWith('app:') ? 'Content Toolkit' : 'Someone'), relativeTime(i.at, now), i.version ? `v${i.version}` : ''].filter(Boolean).join(' · ')}</Text>
          {i.detail ? <Text size="small">{i.detail}</Text> : null}
        </Inline>
      ))}
      <Pager page={page.page} pages={page.pages} onPage={on.onPage} testId="activity-pager" />
      {total > items.length ? <Text size="small">{`Showing the latest ${items.length} of ${total}.`}</Text> : null}
    </Stack>
  );
}

const AUTO_FORMATS: Array<{ label: string; value: AutoExportFormat }> = [
  { label: 'Markdown', value: 'md' },
  { label: 'HTML', value: 'html' },
  { label: 'JSON', value: 'json' },
  { label: 'Storage (XHTML)', value: 'storage' },
];

function AutoExport({ state, now, on }: { state: State; now: number; on: ActivityHandlers }) {
  const auto = state.requests.autoexport;
  const save = state.requests.autoexportSave;
  if (auto?.error && !auto.data) return <ErrorBox error={auto.error} onRetry={on.onReloadAuto} title="Could not read the auto-export setting" testId="auto-error" />;
  if (!auto?.data) return <Loading label="Reading the auto-export setting…" />;
  const v = auto.data;
  return (
    <Stack space="space.100" testId="autoexport">
      <Inline space="space.100" alignBlock="center">
        <Toggle id="auto-toggle" testId="auto-toggle" isChecked={v.setting.enabled} isDisabled={!v.canEdit || !!save?.pending}
          onChange={(e) => on.onAuto(!!e.target.checked)} />
        <Label labelFor="auto-toggle">{`Keep a ${v.setting.format === 'md' ? 'Markdown' : v.setting.format.toUpperCase()} copy attached to this page, updated on every change`}</Label>
      </Inline>
      {on.onAutoSetting ? (
        <Inline space="space.200" alignBlock="center" shouldWrap>
          <Select id="auto-format" testId="auto-format" options={AUTO_FORMATS} isDisabled={!v.canEdit || !!save?.pending}
            value={AUTO_FORMATS.find((f) => f.value === v.setting.format) ?? AUTO_FORMATS[0]}
            onChange={(o: { value: AutoExportFormat } | null) => o && on.onAutoSetting?.({ format: o.value })} />
          <Checkbox testId="auto-frontmatter" label="YAML front matter" isChecked={v.setting.frontMatter && v.setting.format === 'md'} isDisabled={!v.canEdit || !!save?.pending || v.setting.format !== 'md'}
            onChange={(e) => on.onAutoSetting?.({ frontMatter: !!e.target.checked })} />
          <Checkbox testId="auto-comments" label="Include comments" isChecked={v.setting.comments} isDisabled={!v.canEdit || !!save?.pending}
            onChange={(e) => on.onAutoSetting?.({ comments: !!e.target.checked })} />
        </Inline>
      ) : null}
      {!v.canEdit ? <Text testId="auto-reason" color="color.text.subtle">Only people who can edit this page can change this.</Text> : null}
      {save?.pending ? <Loading label="Saving…" /> : null}
      {save?.error ? <ErrorBox error={save.error} onRetry={on.onRetryAuto} title="Could not save the setting" testId="auto-save-error" /> : null}
      {v.lastVersion ? <Text size="small">{`Last copy: ${v.lastFileName ?? 'file'} from v${v.lastVersion}, ${relativeTime(v.lastAt, now)}.`}</Text> : null}
      {v.withheld ? <Text size="small" testId="auto-withheld">{`Some content (${v.withheld === 1 ? 'one item' : `${v.withheld} items`}) was left out of the copy: not everyone who can see this page may see it.`}</Text> : null}
      {v.lastError ? <Text size="small" color="color.text.danger">{`The last copy failed: ${v.lastError}`}</Text> : null}
    </Stack>
  );
}
