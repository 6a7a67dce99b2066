/** The Rovo action handlers, one per `action` module in manifest.yml. */
export { pageMarkdownAction } from './page-markdown';
export { commentsAction } from './comments';
export { databaseAction } from './database';
export { activityAction } from './activity';
export { treeExportAction } from './tree-export';
