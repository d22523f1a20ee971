/**
 * What a worker does with one document and one page, through the document layer: work out a
 * document's pages (the split step of a document job) and run one page (a page job) on a
 * PageAnalyzer — the worker's device pool — with the result cache in front of it. Bad input
 * becomes the page's stored error (never retried); anything else (a crashed device, a closed
 * pool) is thrown so BullMQ retries the job with backoff.
 */
import { cacheKey, type ResultCache } from '../cache/index.js';
import { analyzeDocument, openDocument, type DocumentCounters, type PageAnalyzer } from '../document/index.js';
import { toLayoutError, type LayoutError } from '../errors.js';
import type { PageResult } from '../model/index.js';
import type { DocumentRecord, PageOutcome } from './types.js';

export interface PageRunnerContext {
  readonly analyzer: PageAnalyzer<PageResult & { device?: string }>;
  readonly cache: ResultCache;
  /** sha256 of the model file: part of every cache key. */
  readonly modelSha256: string;
  readonly maxPixels: number;
  /** Counts what opening documents cost here (spools, page-tree parses). */
  readonly counters?: DocumentCounters;
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

function limits(doc: DocumentRecord, maxPixels: number) {
  return { maxPixels, pdfDpi: doc.options.pdfDpi, maxPdfPages: doc.options.maxPdfPages };
}

/** Sniffs the bytes and selects a PDF's pages (its page tree is parsed; nothing is rendered). */
export async function planPages(doc: DocumentRecord, bytes: Uint8Array, maxPixels: number, counters?: DocumentCounters): Promise<PagePlan> {
  // By reference: a PDF is spooled and counted off the event loop that serves the pool.
  const source = await openDocument({ bytes, name: doc.name }, doc.options.pages, limits(doc, maxPixels), true, counters);
  await source.close();
  return { pdf: source.mediaType === 'pdf', pageCount: source.pageCount, pages: source.selected };
}

/** The cache key of one page of a stored document. */
export function pageCacheKey(doc: DocumentRecord, page: number, modelSha256: string): string {
  return cacheKey({
    documentSha256: doc.sha256,
    page,
    modelSha256,
    params: doc.options.params,
    ...(doc.pdf ? { pdfDpi: doc.options.pdfDpi } : {}),
  });
}

/** Runs one page: the cache first (a hit renders nothing and skips the devices), then the analyzer. */
export async function runPage(ctx: PageRunnerContext, doc: DocumentRecord, bytes: Uint8Array, page: number): Promise<PageOutcome & { cached?: boolean }> {
  const key = pageCacheKey(doc, page, ctx.modelSha256);
  const hit = await ctx.cache.get(key);
  // Equal bytes under another name share the entry: the name is this document's.
  if (hit) return { page, ok: true, result: { ...hit, input: { ...hit.input, name: doc.name } }, cached: true };
  try {
    const analyzed = await analyzeDocument({ analyzer: ctx.analyzer, limits: limits(doc, ctx.maxPixels) }, { bytes, name: doc.name }, {
      params: doc.options.params,
      ...(doc.pdf ? { pages: String(page) } : {}),
      // Cluster pages are batch work: a server sharing this pool serves its interactive pages first.
      admission: { priority: 'batch', ...(doc.options.tenant ? { tenant: doc.options.tenant } : {}) },
      ...(ctx.counters ? { counters: ctx.counters } : {}),
    });
    const result = analyzed.pages[0]!.result;
    await ctx.cache.set(key, result);
    return { page, ok: true, result };
  } catch (err) {
    const error = toLayoutError(err);
    if (isInputError(error)) return { page, ok: false, error: { code: error.code, message: error.message } };
    throw error;
  }
}
