/**
 * One document → per-page results: sniff → pages (an image is one, a PDF its selected pages,
 * rendered one at a time) → one bounded window of pages in flight → the page analyzer. A page
 * whose own rendering fails (LAYOUT_ERR_PDF: a broken page, or one past pdfPageTimeoutMs) fails
 * alone and the other pages go on; it is listed in `failedPages`, and only when every selected
 * page failed does the document fail with the first page's error. Any other failure (deadline,
 * abort, queue full, worker crash, …) fails the document and cancels its other pages. Every
 * page's promise is observed before this returns, so a late rejection can never go unhandled.
 *
 * Nothing here touches pixels, whichever the analyzer: a PDF is spooled and counted off the event
 * loop, every page goes out as its source (the upload's bytes, or a PDF page by reference), and
 * overlays, page images and crops come back encoded, drawn from the pixels the model path decoded.
 */
import { PdfError, toLayoutError } from '../errors.js';
import type { LayoutParams, MediaType, PageResult } from '../model/index.js';
import type { PageImages, PageOutputs, PageSource } from '../pool/index.js';
import { openDocument, type DocumentLimits, type DocumentPages } from './document-pages.js';
import { PageWindow } from './page-window.js';
import type { AnalyzedDocument, AnalyzedPage, DocumentCounters, FailedPage, PageAnalyzer, PageTaskOptions, UploadedFile } from './types.js';

/** A page's outcome: its result, or the error it failed with alone. */
type PageOutcome<R extends PageResult> = { readonly done: AnalyzedPage<R> } | { readonly failed: FailedPage };

/** A page's result without its encoded images, which go beside it as base64 (and crops as bytes). */
function analyzedPage<R extends PageResult>(result: R & { readonly images?: PageImages }): AnalyzedPage<R> {
  const { images, ...rest } = result;
  const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  return {
    result: rest as unknown as R,
    ...(images?.overlay ? { overlay: toBase64(images.overlay) } : {}),
    ...(images?.pageJpeg ? { image: toBase64(images.pageJpeg) } : {}),
    ...(images?.crops ? { crops: images.crops } : {}),
  };
}

/** LAYOUT_ERR_PDF raised while one page was rendered concerns that page only; anything else, the document. */
function failedAlone(pageNumber: number, err: unknown): { readonly failed: FailedPage } {
  if (PdfError.is(err)) return { failed: { page: pageNumber, error: err } };
  throw err;
}

export interface DocumentContext<R extends PageResult = PageResult> {
  readonly analyzer: PageAnalyzer<R>;
  readonly limits: DocumentLimits;
}

export interface AnalyzeDocumentOptions<R extends PageResult = PageResult> {
  readonly params: Partial<LayoutParams>;
  /** PDF page selection ("1-3,7"); all pages when absent. Ignored for images. */
  readonly pages?: string;
  /** Add each page's overlay PNG (base64). */
  readonly visualize?: boolean;
  /** Add each page as analysed (JPEG, base64). */
  readonly returnImage?: boolean;
  /** Encoding of the overlay (default png; PaddleX's routes want JPEG). */
  readonly overlayFormat?: 'png' | 'jpeg';
  /** Cut each region (or those with the given labels) from the page, as PNG or JPEG bytes. */
  readonly crops?: { readonly format: 'png' | 'jpeg'; readonly labels?: readonly string[] };
  readonly signal?: AbortSignal;
  readonly requestId?: string;
  /** Every page's admission class, tenant and tenant limits (PageTaskOptions). */
  readonly admission?: Pick<PageTaskOptions, 'priority' | 'tenant' | 'tenantLimits'>;
  /** Deadline for the whole document, ms from now; the analyzer's default when absent. */
  readonly timeoutMs?: number;
  /** Pages in flight; shared by several documents to bound them together. Sized from the analyzer when absent. */
  readonly window?: PageWindow;
  /** Runs per page inside its window slot, with its encoded images (the CLI writes overlay and crop files here). */
  readonly onPage?: (page: AnalyzedPage<R>, mediaType: MediaType) => Promise<void>;
  /** Runs once the document is opened, before any page: its type, page count and the pages to analyse. */
  readonly onOpen?: (document: { readonly mediaType: MediaType; readonly pageCount: number; readonly selected: readonly number[] }) => void;
  /** Runs per page as its result arrives (progress). */
  readonly onResult?: (page: AnalyzedPage<R>) => void;
  /** Counts the document's spool and page-tree parse (a cluster worker's evidence). */
  readonly counters?: DocumentCounters;
}

export async function analyzeDocument<R extends PageResult>(
  ctx: DocumentContext<R>,
  file: UploadedFile,
  options: AnalyzeDocumentOptions<R>,
): Promise<AnalyzedDocument<R>> {
  const source = await openDocument(file, options.pages, ctx.limits, options.counters);
  return analyzeOpenedDocument(ctx, file.name, source, options);
}

/**
 * The same for a document opened already (a cluster worker keeps its PDFs open across page jobs).
 * Its `selected` pages are analysed (`options.pages` is not read), and it is closed once this
 * settles (a kept document hands in a view whose close only lets it go).
 */
export async function analyzeOpenedDocument<R extends PageResult>(
  ctx: DocumentContext<R>,
  name: string,
  source: DocumentPages,
  options: AnalyzeDocumentOptions<R>,
): Promise<AnalyzedDocument<R>> {
  const outputs: PageOutputs | undefined = options.visualize || options.returnImage || options.crops
    ? {
      ...(options.visualize ? { overlay: options.overlayFormat ?? 'png' } : {}),
      ...(options.returnImage ? { pageImage: true } : {}),
      ...(options.crops ? { crops: options.crops } : {}),
    }
    : undefined;
  const window = options.window ?? PageWindow.forCapacity(ctx.analyzer.capacity());
  const deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs;
  // Cancels this document's other pages as soon as one fails for the document (or the caller aborts).
  const internal = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, internal.signal]) : internal.signal;
  const taskOptions = (): PageTaskOptions => ({
    signal,
    requestId: options.requestId,
    ...options.admission,
    ...(deadline === undefined ? {} : { timeoutMs: Math.max(1, deadline - Date.now()) }),
  });
  const pdf = source.mediaType === 'pdf';
  const tasks: Array<Promise<PageOutcome<R>>> = [];
  let failure: unknown;
  const fail = (err: unknown): void => {
    failure ??= err;
    internal.abort(err);
  };

  const runPage = async (pageNumber: number, pageSource: PageSource): Promise<AnalyzedPage<R>> => {
    const input = { source: pageSource, name, ...(pdf ? { page: pageNumber } : {}), ...(outputs ? { outputs } : {}) };
    const page = analyzedPage(await ctx.analyzer.analyze(input, options.params, taskOptions()));
    await options.onPage?.(page, source.mediaType);
    options.onResult?.(page);
    return page;
  };

  try {
    options.onOpen?.(source);
    for (const pageNumber of source.selected) {
      // Rejects with the first document failure (or the caller's abort) instead of waiting for a slot.
      const release = await window.acquire(signal);
      const task = runPage(pageNumber, source.source(pageNumber)).then(
        (done): PageOutcome<R> => ({ done }),
        (err: unknown) => failedAlone(pageNumber, err),
      );
      task.then(release, (err: unknown) => {
        release();
        fail(err);
      });
      tasks.push(task);
    }
    const outcomes = await Promise.allSettled(tasks);
    const rejected = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failure !== undefined || rejected) throw toLayoutError(failure ?? rejected!.reason);
    const settled = outcomes.map((o) => (o as PromiseFulfilledResult<PageOutcome<R>>).value);
    const pages = settled.flatMap((o) => ('done' in o ? [o.done] : []));
    const failedPages = settled.flatMap((o) => ('failed' in o ? [o.failed] : []));
    // Nothing to answer with: the document fails as it did before pages could fail alone.
    if (pages.length === 0 && failedPages[0]) throw failedPages[0].error;
    return {
      name,
      mediaType: source.mediaType,
      pageCount: source.pageCount,
      pages,
      failedPages,
      sizes: pages.map((p) => ({ width: p.result.input.width, height: p.result.input.height })),
    };
  } catch (err) {
    fail(err);
    throw toLayoutError(failure);
  } finally {
    internal.abort();
    // Nothing may be left unobserved: a rejection after we return must not crash the process.
    await Promise.allSettled(tasks);
    await source.close();
  }
}
