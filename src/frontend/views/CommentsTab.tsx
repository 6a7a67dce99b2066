/** Comments: counts, filters, threads with their replies and anchors, and exports. */
import React from 'react';
import { Box, Button, ButtonGroup, FileCard, Form, Inline, Label, Lozenge, SectionMessage, Select, Stack, Text, Textfield } from '@forge/react';
import type { CommentSort, CommentView, ExportFormat, ResolutionStatus } from '../../shared/comments';
import { hasFilters, paged, plural, relativeTime, type CommentForm, type State } from '../state';
import { Empty, ErrorBox, Loading, Pager, utf8Bytes } from './common';

type Appearance = 'default' | 'success' | 'removed' | 'inprogress' | 'new' | 'moved';

const STATUS_LOOK: Record<ResolutionStatus, Appearance> = { open: 'inprogress', resolved: 'success', reopened: 'moved', dangling: 'removed' };

const KINDS: Array<{ label: string; value: CommentForm['kind'] }> = [
  { label: 'All comments', value: 'all' },
  { label: 'Footer', value: 'footer' },
  { label: 'Inline', value: 'inline' },
];
const STATUSES: Array<{ label: string; value: CommentForm['status'] }> = [
  { label: 'Any status', value: 'all' },
  { label: 'Open', value: 'open' },
  { label: 'Resolved', value: 'resolved' },
  { label: 'Reopened', value: 'reopened' },
  { label: 'Dangling', value: 'dangling' },
];
const SORTS: Array<{ label: string; value: CommentSort }> = [
  { label: 'Page order', value: 'position' },
  { label: 'Oldest first', value: 'date' },
  { label: 'Newest first', value: 'date-desc' },
];
const EXPORTS: Array<{ label: string; value: ExportFormat }> = [
  { label: 'Markdown', value: 'markdown' },
  { label: 'CSV', value: 'csv' },
  { label: 'JSON', value: 'json' },
];

export interface CommentsHandlers {
  onForm: (patch: Partial<CommentForm>, reload: boolean) => void;
  onApply: () => void;
  onClear: () => void;
  onReload: () => void;
  onExport: (format: ExportFormat) => void;
  onRetryExport: () => void;
  onDownload: () => Blob;
  onFold: (threadId: string) => void;
  onPage: (page: number) => void;
}

export function CommentsTab({ state, now, on }: { state: State; now: number; on: CommentsHandlers }) {
  const list = state.requests.comments;
  const exp = state.requests.commentsExport;
  const form = state.commentForm;
  if (list?.error && !list.data) return <ErrorBox error={list.error} onRetry={on.onReload} title="Could not read the comments" testId="comments-error" />;
  if (!list?.data) return <Loading label="Reading every comment thread…" />;
  const r = list.data;
  if (r.counts.total === 0) {
    return (
      <Stack space="space.100">
        <Empty testId="comments-empty" header="No comments on this page yet"
          description="Footer and inline comments appear here as threads once someone comments. Add one in Confluence, then Refresh." />
        <Inline>
          <Button testId="comments-refresh" isDisabled={list.pending} onClick={on.onReload}>Refresh</Button>
        </Inline>
      </Stack>
    );
  }
  const page = paged(r.threads, state.pages.threads);
  return (
    <Stack space="space.200">
      <Inline space="space.100" shouldWrap testId="comment-counts">
        <Lozenge appearance="default">{plural(r.counts.total, 'comment')}</Lozenge>
        {/* Open and resolved are states of inline comments: a page with footer comments only has neither. */}
        {r.counts.inline > 0 ? <Lozenge appearance="inprogress">{`${r.counts.open} open`}</Lozenge> : null}
        {r.counts.inline > 0 ? <Lozenge appearance="success">{`${r.counts.resolved} resolved`}</Lozenge> : null}
        <Lozenge appearance="new">{`${r.counts.footer} footer`}</Lozenge>
        <Lozenge appearance="new">{`${r.counts.inline} inline`}</Lozenge>
        {r.counts.anchorIssues > 0 ? <Lozenge appearance="removed">{plural(r.counts.anchorIssues, 'anchor issue')}</Lozenge> : null}
      </Inline>
      <Stack space="space.100">
        <Inline space="space.100" shouldWrap>
          <Stack>
            <Label labelFor="filter-kind">Kind</Label>
            <Select id="filter-kind" testId="filter-kind" options={KINDS} value={KINDS.find((k) => k.value === form.kind)}
              onChange={(v: { value: CommentForm['kind'] } | null) => v && on.onForm({ kind: v.value }, true)} />
          </Stack>
          <Stack>
            <Label labelFor="filter-status">Status</Label>
            <Select id="filter-status" testId="filter-status" options={STATUSES} value={STATUSES.find((s) => s.value === form.status)}
              onChange={(v: { value: CommentForm['status'] } | null) => v && on.onForm({ status: v.value }, true)} />
          </Stack>
          <Stack>
            <Label labelFor="sort">Order</Label>
            <Select id="sort" testId="sort" options={SORTS} value={SORTS.find((s) => s.value === form.sort)}
              onChange={(v: { value: CommentSort } | null) => v && on.onForm({ sort: v.value }, true)} />
          </Stack>
        </Inline>
        {/* A Form, so Enter in Author or Search applies the filters (UI Kit's Textfield has no key events). */}
        <Form onSubmit={on.onApply}>
        <Inline space="space.100" alignBlock="end" shouldWrap>
          <Stack>
            <Label labelFor="filter-author">Author</Label>
            <Textfield id="filter-author" testId="filter-author" value={form.author} placeholder="Name or account id"
              onChange={(e) => on.onForm({ author: String(e.target.value ?? '') }, false)} />
          </Stack>
          <Stack>
            <Label labelFor="filter-text">Search</Label>
            <Textfield id="filter-text" testId="filter-text" value={form.text} placeholder="Text in a comment or its anchor"
              onChange={(e) => on.onForm({ text: String(e.target.value ?? '') }, false)} />
          </Stack>
          <Button type="submit" testId="filter-apply" isDisabled={list.pending}>Apply</Button>
          {hasFilters(form) ? <Button testId="filter-clear" appearance="subtle" onClick={on.onClear}>Clear filters</Button> : null}
        </Inline>
        </Form>
      </Stack>
      <Inline space="space.100" alignBlock="center" shouldWrap>
        <Text>Export the shown threads:</Text>
        <ButtonGroup label="Export comments">
          {EXPORTS.map((f) => (
            <Button key={f.value} testId={`comments-export-${f.value}`} isDisabled={!!exp?.pending} onClick={() => on.onExport(f.value)}>{f.label}</Button>
          ))}
        </ButtonGroup>
      </Inline>
      {exp?.pending ? <Loading label="Preparing the file…" /> : null}
      {exp?.error ? <ErrorBox error={exp.error} onRetry={on.onRetryExport} title="The comment export failed" testId="comments-export-error" /> : null}
      {exp?.data && !exp.pending ? (
        <FileCard testId="comments-download" fileName={exp.data.fileName} fileType={exp.data.mediaType} fileSize={utf8Bytes(exp.data.content)} onDownload={on.onDownload} />
      ) : null}
      {list.error ? <ErrorBox error={list.error} onRetry={on.onReload} title="Could not refresh the comments" testId="comments-error" /> : null}
      {r.incomplete ? (
        <SectionMessage appearance="warning" title="Some replies could not be read" testId="comments-skipped">
          <Stack>
            {r.skipped.map((s) => <Text key={s.id}>{`Replies to comment ${s.id}: ${s.detail}`}</Text>)}
          </Stack>
        </SectionMessage>
      ) : null}
      {list.pending ? <Loading label="Filtering…" /> : null}
      {r.threads.length === 0 ? (
        <Empty testId="comments-nomatch" header="No thread matches these filters" description="Change the filters or use Clear filters to see every thread." />
      ) : (
        <Stack space="space.200" testId="threads">
          <Text>{`${r.shown} of ${r.counts.threads} threads`}</Text>
          {page.items.map((t) => (
            <Thread key={t.id} root={t} now={now} folded={state.folded.includes(t.id)} onFold={() => on.onFold(t.id)} />
          ))}
          <Pager page={page.page} pages={page.pages} onPage={on.onPage} testId="threads-pager" />
        </Stack>
      )}
    </Stack>
  );
}

function Thread({ root, now, folded, onFold }: { root: CommentView; now: number; folded: boolean; onFold: () => void }) {
  const replies = flatten(root.replies);
  return (
    <Box testId={`thread-${root.id}`} padding="space.100" backgroundColor="color.background.neutral.subtle">
      <Stack space="space.100">
        <Inline space="space.100" alignBlock="center" shouldWrap>
          <Lozenge appearance={root.kind === 'inline' ? 'new' : 'default'}>{root.kind}</Lozenge>
          {root.inline ? <Lozenge appearance={STATUS_LOOK[root.inline.status]} testId={`status-${root.id}`}>{root.inline.status}</Lozenge> : null}
          {root.inline && root.inline.anchor === 'changed' ? <Lozenge appearance="moved">anchor text changed</Lozenge> : null}
          {root.inline && root.inline.anchor === 'missing' ? <Lozenge appearance="removed">anchor gone</Lozenge> : null}
        </Inline>
        {root.inline ? <Text testId={`anchor-${root.id}`}>{`“${root.inline.selection}”`}</Text> : null}
        <Comment c={root} now={now} />
        {replies.length > 0 ? (
          <Button spacing="compact" appearance="subtle" testId={`fold-${root.id}`} onClick={onFold}>
            {`${folded ? 'Show' : 'Hide'} ${replies.length} repl${replies.length === 1 ? 'y' : 'ies'}`}
          </Button>
        ) : null}
        {!folded
          ? replies.map((r) => (
              <Box key={r.id} paddingInlineStart={r.depth >= 2 ? 'space.400' : 'space.200'} testId={`reply-${r.id}`}>
                <Comment c={r} now={now} />
              </Box>
            ))
          : null}
      </Stack>
    </Box>
  );
}

function Comment({ c, now }: { c: CommentView; now: number }) {
  return (
    <Stack space="space.050">
      <Text weight="medium">{`${c.author} · ${relativeTime(c.created ?? c.updated, now)}${c.version > 1 ? ' (edited)' : ''}`}</Text>
      <Text>{c.text || '(empty comment)'}</Text>
      {c.clipped ? <Text size="small">Shortened here; open the comment in Confluence for all of it.</Text> : null}
    </Stack>
  );
}

/** Replies at every depth, in reading order (depth stays on each). */
function flatten(replies: CommentView[]): CommentView[] {
  return replies.flatMap((r) => [r, ...flatten(r.replies)]);
}
