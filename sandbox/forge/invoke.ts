/**
 * Calls the app's handlers exactly as the Forge platform does: the same argument shapes, inside an
 * invocation (so asUser() resolves to the caller), with results passed through JSON.
 */
import type { ForgePlatform } from './platform';

export interface ContentRef {
  id: string;
  type: 'page' | 'blogpost';
}

export interface ResolverCall {
  key: string;
  payload?: unknown;
  accountId: string;
  content?: ContentRef;
  space?: { id: string; key: string };
  moduleKey?: string;
  /** The calling module's type (the byline item unless said otherwise). */
  extensionType?: string;
  jobId?: string;
}

type ResolverHandler = (request: unknown, runtimePayload: unknown) => Promise<unknown>;
type TriggerHandler = (event: unknown, context: unknown) => Promise<unknown>;

export async function invokeResolver(platform: ForgePlatform, handler: ResolverHandler, call: ResolverCall): Promise<unknown> {
  const moduleKey = call.moduleKey ?? 'content-toolkit-byline';
  const request = {
    call: { functionKey: call.key, payload: call.payload, jobId: call.jobId },
    context: {
      cloudId: platform.cloudId,
      localId: `${moduleKey}-local`,
      moduleKey,
      siteUrl: platform.confluenceUrl,
      environmentType: 'DEVELOPMENT',
      extension: {
        type: call.extensionType ?? 'confluence:contentBylineItem',
        ...(call.content ? { content: { id: call.content.id, type: call.content.type, subtype: null } } : {}),
        ...(call.space ? { space: call.space } : {}),
        location: call.content ? `${platform.confluenceUrl}/wiki/pages/${call.content.id}` : undefined,
      },
    },
  };
  const runtimePayload = {
    principal: { accountId: call.accountId },
    installContext: `ari:cloud:confluence::site/${platform.cloudId}`,
    license: { isActive: true },
    installation: {},
  };
  const result = await platform.run({ accountId: call.accountId, moduleKey }, () => handler(request, runtimePayload));
  return result === undefined ? undefined : JSON.parse(JSON.stringify(result));
}

/** Delivers a product event to a trigger handler, as the app (no user), like the platform. */
export async function deliverTrigger(platform: ForgePlatform, handler: TriggerHandler, event: unknown, moduleKey = 'content-events'): Promise<unknown> {
  const context = { installContext: `ari:cloud:confluence::site/${platform.cloudId}` };
  const result = await platform.run({ moduleKey }, () => handler(JSON.parse(JSON.stringify(event)), context));
  return result === undefined ? undefined : JSON.parse(JSON.stringify(result));
}
