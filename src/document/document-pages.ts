/**
 * A document as a list of pages to analyse: bytes are sniffed (names and content types are never
 * trusted); an image is one page as received, a PDF is spooled to a private temp file and its
 * selected pages handed on by reference, so no page is ever held in memory here. Nothing here
 * parses or draws a PDF: counting runs on PDF threads, rendering where the pixels are used, both
 * under time budgets.
 */
import fs from 'node:fs/promises';
import { EmptyInputError, UnsupportedMediaError, UploadTooLargeError } from '../errors.js';
import { sniffMediaType, type MediaType } from '../model/index.js';
import { optionSpecs } from '../config.js';
import { countPdfPages, selectPdfPages } from '../pdf/index.js';
import type { PageSource } from '../pool/index.js';
import { inSpan } from '../tracing/index.js';
import { spoolPdf } from './pdf-spool.js';
import type { DocumentCounters, UploadedFile } from './types.js';

/** The limits a document is checked against (a subset of Config). */
export interface DocumentLimits {
  /** Refuse larger files; absent = no size check (the CLI reads local files). */
  readonly maxUploadMb?: number;
  readonly maxPixels: number;
  readonly pdfDpi: number;
  readonly maxPdfPages: number;
  /** A PDF page (or page count) slower than this fails with LAYOUT_ERR_PDF, ms; the option's default when absent. */
  readonly pdfPageTimeoutMs?: number;
  /** The most MB of PDFs spooled at once in this process (0 = no bound); the option's default when absent. */
  readonly spoolMaxMb?: number;
}

export interface DocumentPages {
  readonly mediaType: MediaType;
  readonly pageCount: number;
  /** 1-based page numbers to analyse, in order; [1] for an image. */
  readonly selected: readonly number[];
  /** The page as the analyzer takes it: the upload's bytes, or a reference to a spooled PDF page. */
  source(pageNumber: number): PageSource;
  /** False once a spooled PDF's temp file is gone (a temp cleaner): an open kept for later must be opened again. */
  intact(): Promise<boolean>;
  close(): Promise<void>;
}

const MB = 1024 * 1024;

/** Empty, too large or neither an image nor a PDF → the matching 4xx error; else its type. */
export function checkUpload(file: UploadedFile, maxUploadMb?: number): MediaType {
  if (file.bytes.byteLength === 0) throw EmptyInputError(file.name);
  if (maxUploadMb !== undefined && file.bytes.byteLength > maxUploadMb * MB) throw UploadTooLargeError(maxUploadMb);
  const type = sniffMediaType(file.bytes);
  if (!type) throw UnsupportedMediaError(file.name, 'the bytes are not an image or a PDF');
  return type;
}

/**
 * `pages` selects PDF pages ("1-3,7"; all when absent) and is ignored for an image. A PDF is
 * spooled to a temp file (removed on close) and counted off this thread; its pages are handed on
 * as references, rendered by the analyzer where it uses the pixels. `counters`, when given, counts
 * the spool and the page-tree parse.
 */
export async function openDocument(file: UploadedFile, pages: string | undefined, limits: DocumentLimits, counters?: DocumentCounters): Promise<DocumentPages> {
  const mediaType = checkUpload(file, limits.maxUploadMb);
  if (mediaType !== 'pdf') {
    return { mediaType, pageCount: 1, selected: [1], source: () => ({ kind: 'image', bytes: file.bytes }), intact: () => Promise.resolve(true), close: () => Promise.resolve() };
  }
  // The split of a PDF into pages (spool, page-tree parse, selection): its pages render on the devices.
  return inSpan('document.split', { 'doclayout.document.name': file.name, 'doclayout.document.bytes': file.bytes.byteLength }, async (span) => {
    const opened = await spooledDocument(file, pages, limits, counters);
    span?.setAttributes({ 'doclayout.document.pages': opened.pageCount, 'doclayout.document.selected': opened.selected.length });
    return opened;
  });
}

async function spooledDocument(file: UploadedFile, pages: string | undefined, limits: DocumentLimits, counters?: DocumentCounters): Promise<DocumentPages> {
  const timeoutMs = limits.pdfPageTimeoutMs ?? optionSpecs.pdfPageTimeoutMs.default;
  const spool = await spoolPdf(file.bytes, limits.spoolMaxMb ?? optionSpecs.spoolMaxMb.default);
  if (counters) counters.spools += 1;
  try {
    if (counters) counters.pageTreeParses += 1;
    const pageCount = await countPdfPages({ path: spool.path, name: file.name, maxPixels: limits.maxPixels, timeoutMs });
    const selected = selectPdfPages(pages, pageCount, { name: file.name, maxPages: limits.maxPdfPages });
    return {
      mediaType: 'pdf',
      pageCount,
      selected,
      source: (page) => ({ kind: 'pdf', path: spool.path, page, dpi: limits.pdfDpi, renderTimeoutMs: timeoutMs }),
      intact: () => fs.access(spool.path).then(() => true, () => false),
      close: () => spool.remove(),
    };
  } catch (err) {
    await spool.remove();
    throw err;
  }
}
