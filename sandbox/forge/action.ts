/**
 * Calls a Rovo action function the way Rovo does (manifest reference, "Rovo action", Writing your
 * action; and the tutorial "Build a Rovo MCP hello world app", which prints the payload):
 *   handler(payload, context)
 *   payload = { ...inputs, context: { cloudId, moduleKey, confluence?: { url, resourceType,
 *               contentId, spaceKey, spaceId } } }     (confluence only when the user is on content)
 *   context = { installContext, principal: { accountId }, license, installation }   (function
 *             reference, "Function Arguments": the same context schema for every module)
 * inside an invocation for that user (so asUser() is that user), result passed through JSON.
 */
import type { Site } from '../confluence/site';
import { webui } from '../confluence/shapes';
import type { ForgePlatform } from './platform';

export interface ActionCall {
  /** The action's module key (manifest `action[].key`). */
  key: string;
  accountId: string;
  /** The page, blog post or database the user is on, if any. */
  content?: string;
  inputs?: Record<string, unknown>;
}

export type ActionHandler = (payload: unknown, context: unknown) => Promise<unknown>;

/** `payload.context.confluence` for content of the site, as a product page would send it. */
export function confluenceContext(site: Site, baseUrl: string, contentId: string): Record<string, string> | undefined {
  const c = site.content(contentId);
  if (!c) return undefined;
  const space = site.spaces.get(c.spaceId);
  // The docs' examples: `page` for pages, `blog` for blog posts; other kinds by their type name.
  const resourceType = c.type === 'blogpost' ? 'blog' : c.type;
  return {
    url: `${baseUrl}/wiki${webui(site, c)}`,
    resourceType,
    contentId: c.id,
    spaceKey: space?.key ?? '',
    spaceId: c.spaceId,
  };
}

export function actionPayload(platform: ForgePlatform, call: ActionCall, confluence?: Record<string, string>): Record<string, unknown> {
  return {
    ...(call.inputs ?? {}),
    context: { cloudId: platform.cloudId, moduleKey: call.key, ...(confluence ? { confluence } : {}) },
  };
}

export async function invokeAction(platform: ForgePlatform, handler: ActionHandler, call: ActionCall, confluence?: Record<string, string>): Promise<unknown> {
  const payload = JSON.parse(JSON.stringify(actionPayload(platform, call, confluence))) as unknown;
  const context = {
    installContext: `ari:cloud:confluence::site/${platform.cloudId}`,
    principal: { accountId: call.accountId },
    license: { isActive: true },
    installation: {},
  };
  const result = await platform.run({ accountId: call.accountId, moduleKey: call.key }, () => handler(payload, context));
  return result === undefined ? undefined : JSON.parse(JSON.stringify(result));
}
