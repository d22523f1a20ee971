/**
 * One document → per-page results: sniff → pages (an image is one, a PDF its selected pages,
 * rendered one at a time) → one bounded window of pages in flight → the page analyzer. The first
 * failing page fails the document and cancels its other pages; every page's promise is observed
 * before this returns, so a late rejection can never go unhandled.
 *
 * With an analyzer that renders pages itself (the pool), nothing here touches pixels: a PDF is
 * spooled and counted off the event loop, its pages go out as references, and overlays and page
 * images come back encoded, drawn from the pixels the model path decoded.
 */
import { toLayoutError } from '../errors.js';
import type { DecodedImage, LayoutParams, MediaType, PageResult } from '../model/index.js';
import type { PageImages, PageOutputs } from '../pool/index.js';
import { openDocument, type DocumentLimits } from './document-pages.js';
import { fromImages, withExtras } from './page-extras.js';
import { PageWindow } from './page-window.js';
import type { AnalyzedDocument, AnalyzedPage, PageAnalyzer, PageContent, PageTaskOptions, UploadedFile } from './types.js';

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
  readonly signal?: AbortSignal;
  readonly requestId?: string;
  /** Deadline for the whole document, ms from now; the analyzer's default when absent. */
  readonly timeoutMs?: number;
  /** Pages in flight; shared by several documents to bound them together. Sized from the analyzer when absent. */
  readonly window?: PageWindow;
  /** Runs per page while its pixels are in hand, inside its window slot (the CLI writes overlays here). */
  readonly onPage?: (page: AnalyzedPage<R>, pixels: Uint8Array | DecodedImage, mediaType: MediaType) => Promise<void>;
  /** Runs per page as its result arrives (progress); needs no pixels, so pages may still go out by reference. */
  readonly onResult?: (page: AnalyzedPage<R>) => void;
}

export async function analyzeDocument<R extends PageResult>(
  ctx: DocumentContext<R>,
  file: UploadedFile,
  options: AnalyzeDocumentOptions<R>,
): Promise<AnalyzedDocument<R>> {
  // onPage wants the pixels here, so only without it can pages go out by reference.
  const remote = ctx.analyzer.rendersPages === true && !options.onPage;
  const source = await openDocument(file, options.pages, ctx.limits, remote);
  const outputs: PageOutputs | undefined = remote && (options.visualize || options.returnImage)
    ? { ...(options.visualize ? { overlay: options.overlayFormat ?? 'png' } : {}), ...(options.returnImage ? { pageImage: true } : {}) }
    : undefined;
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

  const runPage = async (pageNumber: number, content: PageContent): Promise<AnalyzedPage<R>> => {
    const input = { ...content, name: file.name, ...(pdf ? { page: pageNumber } : {}), ...(outputs ? { outputs } : {}) };
    const result = await ctx.analyzer.analyze(input, options.params, taskOptions());
    if (remote) {
      const page = fromImages(result as R & { images?: PageImages });
      options.onResult?.(page);
      return page;
    }
    const page = await withExtras(result, content.image!, options);
    await options.onPage?.(page, content.image!, source.mediaType);
    options.onResult?.(page);
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
