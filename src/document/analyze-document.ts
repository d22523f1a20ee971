/**
 * One document → per-page results: sniff → pages (an image is one, a PDF its selected pages,
 * rendered one at a time) → one bounded window of pages in flight → the page analyzer. A page
 * whose own rendering fails (LAYOUT_ERR_PDF: a broken page, or one past pdfPageTimeoutMs) fails
 * alone and the other pages go on; it is listed in `failedPages`, and only when every selected
 * page failed does the document fail with the first page's error. Any other failure (deadline,
 * abort, queue full, worker crash, …) fails the document and cancels its other pages. Every
 * page's promise is observed before this returns, so a late rejection can never go unhandled.
 *
 * With an analyzer that renders pages itself (the pool), nothing here touches pixels: a PDF is
 * spooled and counted off the event loop, its pages go out as references, and overlays and page
 * images come back encoded, drawn from the pixels the model path decoded.
 */
import { PdfError, toLayoutError } from '../errors.js';
import type { DecodedImage, LayoutParams, MediaType, PageResult } from '../model/index.js';
import type { PageImages, PageOutputs } from '../pool/index.js';
import { openDocument, type DocumentLimits, type DocumentPages } from './document-pages.js';
import { fromImages, withExtras } from './page-extras.js';
import { PageWindow } from './page-window.js';
import type { AnalyzedDocument, AnalyzedPage, DocumentCounters, FailedPage, PageAnalyzer, PageContent, PageTaskOptions, UploadedFile } from './types.js';

/** A page's outcome: its result, or the error it failed with alone. */
type PageOutcome<R extends PageResult> = { readonly done: AnalyzedPage<R> } | { readonly failed: FailedPage };

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
  /** Runs per page while its pixels are in hand, inside its window slot (the CLI writes overlays here). */
  readonly onPage?: (page: AnalyzedPage<R>, pixels: Uint8Array | DecodedImage, mediaType: MediaType) => Promise<void>;
  /** Runs once the document is opened, before any page: its type, page count and the pages to analyse. */
  readonly onOpen?: (document: { readonly mediaType: MediaType; readonly pageCount: number; readonly selected: readonly number[] }) => void;
  /** Runs per page as its result arrives (progress); needs no pixels, so pages may still go out by reference. */
  readonly onResult?: (page: AnalyzedPage<R>) => void;
  /** Counts the document's spool and page-tree parse (a cluster worker's evidence). */
  readonly counters?: DocumentCounters;
}

export async function analyzeDocument<R extends PageResult>(
  ctx: DocumentContext<R>,
  file: UploadedFile,
  options: AnalyzeDocumentOptions<R>,
): Promise<AnalyzedDocument<R>> {
  // onPage wants the pixels here, so only without it can pages go out by reference.
  const source = await openDocument(file, options.pages, ctx.limits, ctx.analyzer.rendersPages === true && !options.onPage, options.counters);
  return analyzeOpenedDocument(ctx, file.name, source, options);
}

/**
 * The same for a document opened already (a cluster worker keeps its PDFs open across page jobs):
 * by reference exactly when the analyzer renders pages and there is no onPage. Its `selected`
 * pages are analysed (`options.pages` is not read), and it is closed once this settles.
 */
export async function analyzeOpenedDocument<R extends PageResult>(
  ctx: DocumentContext<R>,
  name: string,
  source: DocumentPages,
  options: AnalyzeDocumentOptions<R>,
): Promise<AnalyzedDocument<R>> {
  const remote = ctx.analyzer.rendersPages === true && !options.onPage;
  const outputs: PageOutputs | undefined = remote && (options.visualize || options.returnImage || options.crops)
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

  const runPage = async (pageNumber: number, content: PageContent): Promise<AnalyzedPage<R>> => {
    const input = { ...content, name, ...(pdf ? { page: pageNumber } : {}), ...(outputs ? { outputs } : {}) };
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
    options.onOpen?.(source);
    for (const pageNumber of source.selected) {
      // Rejects with the first document failure (or the caller's abort) instead of waiting for a slot.
      const release = await window.acquire(signal);
      let content: PageContent;
      try {
        content = await source.render(pageNumber);
      } catch (err) {
        // Rendered here (not by reference): a page that cannot be rendered fails alone too.
        release();
        tasks.push(Promise.resolve(failedAlone(pageNumber, err)));
        continue;
      }
      const task = runPage(pageNumber, content).then(
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
