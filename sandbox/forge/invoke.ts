/**
 * Calls the app's handlers exactly as the Forge platform does: the same argument shapes, inside an
 * invocation (so asUser() resolves to the caller), with results passed through JSON.
 */
import { INVOKE_PAYLOAD_MAX_BYTES, INVOKE_RESPONSE_MAX_BYTES, jsonBytes, PlatformLimitError, withinTime } from './limits';
import type { ForgePlatform } from './platform';

export interface ContentRef {
  id: string;
  type: 'page' | 'blogpost';
}

/** The UI modules of manifest.yml whose resolver calls carry an extension context. */
export type ModuleType = 'confluence:contentBylineItem' | 'confluence:contentAction' | 'confluence:globalPage';

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
  /** The site URL in the context; `null` leaves it out, as the docs allow ("if available"). */
  siteUrl?: string | null;
}

type ResolverHandler = (request: unknown, runtimePayload: unknown) => Promise<unknown>;
type TriggerHandler = (event: unknown, context: unknown) => Promise<unknown>;

/**
 * The `extension` object each module type gets, exactly as its Forge docs page lists it under
 * "Extension context" (forge-docs-snapshot, mirror/manifest-reference/modules/<page>/index.md):
 * - confluence-content-byline-item: type, content.{id, type, subtype}, space.{id, key}, location.
 * - confluence-content-action: type, content.{id, subtype}, space.{id, key}, location. No
 *   content.type: the page does not list it, so the app must not rely on it.
 * - confluence-global-page: the page lists no extension context; only the module type is sent.
 */
export function extensionFor(
  type: string,
  siteUrl: string,
  content?: ContentRef,
  space?: { id: string; key: string },
): Record<string, unknown> {
  if (type === 'confluence:globalPage' || !content) return { type };
  const location = `${siteUrl}/wiki/spaces/${space?.key ?? '~'}/pages/${content.id}`;
  const subtype = null; // pages and blog posts of the seed site are classic (no "live" subtype)
  if (type === 'confluence:contentAction') {
    return { type, content: { id: content.id, subtype }, ...(space ? { space } : {}), location };
  }
  return { type, content: { id: content.id, type: content.type, subtype }, ...(space ? { space } : {}), location };
}

export async function invokeResolver(platform: ForgePlatform, handler: ResolverHandler, call: ResolverCall): Promise<unknown> {
  const moduleKey = call.moduleKey ?? 'content-toolkit-byline';
  const siteUrl = call.siteUrl === null ? undefined : (call.siteUrl ?? platform.confluenceUrl);
  const request = {
    call: { functionKey: call.key, payload: call.payload, jobId: call.jobId },
    context: {
      cloudId: platform.cloudId,
      localId: `${moduleKey}-local`,
      moduleKey,
      ...(siteUrl ? { siteUrl } : {}),
      environmentType: 'DEVELOPMENT',
      extension: extensionFor(call.extensionType ?? 'confluence:contentBylineItem', platform.confluenceUrl, call.content, call.space),
    },
  };
  const runtimePayload = {
    principal: { accountId: call.accountId },
    installContext: `ari:cloud:confluence::site/${platform.cloudId}`,
    license: { isActive: true },
    installation: {},
  };
  // The platform refuses an oversized payload before the function runs, and an oversized answer after.
  const payloadBytes = jsonBytes(call.payload);
  if (payloadBytes > INVOKE_PAYLOAD_MAX_BYTES) {
    throw new PlatformLimitError('INVOKE_PAYLOAD_TOO_LARGE', `The ${call.key} payload is ${payloadBytes} bytes; invoke accepts at most ${INVOKE_PAYLOAD_MAX_BYTES}`);
  }
  const budgetMs = platform.resolverBudgetMs;
  const result = await platform.run({ accountId: call.accountId, moduleKey, budgetMs }, () =>
    withinTime(handler(request, runtimePayload), budgetMs, `resolver ${call.key}`),
  );
  const responseBytes = jsonBytes(result);
  if (responseBytes > INVOKE_RESPONSE_MAX_BYTES) {
    throw new PlatformLimitError('INVOKE_RESPONSE_TOO_LARGE', `The ${call.key} response is ${responseBytes} bytes; invoke returns at most ${INVOKE_RESPONSE_MAX_BYTES}`);
  }
  return result === undefined ? undefined : JSON.parse(JSON.stringify(result));
}

/** Delivers a product event to a trigger handler, as the app (no user), like the platform. */
export async function deliverTrigger(platform: ForgePlatform, handler: TriggerHandler, event: unknown, moduleKey = 'content-events'): Promise<unknown> {
  const context = { installContext: `ari:cloud:confluence::site/${platform.cloudId}` };
  // Product-event triggers get the 25 s runtime limit: only consumer and scheduled-trigger functions
  // may extend it (mirror/limits-invocation/index.md).
  const budgetMs = platform.resolverBudgetMs;
  const result = await platform.run({ moduleKey, budgetMs }, () => withinTime(handler(JSON.parse(JSON.stringify(event)), context), budgetMs, `trigger ${moduleKey}`));
  return result === undefined ? undefined : JSON.parse(JSON.stringify(result));
}
