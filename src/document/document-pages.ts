/**
 * A document as a list of pages to analyse: bytes are sniffed (names and content types are never
 * trusted); an image is one page as received, a PDF is opened and its selected pages rendered
 * one at a time on demand, so only the pages in the window are ever held in memory.
 */
import { EmptyInputError, UnsupportedMediaError, UploadTooLargeError } from '../errors.js';
import { sniffMediaType, type DecodedImage, type MediaType } from '../model/index.js';
import { selectPdfPages } from '../pdf/page-range.js';
import { openPdf } from '../pdf/rasterize.js';
import type { UploadedFile } from './types.js';

/** The limits a document is checked against (a subset of Config). */
export interface DocumentLimits {
  /** Refuse larger files; absent = no size check (the CLI reads local files). */
  readonly maxUploadMb?: number;
  readonly maxPixels: number;
  readonly pdfDpi: number;
  readonly maxPdfPages: number;
}

export interface DocumentPages {
  readonly mediaType: MediaType;
  readonly pageCount: number;
  /** 1-based page numbers to analyse, in order; [1] for an image. */
  readonly selected: readonly number[];
  /** The page as the analyzer takes it: the upload's bytes, or the rendered PDF page. */
  render(pageNumber: number): Promise<Uint8Array | DecodedImage>;
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

/** `pages` selects PDF pages ("1-3,7"; all when absent) and is ignored for an image. */
export async function openDocument(file: UploadedFile, pages: string | undefined, limits: DocumentLimits): Promise<DocumentPages> {
  const mediaType = checkUpload(file, limits.maxUploadMb);
  if (mediaType !== 'pdf') {
    return { mediaType, pageCount: 1, selected: [1], render: () => Promise.resolve(file.bytes), close: () => Promise.resolve() };
  }
  const doc = await openPdf(file.bytes, { name: file.name, maxPixels: limits.maxPixels });
  try {
    const selected = selectPdfPages(pages, doc.pageCount, { name: file.name, maxPages: limits.maxPdfPages });
    return { mediaType, pageCount: doc.pageCount, selected, render: (page) => doc.renderPage(page, limits.pdfDpi), close: () => doc.close() };
  } catch (err) {
    await doc.close();
    throw err;
  }
}
