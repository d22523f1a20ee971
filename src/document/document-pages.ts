/**
 * A document as a list of pages to analyse: bytes are sniffed (names and content types are never
 * trusted); an image is one page as received, a PDF is spooled to a private temp file and its
 * selected pages handed on one at a time on demand, so only the pages in the window are ever held
 * in memory. Nothing here parses or draws a PDF: that runs on PDF threads, under time budgets.
 */
import fs from 'node:fs/promises';
import { EmptyInputError, UnsupportedMediaError, UploadTooLargeError } from '../errors.js';
import { sniffMediaType, type MediaType } from '../model/index.js';
import { optionSpecs } from '../config.js';
import { countPdfPages, renderPdfPage, selectPdfPages, type PdfPageRef } from '../pdf/index.js';
import { spoolPdf } from './pdf-spool.js';
import type { DocumentCounters, PageContent, UploadedFile } from './types.js';

/** The limits a document is checked against (a subset of Config). */
export interface DocumentLimits {
  /** Refuse larger files; absent = no size check (the CLI reads local files). */
  readonly maxUploadMb?: number;
  readonly maxPixels: number;
  readonly pdfDpi: number;
  readonly maxPdfPages: number;
  /** A PDF page (or page count) slower than this fails with LAYOUT_ERR_PDF, ms; the option's default when absent. */
  readonly pdfPageTimeoutMs?: number;
}

export interface DocumentPages {
  readonly mediaType: MediaType;
  readonly pageCount: number;
  /** 1-based page numbers to analyse, in order; [1] for an image. */
  readonly selected: readonly number[];
  /** The page as the analyzer takes it: the upload's bytes, the rendered PDF page, or a reference to it. */
  render(pageNumber: number): Promise<PageContent>;
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
 * spooled to a temp file (removed on close) and counted off this thread. `byReference`: its pages
 * are handed on as references for the analyzer to render; else they are rendered on a PDF thread
 * and handed on as pixels. `counters`, when given, counts the spool and the page-tree parse.
 */
export async function openDocument(file: UploadedFile, pages: string | undefined, limits: DocumentLimits, byReference = false, counters?: DocumentCounters): Promise<DocumentPages> {
  const mediaType = checkUpload(file, limits.maxUploadMb);
  if (mediaType !== 'pdf') {
    return { mediaType, pageCount: 1, selected: [1], render: () => Promise.resolve({ image: file.bytes }), intact: () => Promise.resolve(true), close: () => Promise.resolve() };
  }
  return spooledDocument(file, pages, limits, byReference, counters);
}

async function spooledDocument(file: UploadedFile, pages: string | undefined, limits: DocumentLimits, byReference: boolean, counters?: DocumentCounters): Promise<DocumentPages> {
  const timeoutMs = limits.pdfPageTimeoutMs ?? optionSpecs.pdfPageTimeoutMs.default;
  const spool = await spoolPdf(file.bytes);
  if (counters) counters.spools += 1;
  try {
    if (counters) counters.pageTreeParses += 1;
    const pageCount = await countPdfPages({ path: spool.path, name: file.name, maxPixels: limits.maxPixels, timeoutMs });
    const selected = selectPdfPages(pages, pageCount, { name: file.name, maxPages: limits.maxPdfPages });
    return {
      mediaType: 'pdf',
      pageCount,
      selected,
      render: async (page) => {
        const ref: PdfPageRef = { path: spool.path, page, dpi: limits.pdfDpi, renderTimeoutMs: timeoutMs };
        return byReference ? { pdf: ref } : { image: await renderPdfPage({ ref, name: file.name, maxPixels: limits.maxPixels }) };
      },
      intact: () => fs.access(spool.path).then(() => true, () => false),
      close: () => spool.remove(),
    };
  } catch (err) {
    await spool.remove();
    throw err;
  }
}
