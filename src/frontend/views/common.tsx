/** Small building blocks every tab uses: loading, errors with hint and retry, empty states, paging. */
import React from 'react';
import { Button, EmptyState, Inline, SectionMessage, Spinner, Stack, Text } from '@forge/react';
import type { ApiError } from '../../shared/envelope';

export function Loading({ label }: { label: string }) {
  return (
    <Inline space="space.100" alignBlock="center">
      <Spinner size="small" label={label} />
      <Text>{label}</Text>
    </Inline>
  );
}

/**
 * Errors a retry cannot mend: the input itself is wrong (issue 23: validation errors offered "Try
 * again"). The person changes the input instead; the hint says how.
 */
const NOT_RETRYABLE = new Set(['BAD_REQUEST', 'INVALID_DATABASE_REF', 'NOT_A_DATABASE', 'OTHER_SITE', 'NOT_A_PAGE', 'USE_TREE_EXPORT']);

/** An envelope error as the person should read it: what happened, what to do, and a retry when one can help. */
export function ErrorBox({ error, onRetry, title, testId }: { error: ApiError; onRetry?: () => void; title?: string; testId?: string }) {
  // Not a failure: the user has not allowed access yet (src/frontend/api.ts isConsentError).
  const consent = error.code === 'CONSENT';
  return (
    <SectionMessage appearance={consent ? 'warning' : 'error'} title={consent ? 'Allow access to continue' : title ?? 'Something went wrong'} testId={testId ?? 'error'}>
      <Stack space="space.100">
        <Text>{error.message}</Text>
        {error.hint ? <Text>{error.hint}</Text> : null}
        <Text size="small" color="color.text.subtlest">{`Code: ${error.code}${error.status ? ` (HTTP ${error.status})` : ''}`}</Text>
        {onRetry && !NOT_RETRYABLE.has(error.code) ? (
          <Inline>
            <Button onClick={onRetry} testId="retry">Try again</Button>
          </Inline>
        ) : null}
      </Stack>
    </SectionMessage>
  );
}

export function Empty({ header, description, testId }: { header: string; description: string; testId?: string }) {
  return <EmptyState header={header} description={description} headingLevel={3} width="narrow" testId={testId ?? 'empty'} />;
}

/** Previous / next through a long list; hidden when everything fits on one page. */
export function Pager({ page, pages, onPage, testId }: { page: number; pages: number; onPage: (page: number) => void; testId: string }) {
  if (pages <= 1) return null;
  return (
    <Inline space="space.100" alignBlock="center" testId={testId}>
      <Button spacing="compact" isDisabled={page <= 0} onClick={() => onPage(page - 1)} testId={`${testId}-prev`}>Previous</Button>
      <Text>{`Page ${page + 1} of ${pages}`}</Text>
      <Button spacing="compact" isDisabled={page >= pages - 1} onClick={() => onPage(page + 1)} testId={`${testId}-next`}>Next</Button>
    </Inline>
  );
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** UTF-8 size without Node's Buffer (the panel is also bundled for the browser). */
export function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}
