/**
 * One document → per-page results: sniff → pages (an image is one, a PDF its selected pages,
 * rendered one at a time) → one bounded window of pages in flight → the page analyzer. The first
 * failing page fails the document and cancels its other pages; every page's promise is observed
 * before this returns, so a late rejection can never go unhandled.
 */
import { toLayoutError } from '../errors.js';
import type { DecodedImage, LayoutParams, MediaType, PageResult } from '../model/index.js';
import { openDocument, type DocumentLimits } from './document-pages.js';
import { withExtras } from './page-extras.js';
import { PageWindow } from './page-window.js';
import type { AnalyzedDocument, AnalyzedPage, PageAnalyzer, PageTaskOptions, UploadedFile } from './types.js';

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
  readonly signal?: AbortSignal;
  readonly requestId?: string;
  /** Deadline for the whole document, ms from now; the analyzer's default when absent. */
  readonly timeoutMs?: number;
  /** Pages in flight; shared by several documents to bound them together. Sized from the analyzer when absent. */
  readonly window?: PageWindow;
  /** Runs per page while its pixels are in hand, inside its window slot (the CLI writes overlays here). */
  readonly onPage?: (page: AnalyzedPage<R>, pixels: Uint8Array | DecodedImage, mediaType: MediaType) => Promise<void>;
}

export async function analyzeDocument<R extends PageResult>(
  ctx: DocumentContext<R>,
  file: UploadedFile,
  options: AnalyzeDocumentOptions<R>,
): Promise<AnalyzedDocument<R>> {
  const source = await openDocument(file, options.pages, ctx.limits);
  const window = options.window ?? PageWindow.forCapacity(ctx.analyzer.capacity());
  const deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs;
  // Cancels this document's other pages as soon as one fails (or the caller aborts).
  const internal = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, internal.signal]) : internal.signal;
  const taskOptions = (): PageTaskOptions => ({
    signal,
    requestId: options.requestId,
    ...(deadline === undefined ? {} : { timeoutMs: Math.max(1, deadline - Date.now()) }),
  });
  const pdf = source.mediaType === 'pdf';
  const tasks: Array<Promise<AnalyzedPage<R>>> = [];
  let failure: unknown;
  const fail = (err: unknown): void => {
    failure ??= err;
    internal.abort(err);
  };

  const runPage = async (pageNumber: number, pixels: Uint8Array | DecodedImage): Promise<AnalyzedPage<R>> => {
    const input = { image: pixels, name: file.name, ...(pdf ? { page: pageNumber } : {}) };
    const result = await ctx.analyzer.analyze(input, options.params, taskOptions());
    const page = await withExtras(result, pixels, options);
    await options.onPage?.(page, pixels, source.mediaType);
    return page;
  };

  try {
    for (const pageNumber of source.selected) {
      // Rejects with the first failure (or the caller's abort) instead of waiting for a slot.
      const release = await window.acquire(signal);
      let task: Promise<AnalyzedPage<R>>;
      try {
        task = runPage(pageNumber, await source.render(pageNumber));
      } catch (err) {
        release();
        throw err;
      }
      task.then(release, (err: unknown) => {
        release();
        fail(err);
      });
      tasks.push(task);
    }
    const outcomes = await Promise.allSettled(tasks);
    const rejected = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failure !== undefined || rejected) throw toLayoutError(failure ?? rejected!.reason);
    const pages = outcomes.map((o) => (o as PromiseFulfilledResult<AnalyzedPage<R>>).value);
    return {
      name: file.name,
      mediaType: source.mediaType,
      pageCount: source.pageCount,
      pages,
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
