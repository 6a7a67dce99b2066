// Exactly the handlers manifest.yml names, nothing else (test/wiring.test.ts checks both ways).
export { handler as resolver } from './resolvers/index';
export { events } from './events/trigger';
export { autoExportConsumer } from './events/consumer';
export { treeExportConsumer } from './jobs/tree-export';
export { pageMarkdownAction, commentsAction, databaseAction, activityAction, treeExportAction } from './actions';
