/**
 * One run of an embedded job: its upload opened through the document layer (as /v1/layout opens
 * one), the pages it has no outcome for yet analysed through the engine's page chain (the result
 * cache in front of the pool), each stored as it arrives. While the service stops, the pages in
 * flight finish and are stored, and the next page asked for ends the run (drainable()).
 */
import { analyzeOpenedDocument, openDocument, type DocumentPages, type PageAnalyzer } from '../document/index.js';
import type { PageChain } from '../engine/index.js';
import { PoolClosedError } from '../errors.js';
import type { PageResult } from '../model/index.js';
import type { JobStore, StoredJob } from './durable/job-store.js';
import { pageCacheKey } from './page-runner.js';
import type { PageOutcome } from './types.js';

export interface EmbeddedRunContext {
  readonly store: JobStore;
  readonly engine: PageChain;
  readonly maxPixels: number;
  readonly spoolMaxMb?: number;
  /** Whether the service is stopping: new pages are refused, those in flight finish. */
  readonly stopping: () => boolean;
  /** A page's outcome was stored by this run. */
  readonly onStored: () => void;
}

/**
 * The analyzer as one job's document sees it while the service stops: pages in flight finish
 * (and are stored); a page asked for after that waits for them, then is refused as the pool
 * would refuse it, which ends the document's run without aborting anything.
 */
function drainable<R extends PageResult>(inner: PageAnalyzer<R>, stopping: () => boolean): PageAnalyzer<R> {
  const inFlight = new Set<Promise<unknown>>();
  return {
    get modelName() {
      return inner.modelName;
    },
    capacity: () => inner.capacity(),
    async analyze(page, params, options) {
      if (stopping()) {
        await Promise.allSettled([...inFlight]);
        throw PoolClosedError();
      }
      const run = inner.analyze(page, params, options);
      inFlight.add(run);
      try {
        return await run;
      } finally {
        inFlight.delete(run);
      }
    },
    close: () => inner.close(),
  };
}

/**
 * Runs the pages the job has no outcome for yet, storing each as it arrives. Returns the PDF
 * pages that failed alone (LAYOUT_ERR_PDF): page errors, which fail the job as the cluster's would.
 */
export async function runEmbeddedJob(ctx: EmbeddedRunContext, job: StoredJob, signal: AbortSignal): Promise<PageOutcome[]> {
  const { store, engine, maxPixels, spoolMaxMb } = ctx;
  const limits = { maxPixels, pdfDpi: job.options.pdfDpi, maxPdfPages: job.options.maxPdfPages, ...(spoolMaxMb !== undefined ? { spoolMaxMb } : {}) };
  const bytes = await store.upload(job.id);
  const source = await openDocument({ name: job.name, bytes }, job.options.pages, limits);
  const pdf = source.mediaType === 'pdf';
  await store.opened(job.id, source.selected.length, pdf);
  const done = await store.donePages(job.id);
  const remaining: DocumentPages = { ...source, selected: source.selected.filter((p) => !done.has(p)) };
  // The cache in front of the pool, as for a cluster's page jobs; stopping refuses new pages only.
  const cached = drainable(engine.cached((page, modelSha256) => pageCacheKey({ sha256: job.sha256, pdf, options: job.options }, page, modelSha256)), ctx.stopping);
  const doc = await analyzeOpenedDocument({ analyzer: cached, limits }, job.name, remaining, {
    params: job.options.params,
    signal,
    // Nobody waits on a job's pages: interactive requests go ahead of them.
    admission: { priority: 'batch', ...(job.options.tenant ? { tenant: job.options.tenant } : {}) },
    // Inside the page's window slot: a page counts as done only once it is stored.
    onPage: async (page) => {
      if (await store.storePage(job.id, { page: page.result.input.page ?? 1, ok: true, result: page.result })) ctx.onStored();
    },
  });
  return doc.failedPages.map((failed) => ({ page: failed.page, ok: false, error: { code: failed.error.code, message: failed.error.message } }));
}
