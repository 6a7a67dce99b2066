/**
 * Narrows the untyped Forge resolver context in one place. The content id always comes from here
 * (the page the panel is on), never from the payload, so a caller cannot point a resolver elsewhere.
 *
 * Only fields the Forge docs promise for the calling module are relied on:
 * - confluence:contentBylineItem: `extension.content.{id, type, subtype}` and `extension.space`
 *   (manifest-reference/modules/confluence-content-byline-item, "Extension context").
 * - confluence:contentAction: `extension.content.{id, subtype}` and `extension.space`, but NO
 *   `content.type` (manifest-reference/modules/confluence-content-action, "Extension context"); the
 *   type is then asked of Confluence, once, and only by resolvers that need it.
 * - confluence:globalPage: no content at all (manifest-reference/modules/confluence-global-page).
 * - `siteUrl` is "if available" (forge-remote-invocation-contract): callers fall back to the
 *   `_links.base` of a Confluence response (`siteUrlFrom` in confluence/site.ts).
 */
import { createClient } from '../confluence/client';
import { ConfluenceError } from '../confluence/errors';
import { BadInput } from '../shared/validate';

export type ContentType = 'page' | 'blogpost';

export interface ContentRef {
  id: string;
  type: ContentType;
}

export interface CallContext {
  accountId: string;
  /** The site's URL when the platform gives it; undefined otherwise (then use `siteUrlFrom`). */
  siteUrl?: string;
  /** The content the module is on: its id always, its type when the module's context carries it. */
  content?: { id: string; type?: ContentType };
  space?: { id?: string; key?: string };
}

/** Asks Confluence what an id is ('page', 'blogpost', …; null when the caller cannot see it). */
export type TypeLookup = (id: string) => Promise<string | null | undefined>;

export function readContext(context: unknown): CallContext {
  const c = (context ?? {}) as {
    accountId?: unknown;
    siteUrl?: unknown;
    extension?: { content?: { id?: unknown; type?: unknown }; space?: { id?: unknown; key?: unknown } };
  };
  if (typeof c.accountId !== 'string' || !c.accountId) {
    throw new BadInput('', 'This action needs a signed-in user.');
  }
  const raw = c.extension?.content;
  const id = raw && (typeof raw.id === 'string' || typeof raw.id === 'number') && String(raw.id) ? String(raw.id) : undefined;
  const type = raw?.type === 'page' || raw?.type === 'blogpost' ? raw.type : undefined;
  const space = c.extension?.space;
  return {
    accountId: c.accountId,
    siteUrl: typeof c.siteUrl === 'string' && c.siteUrl ? c.siteUrl.replace(/\/$/, '') : undefined,
    content: id ? { id, ...(type ? { type } : {}) } : undefined,
    space: space ? { id: typeof space.id === 'string' ? space.id : undefined, key: typeof space.key === 'string' ? space.key : undefined } : undefined,
  };
}

/** The id of the page or blog post the module is on, for resolvers that need nothing more. */
export function requireContentId(ctx: CallContext): string {
  if (!ctx.content) throw new BadInput('', 'Open this from a page or blog post.');
  return ctx.content.id;
}

/**
 * The page or blog post the module is on. When the context has no type (the ••• content action),
 * one `POST /content/convert-ids-to-types` as the user answers it: no body is read, and it costs one
 * request whatever the type (GET /pages/{id} then /blogposts/{id} would cost two for a blog post).
 * The answer is kept on `ctx`, so a resolver asks at most once.
 */
export async function requireContent(ctx: CallContext, typeOf: TypeLookup = lookupType): Promise<ContentRef> {
  const content = ctx.content;
  if (!content) throw new BadInput('', 'Open this from a page or blog post.');
  if (content.type) return { id: content.id, type: content.type };
  const type = await typeOf(content.id);
  if (type === null || type === undefined) {
    // Confluence answers null for content that is gone or hidden from the user, as a 404 would.
    throw new ConfluenceError({ status: 404, code: 'NOT_FOUND', message: `Confluence has no page or blog post ${content.id} for you`, hint: 'It may have been deleted, or you may not have permission to see it.' });
  }
  if (type !== 'page' && type !== 'blogpost') {
    throw new BadInput('', `This works on pages and blog posts, not on a ${type}.`);
  }
  content.type = type;
  return { id: content.id, type };
}

async function lookupType(id: string): Promise<string | null | undefined> {
  return (await createClient('user').contentTypes([id]))[id];
}
