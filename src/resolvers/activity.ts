/**
 * `activity/list`, `autoexport/get`, `autoexport/set`. KVS is app-wide, so every read first proves,
 * with a request made AS THE USER, that the user can see the page; otherwise they get Confluence's
 * own 404 and nothing from storage.
 */
import type Resolver from '@forge/resolver';
import { readSetting, readState, stateKey, viewOf, writeSetting } from '../activity/autoexport';
import { readFreshness } from '../activity/freshness';
import { readLog } from '../activity/log';
import { createClient } from '../confluence/client';
import { orElse } from '../confluence/errors';
import { enqueueAutoExport } from '../events/trigger';
import {
  AUTOEXPORT_FORMATS,
  type ActivityItem,
  type ActivityList,
  type AutoExportSetting,
  type AutoExportView,
} from '../shared/activity';
import { bool, int, object, oneOf, optional } from '../shared/validate';
import { forgeKv } from '../storage/kv';
import { requireContent, type CallContext } from './context';
import { AppError, defineResolver } from './define';

const DEFAULT_LIMIT = 50;

export function registerActivityResolvers(resolver: Resolver): void {
  defineResolver(resolver, 'activity/list', object({ limit: optional(int({ min: 1, max: 200 })) }), async (input, ctx): Promise<ActivityList> => {
    const ref = await requireContent(ctx);
    const client = createClient('user');
    // The visibility check, and the current version for "exported at vN, now at vM".
    const page = ref.type === 'blogpost' ? await client.getBlogPost(ref.id) : await client.getPage(ref.id);
    const currentVersion = page.version?.number ?? 0;
    const [log, freshness] = await Promise.all([readLog(forgeKv, ref.id), readFreshness(forgeKv, ref.id, currentVersion, ctx.accountId)]);
    const recent = log.slice(-(input.limit ?? DEFAULT_LIMIT)).reverse();
    // Names are resolved as the user, in one bulk request; a failure only costs the names.
    const ids = [...recent.map((e) => e.accountId), freshness?.accountId].filter((id): id is string => Boolean(id));
    const users = ids.length > 0 ? await client.users(ids).catch(orElse(new Map<string, { displayName?: string }>())) : new Map<string, { displayName?: string }>();
    const items: ActivityItem[] = recent.map((e) => ({
      type: e.type,
      at: e.at,
      ...(e.accountId ? { accountId: e.accountId, displayName: users.get(e.accountId)?.displayName ?? e.accountId } : {}),
      ...(e.version !== undefined ? { version: e.version } : {}),
      ...(e.commentId ? { commentId: e.commentId } : {}),
      ...(e.detail ? { detail: e.detail } : {}),
    }));
    const by = freshness?.accountId ? users.get(freshness.accountId)?.displayName : undefined;
    return { items, total: log.length, currentVersion, freshness: freshness && by ? { ...freshness, displayName: by } : freshness };
  });

  defineResolver(resolver, 'autoexport/get', object({}), async (_input, ctx): Promise<AutoExportView> => {
    const id = await requirePage(ctx);
    // Operations as the user: proves the page is visible (404 otherwise) and says if they may edit.
    const canEdit = await canEditPage(id);
    const [setting, state] = await Promise.all([readSetting(forgeKv, id), readState(forgeKv, id)]);
    return viewOf(setting, state, canEdit);
  });

  const settingCheck = object({ enabled: bool(), format: oneOf(AUTOEXPORT_FORMATS), frontMatter: bool(), comments: bool() });
  defineResolver(resolver, 'autoexport/set', settingCheck, async (input, ctx): Promise<AutoExportView> => {
    const id = await requirePage(ctx);
    if (!(await canEditPage(id))) {
      throw new AppError('FORBIDDEN', 'Only people who can edit this page can change its auto-export.', 'Ask someone who can edit the page.');
    }
    const before = await readSetting(forgeKv, id);
    const setting: AutoExportSetting = input;
    await writeSetting(forgeKv, id, setting);
    // Turning it on (or changing what is written) makes the first copy now, not at the next edit.
    const changed = before.format !== setting.format || before.frontMatter !== setting.frontMatter || before.comments !== setting.comments;
    if (setting.enabled && (!before.enabled || changed)) {
      if (changed) await forgeKv.delete(stateKey(id));
      await enqueueAutoExport({ contentId: id, reason: 'enabled' });
    }
    return viewOf(setting, await readState(forgeKv, id), true);
  });
}

async function requirePage(ctx: CallContext): Promise<string> {
  const ref = await requireContent(ctx);
  if (ref.type !== 'page') {
    throw new AppError('UNSUPPORTED', 'Auto-export works on pages only.', 'Open a page to keep an exported copy attached to it.');
  }
  return ref.id;
}

async function canEditPage(id: string): Promise<boolean> {
  const operations = await createClient('user').pageOperations(id);
  return operations.some((o) => o.operation === 'update');
}
