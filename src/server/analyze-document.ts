/**
 * One uploaded file → pool work → per-page results. Bytes are sniffed (names and content types
 * are never trusted). An image goes to the pool as received; a PDF is rasterised here page by
 * page, each page encoded as a fast lossless PNG and sent on while the next one renders, with a
 * bounded number of pages in flight so a 500-page PDF neither floods the queue nor the memory.
 * The first failing page fails the document and cancels its other pages.
 */
import sharp from 'sharp';
import type { Config } from '../config.js';
import { EmptyInputError, PdfError, UnsupportedMediaError, UploadTooLargeError, toLayoutError } from '../errors.js';
import type { DecodedImage } from '../model/index.js';
import { sniffMediaType, type MediaType } from '../model/index.js';
import type { LayoutParams } from '../model/index.js';
import { encodePagePng } from '../pdf/page-png.js';
import { parsePageRange } from '../pdf/page-range.js';
import { openPdf } from '../pdf/rasterize.js';
import type { LayoutPool, PoolResult } from '../pool/types.js';
import { renderOverlay } from '../visualize/overlay.js';

export interface UploadedFile {
  readonly bytes: Uint8Array;
  readonly name: string;
}

export interface AnalyzeOptions {
  readonly params: Partial<LayoutParams>;
  /** PDF page selection ("1-3,7"); all pages when absent. Ignored for images. */
  readonly pages?: string;
  /** Add each page's overlay PNG (base64). */
  readonly visualize?: boolean;
  /** Add each page as analysed (JPEG, base64): what a browser needs to draw a PDF page. */
  readonly returnImage?: boolean;
  readonly signal?: AbortSignal;
  readonly requestId?: string;
  /** Deadline for the whole document, ms from now; the pool's default when absent. */
  readonly timeoutMs?: number;
}

export interface AnalyzedPage {
  readonly result: PoolResult;
  /** base64 PNG of the page with its regions drawn. */
  readonly overlay?: string;
  /** base64 JPEG of the page as analysed. */
  readonly image?: string;
}

export interface AnalyzedDocument {
  readonly name: string;
  readonly mediaType: MediaType;
  /** Pages in the document (1 for an image), whatever the selection. */
  readonly pageCount: number;
  readonly pages: readonly AnalyzedPage[];
  /** Size of each analysed page, in document order. */
  readonly sizes: ReadonlyArray<{ width: number; height: number }>;
}

export interface DocumentContext {
  readonly pool: LayoutPool;
  readonly config: Config;
}

/** Pages of one document in flight at once: enough to fill every device's batch, no more. */
function pageWindow(pool: LayoutPool): number {
  const capacity = pool.snapshot().devices.reduce((sum, d) => sum + Math.max(1, d.maxBatch), 0);
  return Math.min(32, Math.max(2, capacity));
}

/** The JPEG quality of returned page images: small enough to ship, sharp enough to read. */
const PAGE_IMAGE_QUALITY = 85;

async function pageImageJpeg(image: Uint8Array | DecodedImage): Promise<string> {
  const input = image instanceof Uint8Array
    ? sharp(image, { limitInputPixels: false }).rotate()
    : sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 }, limitInputPixels: false });
  return (await input.jpeg({ quality: PAGE_IMAGE_QUALITY }).toBuffer()).toString('base64');
}

export function checkUpload(file: UploadedFile, maxUploadMb: number): MediaType {
  if (file.bytes.byteLength === 0) throw EmptyInputError(file.name);
  if (file.bytes.byteLength > maxUploadMb * 1024 * 1024) throw UploadTooLargeError(maxUploadMb);
  const type = sniffMediaType(file.bytes);
  if (!type) throw UnsupportedMediaError(file.name, 'the bytes are not an image or a PDF');
  return type;
}

async function decorate(result: PoolResult, image: Uint8Array | DecodedImage, options: AnalyzeOptions): Promise<AnalyzedPage> {
  const [overlay, pageImage] = await Promise.all([
    options.visualize ? renderOverlay(image, result.regions).then((png) => png.toString('base64')) : undefined,
    options.returnImage ? pageImageJpeg(image) : undefined,
  ]);
  return { result, ...(overlay === undefined ? {} : { overlay }), ...(pageImage === undefined ? {} : { image: pageImage }) };
}

export async function analyzeDocument(ctx: DocumentContext, file: UploadedFile, options: AnalyzeOptions): Promise<AnalyzedDocument> {
  const mediaType = checkUpload(file, ctx.config.maxUploadMb);
  const deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs;
  const taskOptions = (): { signal?: AbortSignal; requestId?: string; timeoutMs?: number } => ({
    signal: options.signal,
    requestId: options.requestId,
    ...(deadline === undefined ? {} : { timeoutMs: Math.max(1, deadline - Date.now()) }),
  });

  if (mediaType !== 'pdf') {
    const result = await ctx.pool.analyze({ bytes: file.bytes, name: file.name }, options.params, taskOptions());
    const page = await decorate(result, file.bytes, options);
    return { name: file.name, mediaType, pageCount: 1, pages: [page], sizes: [{ width: result.input.width, height: result.input.height }] };
  }
  return analyzePdf(ctx, file, options, taskOptions);
}

async function analyzePdf(
  ctx: DocumentContext,
  file: UploadedFile,
  options: AnalyzeOptions,
  taskOptions: () => { signal?: AbortSignal; requestId?: string; timeoutMs?: number },
): Promise<AnalyzedDocument> {
  const { config, pool } = ctx;
  const doc = await openPdf(file.bytes, { name: file.name, maxPixels: config.maxPixels });
  // Cancels this document's other pages as soon as one fails (or the client goes away).
  const internal = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, internal.signal]) : internal.signal;
  const pending: Array<Promise<AnalyzedPage>> = [];
  try {
    const selected = parsePageRange(options.pages, doc.pageCount);
    if (config.maxPdfPages > 0 && selected.length > config.maxPdfPages) {
      throw PdfError(file.name, `${selected.length} pages selected, above the cap of ${config.maxPdfPages} (maxPdfPages)`);
    }
    const window = pageWindow(pool);
    let failure: unknown;
    for (const pageNumber of selected) {
      if (failure !== undefined || signal.aborted) break;
      if (pending.length - settledCount(pending) >= window) await Promise.race(unsettled(pending));
      if (failure !== undefined || signal.aborted) break;
      const image = await doc.renderPage(pageNumber, config.pdfDpi);
      const bytes = await encodePagePng(image);
      const task = pool
        .analyze({ bytes, name: file.name, page: pageNumber }, options.params, { ...taskOptions(), signal })
        .then((result) => decorate(result, image, options));
      track(task);
      task.catch((err: unknown) => {
        failure ??= err;
        internal.abort(err);
      });
      pending.push(task);
    }
    const outcomes = await Promise.allSettled(pending);
    const firstError = failure ?? outcomes.find((o) => o.status === 'rejected')?.reason;
    if (firstError !== undefined) throw toLayoutError(firstError);
    if (signal.aborted) throw toLayoutError(signal.reason);
    const pages = outcomes.map((o) => (o as PromiseFulfilledResult<AnalyzedPage>).value);
    return {
      name: file.name,
      mediaType: 'pdf',
      pageCount: doc.pageCount,
      pages,
      sizes: pages.map((p) => ({ width: p.result.input.width, height: p.result.input.height })),
    };
  } finally {
    internal.abort();
    // Nothing may be left unobserved: a rejection after we return must not crash the process.
    await Promise.allSettled(pending);
    await doc.close();
  }
}

const settled = new WeakSet<Promise<unknown>>();

function track(promise: Promise<unknown>): void {
  promise.then(() => settled.add(promise), () => settled.add(promise));
}

function settledCount(promises: readonly Promise<unknown>[]): number {
  return promises.filter((p) => settled.has(p)).length;
}

function unsettled(promises: readonly Promise<unknown>[]): Promise<unknown>[] {
  return promises.filter((p) => !settled.has(p)).map((p) => p.catch(() => undefined));
}
