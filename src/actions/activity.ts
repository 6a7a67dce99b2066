/**
 * `get-page-activity` (GET): what happened to a page (edits, comments, auto-exports, as recorded by
 * the app's event trigger) and whether its last export is stale ("exported at v12, page now at v14").
 * The log lives in app storage, readable by the app for every page: so the page is first read AS THE
 * USER, and a page the user cannot see answers NOT_FOUND before storage is touched.
 */
import { readFreshness } from '../activity/freshness';
import { readLog } from '../activity/log';
import { createClient } from '../confluence/client';
import { forgeKv } from '../storage/kv';
import { defineAction, resolveTarget, wholeInput } from './input';

export const activityAction = defineAction('get-page-activity', async (call) => {
  const limit = wholeInput(call, 'limit', { min: 1, max: 200 }) ?? 20;
  const client = createClient('user');
  const { ref, page: read } = await resolveTarget(call, client);
  // The read proves the user can see the page before app storage is touched (one read, not two).
  const page = read ?? (ref.type === 'blogpost' ? await client.getBlogPost(ref.id) : await client.getPage(ref.id));
  const current = page.version?.number ?? 0;
  const [log, freshness] = await Promise.all([readLog(forgeKv, ref.id), readFreshness(forgeKv, ref.id, current, call.accountId)]);
  const recent = log.slice(-limit).reverse();
  const ids = [...new Set(recent.map((e) => e.accountId).filter((id): id is string => Boolean(id)))];
  // Names as the user, in one bulk request; a failure only costs the names.
  const users = ids.length > 0 ? await client.users(ids).catch(() => new Map<string, { displayName?: string }>()) : new Map<string, { displayName?: string }>();
  return {
    page: { id: ref.id, type: ref.type, title: page.title ?? '', version: current, ...(page.version?.createdAt ? { lastEdited: page.version.createdAt } : {}) },
    exportFreshness: freshness
      ? `${freshness.stale ? 'Stale' : 'Fresh'}: ${freshness.mine ? 'your' : 'the attached'} last export (${freshness.kind}, ${freshness.format}) at version ${freshness.exportedVersion} on ${freshness.at.slice(0, 10)}; the page is now at version ${freshness.currentVersion}.`
      : 'Not exported with Content Toolkit by you, and no export is attached to it.',
    activity: recent.map((e) => ({
      what: e.type.replace(/^avi:confluence:/, ''),
      at: e.at,
      ...(e.accountId ? { by: users.get(e.accountId)?.displayName ?? e.accountId } : {}),
      ...(e.version !== undefined ? { version: e.version } : {}),
      ...(e.commentId ? { commentId: e.commentId } : {}),
      ...(e.detail ? { detail: e.detail } : {}),
    })),
    shown: recent.length,
    total: log.length,
    ...(log.length === 0 ? { note: 'The app records activity from its install onwards; nothing is recorded for this page yet.' } : {}),
  };
});
