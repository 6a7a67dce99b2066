/** The panel header: what page this is, its version and space (from `page/info`). */
import React from 'react';
import { Heading, Inline, Link, Lozenge, Stack, Text } from '@forge/react';
import type { PageInfo } from '../../shared/page';
import type { Req } from '../state';
import { ErrorBox, Loading } from './common';

export function Header({ page, onRetry }: { page: Req<PageInfo> | undefined; onRetry: () => void }) {
  if (page?.error && !page.data) return <ErrorBox error={page.error} onRetry={onRetry} title="Could not read this page" testId="header-error" />;
  if (!page?.data) return <Loading label="Reading the page…" />;
  const p = page.data;
  const space = p.spaceName ? `${p.spaceName}${p.spaceKey ? ` (${p.spaceKey})` : ''}` : p.spaceKey;
  return (
    <Stack space="space.050" testId="header">
      <Heading size="small">{p.title}</Heading>
      <Inline space="space.100" alignBlock="center" shouldWrap>
        <Lozenge appearance="default">{p.type === 'blogpost' ? 'Blog post' : 'Page'}</Lozenge>
        <Text>{`Version ${p.version}`}</Text>
        {space ? <Text>{`Space: ${space}`}</Text> : null}
        {p.url ? <Link href={p.url} openNewTab>Open in Confluence</Link> : null}
      </Inline>
    </Stack>
  );
}
