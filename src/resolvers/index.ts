/** The `resolver` function: every UI Kit `invoke` key, grouped by capability. */
import Resolver from '@forge/resolver';
import { registerPageResolvers } from './page';
import { registerCommentsResolvers } from './comments';
import { registerActivityResolvers } from './activity';
import { registerDatabasesResolvers } from './databases';
import { registerExportResolvers } from './export';

const resolver = new Resolver();
registerPageResolvers(resolver);
registerCommentsResolvers(resolver);
registerActivityResolvers(resolver);
registerDatabasesResolvers(resolver);
registerExportResolvers(resolver);

export const handler = resolver.getDefinitions();
