/** The PDF layer's door: rendering with pdf.js, page selection, and PDF work kept off the caller's event loop. */
export { isPdf, openPdf, preloadPdfJs, rasterizePdf, renderTimeoutError, type OpenPdfOptions, type PdfDocumentHandle, type RasterizeOptions } from './rasterize.js';
export { selectPdfPages } from './page-range.js';
export { countPdfPages, pdfThreadStats, renderPdfPage, type SpooledPdfTask } from './pdf-threads.js';
export { renderSpooledPage, type PdfPageRef } from './spooled-documents.js';
