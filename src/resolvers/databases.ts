import type Resolver from '@forge/resolver';
import { createClient } from '../confluence/client';
import { allDescendants } from '../confluence/tree';
import { findDatabases } from '../databases/discover';
import { DatabaseProblem } from '../databases/errors';
import { exportInspection } from '../databases/export';
import { inspectDatabase } from '../databases/inspect';
import { MAX_REF_LENGTH, parseDatabaseRef } from '../databases/ref';
import type { DatabaseExport, DatabaseInspection, DatabaseList } from '../shared/databases';
import { object, oneOf, str } from '../shared/validate';
import type { CallContext } from './context';
import { requireContent } from './context';
import { AppError, defineResolver } from './define';

const database = str({ min: 1, max: MAX_REF_LENGTH });

export function registerDatabasesResolvers(resolver: Resolver): void {
  /** Databases anywhere under the page the panel is on, as the user sees them. */
  defineResolver(resolver, 'databases/list', object({}), (_input, ctx): Promise<DatabaseList> =>
    domain(async () => {
      const client = createClient('user');
      const tree = (rootId: string) => allDescendants(client, rootId);
      return findDatabases({ tree, client }, await requireContent(ctx), { siteUrl: ctx.siteUrl });
    }),
  );

  /** Everything the API exposes about one database the user names (URL or id). */
  defineResolver(resolver, 'databases/inspect', object({ database }), (input, ctx): Promise<DatabaseInspection> =>
    domain(() => inspect(input.database, ctx)),
  );

  defineResolver(resolver, 'databases/export', object({ database, format: oneOf(['json', 'md'] as const) }), (input, ctx): Promise<DatabaseExport> =>
    domain(async () => exportInspection(await inspect(input.database, ctx), input.format)),
  );
}

function inspect(raw: string, ctx: CallContext): Promise<DatabaseInspection> {
  const ref = parseDatabaseRef(raw, { siteUrl: ctx.siteUrl });
  return inspectDatabase(createClient('user'), ref.id, { siteUrl: ctx.siteUrl });
}

/** The domain's own failures keep their code, message and hint in the envelope. */
async function domain<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof DatabaseProblem) throw new AppError(e.code, e.message, e.hint);
    throw e;
  }
}
