/**
 * The document layer's only door: a document (image or PDF) → pages → one bounded window of
 * pages in flight → a PageAnalyzer (the model in process, or the device pool). The server's
 * routes and the CLI call `analyzeDocument`; nothing above imports the files behind this door.
 */
export type * from './types.js';
export { analyzeDocument, analyzeOpenedDocument, type AnalyzeDocumentOptions, type DocumentContext } from './analyze-document.js';
export { checkUpload, openDocument, type DocumentLimits, type DocumentPages } from './document-pages.js';
export { PageWindow } from './page-window.js';
export { spoolUnwritable, spoolUsage } from './pdf-spool.js';
export { createInProcessAnalyzer } from './in-process-analyzer.js';
export { poolAnalyzer } from './pool-analyzer.js';
