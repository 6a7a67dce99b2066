/**
 * "Can every viewer of page P read item X?" The rule for anything put into a file attached to P
 * (an attachment is readable by everyone who can read P): child lists, included content, pages of
 * an attached tree zip. Pure: Confluence access comes in as parameters.
 *
 * Conservative by design, from read restrictions only (Confluence inherits them down the tree):
 * - a restriction on P or one of its ancestors binds every viewer of P, so X may sit under it;
 * - any other restriction on X or its ancestors must name (by account) every account that can
 *   possibly read P, which is only knowable when P's own chain has a complete user-only restriction;
 * - X in another space than P is never shared (space permissions are not compared);
 * - when a lookup fails, X is not shared.
 * So an item may be left out although all viewers could read it; never the other way round.
 */
import type { Confluence } from '../confluence/client';
import type { ReadRestriction } from '../confluence/types';

export interface AudienceDeps {
  /** The item's own read restriction (not inherited ones). */
  readRestriction(id: string): Promise<ReadRestriction>;
  /** Ids of the item's ancestors, in any order. */
  ancestorIds(id: string): Promise<string[]>;
  /** Optional bulk form: the own read restriction of every child of `parentId` (fewer requests). */
  childRestrictions?(parentId: string): Promise<ReadonlyMap<string, ReadRestriction>>;
}

export interface AudienceItem {
  id: string;
  /** Known parent id: spares the ancestors request (children, tree listings). */
  parentId?: string;
  spaceId?: string;
}

export interface Audience {
  /** True only when every viewer of the page can read the item. */
  sharesWith(item: AudienceItem): Promise<boolean>;
}

const restricted = (r: ReadRestriction): boolean => r.accountIds.length > 0 || r.groupIds.length > 0 || !r.complete;

/** The audience of one page. Lookups are cached, so checking many items under one parent is cheap. */
export function pageAudience(deps: AudienceDeps, page: { id: string; spaceId?: string }): Audience {
  const parents = new Map<string, string>();
  const siblings = new Map<string, Promise<ReadonlyMap<string, ReadRestriction>>>();
  const restrictions = new Map<string, Promise<ReadRestriction>>();
  const restrictionOf = (id: string): Promise<ReadRestriction> => {
    let r = restrictions.get(id);
    if (!r) {
      const parentId = parents.get(id);
      const bulk = deps.childRestrictions;
      if (parentId !== undefined && bulk) {
        let all = siblings.get(parentId);
        if (!all) siblings.set(parentId, (all = bulk(parentId)));
        // Not in the listing (another type, or moved meanwhile): ask for it alone.
        r = all.then((m) => m.get(id) ?? deps.readRestriction(id));
      } else r = deps.readRestriction(id);
      restrictions.set(id, r);
    }
    return r;
  };
  const chains = new Map<string, Promise<string[]>>();
  /** The item and all its ancestors. */
  const chainOf = (id: string, parentId?: string): Promise<string[]> => {
    let c = chains.get(id);
    if (!c) {
      if (parentId !== undefined) parents.set(id, parentId);
      c = parentId !== undefined ? chainOf(parentId).then((up) => [id, ...up]) : deps.ancestorIds(id).then((up) => [id, ...up]);
      chains.set(id, c);
    }
    return c;
  };
  /** Every account that can possibly read the page, when a restriction on its chain bounds them. */
  const readersOf = async (chain: string[]): Promise<Set<string> | undefined> => {
    let bound: Set<string> | undefined;
    for (const r of await Promise.all(chain.map(restrictionOf))) {
      if (!restricted(r) || r.groupIds.length > 0 || !r.complete) continue;
      const previous = bound;
      bound = new Set(previous ? r.accountIds.filter((a) => previous.has(a)) : r.accountIds);
    }
    return bound;
  };
  // Lazy: nothing is requested unless an item is checked.
  let pageView: Promise<{ chain: Set<string>; readers: Set<string> | undefined }> | undefined;
  const view = () => (pageView ??= chainOf(page.id).then(async (chain) => ({ chain: new Set(chain), readers: await readersOf(chain) })));

  return {
    async sharesWith(item) {
      if (item.spaceId !== undefined && page.spaceId !== undefined && item.spaceId !== page.spaceId) return false;
      try {
        const [{ chain: own, readers }, chain] = await Promise.all([view(), chainOf(item.id, item.parentId)]);
        for (const id of chain) {
          if (own.has(id)) continue;
          const r = await restrictionOf(id);
          if (!restricted(r)) continue;
          if (!readers || [...readers].some((a) => !r.accountIds.includes(a))) return false;
        }
        return true;
      } catch {
        return false;
      }
    },
  };
}

/** The deps from a Confluence client. The identity must be able to read the page and its ancestors. */
export function confluenceAudience(client: Pick<Confluence, 'readRestriction' | 'ancestors' | 'readRestrictionsUnder'>, page: { id: string; spaceId?: string }): Audience {
  return pageAudience(
    {
      readRestriction: (id) => client.readRestriction(id),
      ancestorIds: async (id) => (await client.ancestors(id)).map((a) => a.id),
      childRestrictions: async (parentId) => {
        const out = new Map<string, ReadRestriction>();
        for await (const c of client.readRestrictionsUnder(parentId)) out.set(c.id, c.restriction);
        return out;
      },
    },
    page,
  );
}
