/**
 * What a worker does with one document and one page: work out a document's pages (the split
 * step of a document job) and run one page (a page job) on a PageAnalyzer — the device pool of
 * a worker process — with the result cache in front of it. Bad input becomes the page's stored
 * error (never retried); anything else (a crashed device, a closed pool) is thrown so BullMQ
 * retries the job with backoff.
 */
import { cacheKey, type ResultCache } from '../cache/index.js';
import { PdfError, UnsupportedMediaError, toLayoutError, type LayoutError } from '../errors.js';
import { sniffMediaType, type DecodedImage, type LayoutParams, type PageResult } from '../model/index.js';
import { parsePageRange } from '../pdf/page-range.js';
import { openPdf } from '../pdf/rasterize.js';
import type { DocumentRecord, PageOutcome } from './types.js';

/** The document layer's page analyzer, as far as jobs use it. */
export interface JobPageAnalyzer {
  readonly modelName: string;
  capacity(): number;
  analyze(page: { image: Uint8Array | DecodedImage; name: string; page?: number }, params: Partial<LayoutParams>): Promise<PageResult & { device?: string }>;
}

export interface PageRunnerContext {
  readonly analyzer: JobPageAnalyzer;
  readonly cache: ResultCache;
  /** sha256 of the model file: part of every cache key. */
  readonly modelSha256: string;
  readonly maxPixels: number;
}

export interface PagePlan {
  readonly pdf: boolean;
  readonly pageCount: number;
  readonly pages: readonly number[];
}

/**
 * Errors the input causes: storing them is the answer, running again would fail the same way.
 * 4xx except 499 (aborted) and 409 (canceled), which are not about the bytes.
 */
export function isInputError(error: LayoutError): boolean {
  return error.statusCode >= 400 && error.statusCode < 500 && error.statusCode !== 499 && error.statusCode !== 409;
}

/** Sniffs the bytes and counts a PDF's pages (parsing only: nothing is rendered here). */
export async function planPages(doc: DocumentRecord, bytes: Uint8Array, maxPixels: number): Promise<PagePlan> {
  const type = sniffMediaType(bytes);
  if (!type) throw UnsupportedMediaError(doc.name, 'the bytes are not an image or a PDF');
  if (type !== 'pdf') return { pdf: false, pageCount: 1, pages: [1] };
  const pdf = await openPdf(bytes, { name: doc.name, maxPixels });
  try {
    const pages = parsePageRange(doc.options.pages, pdf.pageCount);
    const cap = doc.options.maxPdfPages;
    if (cap > 0 && pages.length > cap) throw PdfError(doc.name, `${pages.length} pages selected, above the cap of ${cap} (maxPdfPages)`);
    return { pdf: true, pageCount: pdf.pageCount, pages };
  } finally {
    await pdf.close();
  }
}

async function pageImage(doc: DocumentRecord, bytes: Uint8Array, page: number, maxPixels: number): Promise<Uint8Array | DecodedImage> {
  if (!doc.pdf) return bytes;
  const pdf = await openPdf(bytes, { name: doc.name, maxPixels });
  try {
    return await pdf.renderPage(page, doc.options.pdfDpi);
  } finally {
    await pdf.close();
  }
}

/** Runs one page: the cache first, then the analyzer. Throws only errors worth a retry. */
export async function runPage(ctx: PageRunnerContext, doc: DocumentRecord, bytes: Uint8Array, page: number): Promise<PageOutcome & { cached?: boolean }> {
  const key = cacheKey({
    documentSha256: doc.sha256,
    page,
    modelSha256: ctx.modelSha256,
    params: doc.options.params,
    ...(doc.pdf ? { pdfDpi: doc.options.pdfDpi } : {}),
  });
  const hit = await ctx.cache.get(key);
  // Equal bytes under another name share the entry: the name is this document's.
  if (hit) return { page, ok: true, result: { ...hit, input: { ...hit.input, name: doc.name } }, cached: true };
  try {
    const image = await pageImage(doc, bytes, page, ctx.maxPixels);
    const result = await ctx.analyzer.analyze({ image, name: doc.name, ...(doc.pdf ? { page } : {}) }, doc.options.params);
    await ctx.cache.set(key, result);
    return { page, ok: true, result };
  } catch (err) {
    const error = toLayoutError(err);
    if (isInputError(error)) return { page, ok: false, error: { code: error.code, message: error.message } };
    throw error;
  }
}
