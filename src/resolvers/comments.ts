/**
 * `comments/list` and `comments/export`: every comment thread of the page or blog post in the
 * panel, read as the user. The content id comes from the Forge context, never from the payload.
 */
import type Resolver from '@forge/resolver';
import { createClient } from '../confluence/client';
import { countComments, exportComments, flatten, present, readComments, selectThreads } from '../comments';
import { exportPayload, listPayload, type CommentsExport, type CommentsResult } from '../shared/comments';
import { requireContent, type CallContext } from './context';
import { AppError, defineResolver } from './define';
import { deadlineWithin, MAX_RESPONSE_BYTES, responseBytes } from './limits';

/** Resolvers get 25 s; stop starting reply reads after this so rendering and the answer fit. */
const WALK_BUDGET_MS = 18_000;
/**
 * Requests in flight at once. Every comment costs one /children call (the API does not say which
 * have replies), so 1,000 comments need ~1,000 calls: 16 at a time fits them in the 25 s limit at
 * 100 ms per call (bench/comments.ts). It only shapes the burst: the rate-limit cost is the count.
 */
const CONCURRENCY = 16;

async function read(ctx: CallContext) {
  const ref = await requireContent(ctx);
  let requests = 0;
  const client = createClient('user', { onResponse: () => (requests += 1) });
  const model = await readComments(client, ref, { siteUrl: ctx.siteUrl, concurrency: CONCURRENCY, deadline: deadlineWithin(WALK_BUDGET_MS) });
  return { model, requests: () => requests };
}

function tooLarge(): AppError {
  return new AppError('TOO_LARGE', 'There are too many comments to return at once.', 'Filter by kind, status, author or text, then try again.');
}

export function registerCommentsResolvers(resolver: Resolver): void {
  defineResolver(resolver, 'comments/list', listPayload, async (input, ctx): Promise<CommentsResult> => {
    const { model, requests } = await read(ctx);
    const result = present(model, input, requests());
    // Forge's 5 MB applies to the whole answer, envelope included.
    if (responseBytes({ ok: true, data: result }) > MAX_RESPONSE_BYTES) throw tooLarge();
    return result;
  });

  defineResolver(resolver, 'comments/export', exportPayload, async (input, ctx): Promise<CommentsExport> => {
    const { model } = await read(ctx);
    const { threads } = selectThreads(model, input);
    const file = exportComments(input.format, { content: model.content, threads, counts: countComments(model.threads), anchors: model.anchors, skipped: model.skipped });
    const out = { ...file, bytes: Buffer.byteLength(file.content), threads: threads.length, comments: flatten(threads).length, skipped: model.skipped };
    // The content travels inside a JSON string, whose escaping can grow it: measure the answer as sent.
    if (responseBytes({ ok: true, data: out }) > MAX_RESPONSE_BYTES) throw tooLarge();
    return out;
  });
}
