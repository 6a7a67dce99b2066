/**
 * Narrows the untyped Forge resolver context in one place. The content id always comes from here
 * (the page the panel is on), never from the payload, so a caller cannot point a resolver elsewhere.
 */
import { BadInput } from '../shared/validate';

export interface CallContext {
  accountId: string;
  siteUrl: string;
  content?: { id: string; type: 'page' | 'blogpost' };
  space?: { id?: string; key?: string };
}

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
  const content =
    raw && (typeof raw.id === 'string' || typeof raw.id === 'number') && (raw.type === 'page' || raw.type === 'blogpost')
      ? { id: String(raw.id), type: raw.type as 'page' | 'blogpost' }
      : undefined;
  const space = c.extension?.space;
  return {
    accountId: c.accountId,
    siteUrl: typeof c.siteUrl === 'string' ? c.siteUrl : '',
    content,
    space: space ? { id: typeof space.id === 'string' ? space.id : undefined, key: typeof space.key === 'string' ? space.key : undefined } : undefined,
  };
}

/** The page or blog post the panel is on; resolvers that need one call this. */
export function requireContent(ctx: CallContext): { id: string; type: 'page' | 'blogpost' } {
  if (!ctx.content) throw new BadInput('', 'Open this from a page or blog post.');
  return ctx.content;
}
