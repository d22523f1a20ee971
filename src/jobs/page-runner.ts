/**
 * What a worker does with one document and one page, through the document layer: work out a
 * document's pages (the split step of a document job) and run one page (a page job) on a
 * PageAnalyzer — the worker's device pool — with the result cache in front of it (the same
 * caching analyzer as the embedded job service). With the worker's open documents, the split
 * and every page job of a PDF on this worker share one fetch, spool and page-tree parse. Bad
 * input (retry-policy.ts: `never`) becomes the page's stored error; anything else (a crashed
 * device, a full pool, a closed one) is thrown so the job is retried with backoff.
 */
import { cacheKey } from '../cache/index.js';
import { analyzeOpenedDocument, openDocument, type DocumentCounters, type DocumentPages } from '../document/index.js';
import type { CachingAnalyzer, EngineResult, PageChain } from '../engine/index.js';
import { classifyError, isInputError } from './retry-policy.js';
import type { OpenDocuments } from './open-documents.js';
import type { DocumentRecord, PageOutcome } from './types.js';

type WorkerResult = EngineResult;

export interface PageRunnerContext {
  /** The engine's page chain: each page keyed by the sha256 of the model that runs it. */
  readonly engine: PageChain;
  readonly maxPixels: number;
  /** The most MB of PDFs this process holds spooled at once (`--spool-max-mb`, 0 = no bound); the option's default when absent. */
  readonly spoolMaxMb?: number;
  /** Counts what opening documents cost here (spools, page-tree parses). */
  readonly counters?: DocumentCounters;
  /** The worker's opened documents; without them every page opens its document afresh. */
  readonly documents?: OpenDocuments;
}

export interface PagePlan {
  readonly pdf: boolean;
  readonly pageCount: number;
  readonly pages: readonly number[];
}

/** A document's bytes, or how to fetch them: called only when the document must be opened. */
export type DocumentBytes = Uint8Array | (() => Promise<Uint8Array>);

function limits(doc: DocumentRecord, ctx: PageRunnerContext) {
  return { maxPixels: ctx.maxPixels, pdfDpi: doc.options.pdfDpi, maxPdfPages: doc.options.maxPdfPages, ...(ctx.spoolMaxMb !== undefined ? { spoolMaxMb: ctx.spoolMaxMb } : {}) };
}

/** What an opened document depends on: equal bytes opened the same way are one open. */
export function openDocumentKey(doc: DocumentRecord, maxPixels: number): string {
  const { pages, pdfDpi, maxPdfPages } = doc.options;
  return JSON.stringify([doc.sha256, pages ?? null, pdfDpi, maxPdfPages, maxPixels]);
}

/**
 * The document, from the worker's open documents when it has them (shared; close() lets it go),
 * else opened afresh (close() removes its spool). Its pages go out by reference, so no PDF page
 * is drawn on this event loop.
 */
async function open(ctx: PageRunnerContext, doc: DocumentRecord, bytes: DocumentBytes): Promise<DocumentPages> {
  const fresh = async (): Promise<DocumentPages> => {
    const loaded = typeof bytes === 'function' ? await bytes() : bytes;
    return openDocument({ bytes: loaded, name: doc.name }, doc.options.pages, limits(doc, ctx), ctx.counters);
  };
  if (!ctx.documents) return fresh();
  return ctx.documents.acquire(openDocumentKey(doc, ctx.maxPixels), doc.docId, doc.size, fresh);
}

/** Sniffs the bytes and selects a PDF's pages (its page tree is parsed; nothing is rendered). */
export async function planPages(ctx: PageRunnerContext, doc: DocumentRecord, bytes: DocumentBytes): Promise<PagePlan> {
  const source = await open(ctx, doc, bytes);
  await source.close();
  return { pdf: source.mediaType === 'pdf', pageCount: source.pageCount, pages: source.selected };
}

/** The cache key of one page of a stored document. */
export function pageCacheKey(doc: Pick<DocumentRecord, 'sha256' | 'pdf' | 'options'>, page: number, modelSha256: string): string {
  return cacheKey({
    documentSha256: doc.sha256,
    page,
    modelSha256,
    params: doc.options.params,
    ...(doc.pdf ? { pdfDpi: doc.options.pdfDpi } : {}),
  });
}

/** Runs one page: the cache first (a hit fetches, opens and renders nothing and skips the devices), then the analyzer. */
export async function runPage(ctx: PageRunnerContext, doc: DocumentRecord, bytes: DocumentBytes, page: number): Promise<PageOutcome & { cached?: boolean }> {
  const analyzer = ctx.engine.cached((p, modelSha256) => pageCacheKey(doc, p, modelSha256));
  const hit = await analyzer.lookup(page, doc.name);
  if (hit) return { page, ok: true, result: hit, cached: true };
  try {
    return { page, ok: true, result: await analyzePage(ctx, analyzer, doc, bytes, page) };
  } catch (err) {
    const error = classifyError(err, `page ${page} of ${doc.docId}`);
    if (isInputError(error)) return { page, ok: false, error: { code: error.code, message: error.message } };
    throw error;
  }
}

async function analyzePage(ctx: PageRunnerContext, analyzer: CachingAnalyzer, doc: DocumentRecord, bytes: DocumentBytes, page: number): Promise<WorkerResult> {
  for (let attempt = 1; ; attempt++) {
    const source = await open(ctx, doc, bytes);
    // This page only (an image's one page is its only page).
    const onePage: DocumentPages = { ...source, selected: source.mediaType === 'pdf' ? [page] : source.selected };
    try {
      const analyzed = await analyzeOpenedDocument({ analyzer, limits: limits(doc, ctx) }, doc.name, onePage, {
        params: doc.options.params,
        // Cluster pages are batch work: a server sharing this pool serves its interactive pages first.
        admission: { priority: 'batch', ...(doc.options.tenant ? { tenant: doc.options.tenant } : {}) },
      });
      return analyzed.pages[0]!.result;
    } catch (err) {
      // A kept spool file that went away under the page (a temp cleaner): once more, freshly opened.
      if (attempt === 1 && ctx.documents && !(await source.intact())) continue;
      throw err;
    }
  }
}
