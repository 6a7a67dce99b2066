/** Databases: the ones under this page, inspection by URL or id, and why rows are not readable. */
import React from 'react';
import { Box, Button, ButtonGroup, CodeBlock, FileCard, Heading, Inline, Label, Link, Lozenge, SectionMessage, Stack, Text, Textfield } from '@forge/react';
import type { DatabaseExportFormat, DatabaseInspection, Section } from '../../shared/databases';
import { paged, propertyText, relativeTime, type Lists, type State } from '../state';
import { Empty, ErrorBox, Loading, Pager, utf8Bytes } from './common';

export interface DatabasesHandlers {
  onRef: (text: string) => void;
  onInspect: (ref?: string) => void;
  onReload: () => void;
  onExport: (format: DatabaseExportFormat) => void;
  onRetryExport: () => void;
  onDownload: () => Blob;
  onPage: (list: Lists, page: number) => void;
}

/** `underPage` false: opened without a page (the global page), so only the lookup is shown. */
export function DatabasesTab({ state, now, on, underPage = true }: { state: State; now: number; on: DatabasesHandlers; underPage?: boolean }) {
  const list = state.requests.databases;
  const inspect = state.requests.inspect;
  return (
    <Stack space="space.300">
      {underPage ? (
        <Stack space="space.100">
          <Heading size="xsmall">Databases under this page</Heading>
          {list?.pending && !list.data ? <Loading label="Looking for databases in this page tree…" /> : null}
          {list?.error ? <ErrorBox error={list.error} onRetry={on.onReload} title="Could not list the databases" testId="databases-error" /> : null}
          {list?.data ? <DatabaseList state={state} now={now} on={on} /> : null}
        </Stack>
      ) : null}
      <Stack space="space.100">
        <Label labelFor="database-ref">{underPage ? 'Inspect any database by URL or id' : 'Database URL or id'}</Label>
        <Inline space="space.100" alignBlock="center">
          <Textfield id="database-ref" testId="database-ref" value={state.databaseRef} placeholder="https://…/wiki/spaces/KEY/database/123 or 123"
            onChange={(e) => on.onRef(String(e.target.value ?? ''))} />
          <Button testId="inspect" appearance="primary" isDisabled={!!inspect?.pending || !state.databaseRef.trim()} onClick={() => on.onInspect()}>Inspect</Button>
        </Inline>
      </Stack>
      {inspect?.pending ? <Loading label="Inspecting the database…" /> : null}
      {inspect?.error ? <ErrorBox error={inspect.error} onRetry={() => on.onInspect()} title="Could not inspect the database" testId="inspect-error" /> : null}
      {inspect?.data && !inspect.pending && !inspect.error ? <Inspection d={inspect.data} state={state} now={now} on={on} /> : null}
    </Stack>
  );
}

function DatabaseList({ state, now, on }: { state: State; now: number; on: DatabasesHandlers }) {
  const d = state.requests.databases?.data;
  if (!d) return null;
  if (d.databases.length === 0) {
    return <Empty testId="databases-empty" header="No databases under this page"
      description={`Looked at ${d.scanned} items below this page. Paste a database URL or id below to inspect one elsewhere.`} />;
  }
  const page = paged(d.databases, state.pages.databases);
  return (
    <Stack space="space.100" testId="databases">
      {page.items.map((db) => (
        <Inline key={db.id} space="space.100" alignBlock="center" spread="space-between" testId={`database-${db.id}`}>
          <Stack space="space.025">
            <Text weight="medium">{db.title}</Text>
            <Text size="small">{[db.owner ? `Owner ${db.owner.displayName}` : '', db.createdAt ? `created ${relativeTime(db.createdAt, now)}` : '', db.depth === 1 ? 'directly under this page' : `${db.depth} levels below this page`].filter(Boolean).join(' · ')}</Text>
            {db.error ? <Text size="small" color="color.text.warning">{db.error.message}</Text> : null}
          </Stack>
          <Button spacing="compact" testId={`inspect-${db.id}`} isDisabled={!!state.requests.inspect?.pending} onClick={() => on.onInspect(db.id)}>Inspect</Button>
        </Inline>
      ))}
      <Pager page={page.page} pages={page.pages} onPage={(p) => on.onPage('databases', p)} testId="databases-pager" />
      {d.more > 0 || d.partial ? <Text size="small">{d.note ?? `${d.more} more databases were found but not listed.`}</Text> : null}
    </Stack>
  );
}

function SectionView<T>({ title, section, render }: { title: string; section: Section<T>; render: (data: T) => React.ReactNode }) {
  return (
    <Stack space="space.050">
      <Heading size="xxsmall">{title}</Heading>
      {section.ok ? render(section.data) : <Text color="color.text.warning">{`${section.error.message}${section.error.hint ? ` ${section.error.hint}` : ''}`}</Text>}
    </Stack>
  );
}

function Inspection({ d, state, now, on }: { d: DatabaseInspection; state: State; now: number; on: DatabasesHandlers }) {
  const exp = state.requests.databaseExport;
  return (
    <Stack space="space.200" testId="inspection">
      <Stack space="space.050">
        <Heading size="small">{d.title}</Heading>
        <Inline space="space.100" shouldWrap alignBlock="center">
          <Lozenge>{d.type}</Lozenge>
          {d.status ? <Lozenge appearance={d.status === 'current' ? 'success' : 'moved'}>{d.status}</Lozenge> : null}
          <Text>{`Id ${d.id}`}</Text>
          {d.owner ? <Text>{`Owner ${d.owner.displayName}`}</Text> : null}
          {d.createdAt ? <Text>{`Created ${relativeTime(d.createdAt, now)}`}</Text> : null}
          {d.version?.number ? <Text>{`Version ${d.version.number}`}</Text> : null}
          {d.url ? <Link href={d.url} openNewTab>Open in Confluence</Link> : null}
        </Inline>
      </Stack>
      <RowDiagnostics d={d} />
      <SectionView title="Where it is" section={d.breadcrumb} render={(crumbs) => (
        <Text testId="breadcrumb">{crumbs.length ? crumbs.map((c) => c.title ?? `${c.type} ${c.id}`).join(' / ') : 'At the top of the space'}</Text>
      )} />
      <SectionView title="Space" section={d.space} render={(s) => <Text>{s.name ? `${s.name} (${s.key ?? s.id})` : s.key ?? s.id}</Text>} />
      <SectionView title="Children" section={d.children} render={(b) => {
        if (b.items.length === 0) return <Text>No children.</Text>;
        const page = paged(b.items, state.pages.children);
        return (
          <Stack space="space.050" testId="children">
            {page.items.map((c) => <Text key={c.id}>{`${c.title ?? '(no title)'} · ${c.type ?? 'item'} ${c.id}`}</Text>)}
            <Pager page={page.page} pages={page.pages} onPage={(p) => on.onPage('children', p)} testId="children-pager" />
            {b.more > 0 ? <Text size="small">{`${b.more} more not shown.`}</Text> : null}
          </Stack>
        );
      }} />
      <SectionView title="Properties" section={d.properties} render={(b) => {
        if (b.items.length === 0) return <Text>No properties.</Text>;
        const page = paged(b.items, state.pages.properties);
        return (
          <Stack space="space.100" testId="properties">
            <Text>{`${b.total} properties`}</Text>
            {page.items.map((p) => (
              <Stack key={p.key} space="space.050">
                <Text weight="medium">{p.key}</Text>
                {/* Flat values in words; nested ones as JSON (issue 23: every property was raw JSON). */}
                {!p.truncated && propertyText(p.json) !== undefined ? <Text testId="property-text">{propertyText(p.json)}</Text> : <CodeBlock language="json" text={p.json} />}
                {p.truncated ? <Text size="small">Shortened to keep the panel responsive.</Text> : null}
              </Stack>
            ))}
            <Pager page={page.page} pages={page.pages} onPage={(p) => on.onPage('properties', p)} testId="properties-pager" />
          </Stack>
        );
      }} />
      <SectionView title="What you can do" section={d.operations} render={(ops) => (
        <Inline space="space.050" shouldWrap testId="operations">
          {ops.length ? ops.map((o) => <Lozenge key={`${o.operation}:${o.targetType ?? ''}`}>{o.targetType ? `${o.operation} ${o.targetType}` : o.operation}</Lozenge>) : <Text>No operations.</Text>}
        </Inline>
      )} />
      <SectionView title="Classification" section={d.classification} render={(c) => <Text>{c ? c.name ?? c.id ?? 'Set' : 'None'}</Text>} />
      <SectionView title="Collaborators" section={d.collaborators} render={(b) => <Text>{b.items.length ? b.items.map((p) => p.displayName).join(', ') : 'None listed'}</Text>} />
      <Inline space="space.100" alignBlock="center">
        <Text>Export this inspection:</Text>
        <ButtonGroup label="Export inspection">
          <Button testId="database-export-json" isDisabled={!!exp?.pending} onClick={() => on.onExport('json')}>JSON</Button>
          <Button testId="database-export-md" isDisabled={!!exp?.pending} onClick={() => on.onExport('md')}>Markdown</Button>
        </ButtonGroup>
      </Inline>
      {exp?.pending ? <Loading label="Preparing the file…" /> : null}
      {exp?.error ? <ErrorBox error={exp.error} onRetry={on.onRetryExport} title="The export failed" testId="database-export-error" /> : null}
      {exp?.data && !exp.pending ? (
        <FileCard testId="database-download" fileName={exp.data.fileName} fileType={exp.data.mediaType} fileSize={utf8Bytes(exp.data.content)} onDownload={on.onDownload} />
      ) : null}
    </Stack>
  );
}

/** The straight answer about rows: what the API said, verbatim, and what to do instead. */
function RowDiagnostics({ d }: { d: DatabaseInspection }) {
  const rows = d.rows;
  return (
    <SectionMessage appearance="warning" title="Rows are not available to apps" testId="row-diagnostics">
      <Stack space="space.100">
        <Text>{rows.summary}</Text>
        <Text>{rows.explanation}</Text>
        <Text weight="bold">{rows.whatToDo}</Text>
        {rows.probes.length ? (
          <Box>
            {rows.probes.map((p) => (
              <Text key={p.path} size="small">{`${p.path} → ${p.status || 'no answer'}${p.failureCategory ? ` ${p.failureCategory}` : ''}`}</Text>
            ))}
          </Box>
        ) : null}
        {rows.error ? <Text size="small">{`The row paths could not be checked: ${rows.error.message}`}</Text> : null}
      </Stack>
    </SectionMessage>
  );
}
