/**
 * Finds the databases under a page: one walk of the page's descendants as the caller (they come
 * typed, so databases are picked out without extra requests), then the details a list needs (owner,
 * created, link) for a bounded number of them, and the owners' names in one lookup.
 */
import pLimit from 'p-limit';
import type { Confluence } from '../confluence/client';
import { passConsent } from '../confluence/errors';
import { isoTime } from '../confluence/normalize';
import type { Descendant, User } from '../confluence/types';
import type { DatabaseList, DatabaseSummary } from '../shared/databases';
import { problemFrom, sectionError } from './errors';

export interface DiscoverLimits {
  /** Databases detailed (one request each); the rest are counted in `more`. */
  detail: number;
  /** Tree items looked at before stopping (250 per request). */
  scan: number;
  concurrency: number;
}

export const DISCOVER_LIMITS: DiscoverLimits = { detail: 50, scan: 10_000, concurrency: 4 };

export interface DiscoverDeps {
  /** Every descendant of a page, any depth (allDescendants over a client). */
  tree(rootId: string): AsyncIterable<Descendant>;
  client: Pick<Confluence, 'getDatabase' | 'users'>;
}

export async function findDatabases(
  deps: DiscoverDeps,
  root: { id: string; type: 'page' | 'blogpost' },
  o: { siteUrl?: string; limits?: Partial<DiscoverLimits> } = {},
): Promise<DatabaseList> {
  const L = { ...DISCOVER_LIMITS, ...o.limits };
  if (root.type === 'blogpost') {
    return { rootId: root.id, rootType: root.type, databases: [], more: 0, scanned: 0, partial: false, note: 'Blog posts have no child content, so no databases can sit under one.' };
  }

  const found: Descendant[] = [];
  let scanned = 0;
  let partial = false;
  try {
    for await (const d of deps.tree(root.id)) {
      scanned += 1;
      if (d.type === 'database') found.push(d);
      if (scanned >= L.scan) {
        partial = true;
        break;
      }
    }
  } catch (e) {
    throw problemFrom(e, 'the content under this page');
  }

  const shown = found.slice(0, L.detail);
  const limit = pLimit(L.concurrency);
  const base = o.siteUrl ? `${o.siteUrl.replace(/\/$/, '')}/wiki` : undefined;
  const details = await Promise.all(
    shown.map((d) =>
      limit(async () => {
        try {
          return { d, db: await deps.client.getDatabase(d.id) };
        } catch (e) {
          return { d, error: sectionError(e, `database ${d.id}`) };
        }
      }),
    ),
  );

  const owners = details.map((x) => x.db?.ownerId ?? x.db?.authorId).filter((a): a is string => !!a);
  let names = new Map<string, User>();
  let note: string | undefined;
  if (owners.length > 0) {
    try {
      names = await deps.client.users(owners);
    } catch (e) {
      passConsent(e);
      note = 'Owner names could not be looked up; account ids are shown instead.';
    }
  }

  const databases = details.map(({ d, db, error }): DatabaseSummary => {
    const ownerId = db?.ownerId ?? db?.authorId;
    const u = ownerId ? names.get(ownerId) : undefined;
    const name = u?.displayName ?? u?.publicName;
    const webBase = db?._links?.base ?? base;
    const url = webBase && db?._links?.webui ? `${webBase}${db._links.webui}` : undefined;
    return {
      id: d.id,
      title: db?.title ?? d.title ?? '(untitled database)',
      ...((db?.status ?? d.status) ? { status: db?.status ?? d.status } : {}),
      depth: d.depth ?? 1,
      ...(d.parentId ? { parentId: d.parentId } : {}),
      ...(ownerId ? { owner: { accountId: ownerId, displayName: name ?? 'Unknown user', known: name !== undefined } } : {}),
      ...(isoTime(db?.createdAt) ? { createdAt: isoTime(db?.createdAt) } : {}),
      ...(url ? { url } : {}),
      ...(error ? { error } : {}),
    };
  });

  return {
    rootId: root.id,
    rootType: root.type,
    databases,
    more: found.length - shown.length,
    scanned,
    partial,
    ...(partial ? { note: `Stopped after ${L.scan} items of the tree; databases further down are not listed.` } : note ? { note } : {}),
  };
}
