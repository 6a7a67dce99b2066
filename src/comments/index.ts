/** The comments capability: read (service), view (filters, sort, counts, size cap), export formats. */
export { readComments, type CommentsApi, type CommentsModel, type ReadOptions } from './service';
export { countComments, filterThreads, flatten, present, selectThreads, sortThreads, type ViewInput } from './view';
export { csvCell, exportComments, toCsv, type ExportFile } from './formats';
export { anchorReport, annotationsOf, checkAnchor } from './anchors';
export { toInlineThreads } from './threads';
