/**
 * analyzeDocument on real analyzers (the model in process, a pool of CPU workers on the fixture
 * model) with real PDFs made by pdf-lib.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { resolveConfig } from '../../src/config.js';
import {
  analyzeDocument,
  createInProcessAnalyzer,
  poolAnalyzer,
  type DocumentLimits,
  type PageAnalyzer,
  type PageTaskOptions,
} from '../../src/document/index.js';
import { CorruptImageError, PdfError } from '../../src/errors.js';
import type { PageResult } from '../../src/model/index.js';
import { createPool, type LayoutPool, type PoolResult } from '../../src/pool/index.js';
import { pdfWithSlowPage } from '../fixtures/slow-page-pdf.js';
import { longestHoldMs } from '../helpers/loop-hold.js';
import { fixtureModel, poolConfig } from '../pool/helpers.js';
import { faultyWorkers } from '../fixtures/faulty-workers.js';

const limits: DocumentLimits = { maxPixels: 100_000_000, pdfDpi: 36, maxPdfPages: 0 };

async function pdfWithPages(count: number): Promise<Buffer> {
  const doc = await PDFDocument.create();
  for (let i = 0; i < count; i++) doc.addPage([300, 400]);
  // pdf-lib adds a blank page to a document without one unless told not to.
  return Buffer.from(await doc.save({ addDefaultPage: false }));
}

/** A real PNG cut short: it sniffs as a PNG and fails to decode in the worker. */
async function truncatedPng(): Promise<Buffer> {
  const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } }).png().toBuffer();
  return png.subarray(0, 40);
}

/** The real pool analyzer, except that one page's bytes are replaced by a truncated PNG. */
function corruptingPage(inner: PageAnalyzer<PoolResult>, badPage: number, seen: PageTaskOptions[], bad: Buffer = Buffer.alloc(0)): PageAnalyzer<PoolResult> {
  return {
    modelName: inner.modelName,
    capacity: () => inner.capacity(),
    analyze(page, params, options) {
      seen.push(options ?? {});
      const source = page.page === badPage ? { kind: 'image' as const, bytes: bad } : page.source;
      return inner.analyze({ ...page, source }, params, options);
    },
    close: () => inner.close(),
  };
}

describe('analyzeDocument', { timeout: 120_000 }, () => {
  let inProcess: PageAnalyzer<PageResult>;
  let pool: LayoutPool;
  before(async () => {
    inProcess = await createInProcessAnalyzer(fixtureModel(), resolveConfig({ cpuThreads: 1 }, {}));
    // One CPU worker, batch 1, slow pages: a document's pages queue behind each other.
    pool = await createPool({ config: poolConfig({ maxBatch: 1, maxRetries: 0 }), modelPath: fixtureModel(), workerEntry: faultyWorkers({ 0: { delayMsPerPage: 300 } }) });
    await pool.ready();
  });
  after(async () => {
    await inProcess.close();
    await pool.close();
  });

  it('analyses the selected pages of a PDF in order', async () => {
    const doc = await analyzeDocument({ analyzer: inProcess, limits }, { bytes: await pdfWithPages(3), name: 'three.pdf' }, { params: {}, pages: '3,1' });
    assert.equal(doc.mediaType, 'pdf');
    assert.equal(doc.pageCount, 3);
    assert.deepEqual(doc.pages.map((p) => p.result.input.page), [1, 3]);
    assert.deepEqual(doc.sizes, [{ width: 150, height: 200 }, { width: 150, height: 200 }]);
  });

  it('refuses a PDF with no pages with a 400 PDF error, not an empty success', async () => {
    await assert.rejects(
      analyzeDocument({ analyzer: inProcess, limits }, { bytes: await pdfWithPages(0), name: 'empty.pdf' }, { params: {} }),
      (err) => PdfError.is(err) && err.statusCode === 400 && /empty\.pdf/.test(err.message) && /no pages/.test(err.message),
    );
  });

  it('refuses a selection above maxPdfPages before analysing anything', async () => {
    const seen: PageTaskOptions[] = [];
    const counting = corruptingPage(poolAnalyzer(pool), 0, seen);
    await assert.rejects(
      analyzeDocument({ analyzer: counting, limits: { ...limits, maxPdfPages: 2 } }, { bytes: await pdfWithPages(3), name: 'long.pdf' }, { params: {} }),
      (err) => PdfError.is(err) && /3 pages selected, above the cap of 2 \(maxPdfPages\)/.test(err.message),
    );
    assert.equal(seen.length, 0);
  });

  it('a page past its render budget fails alone (LAYOUT_ERR_PDF) while the other pages go on, no worker restarted', async () => {
    const pdf = await pdfWithSlowPage(3, 2);
    const doc = await analyzeDocument({ analyzer: poolAnalyzer(pool), limits: { ...limits, pdfPageTimeoutMs: 10_000 } }, { bytes: pdf, name: 'slow-middle.pdf' }, { params: {} });
    assert.equal(doc.pageCount, 3);
    assert.deepEqual(doc.pages.map((p) => p.result.input.page), [1, 3]);
    for (const page of doc.pages) assert.ok(page.result.regions.length > 0, `page ${page.result.input.page} has regions`);
    assert.equal(doc.sizes.length, 2);
    assert.equal(doc.failedPages.length, 1);
    const failed = doc.failedPages[0]!;
    assert.equal(failed.page, 2);
    assert.ok(PdfError.is(failed.error));
    assert.match(failed.error.message, /slow-middle\.pdf.*page 2 took longer than 10000 ms to render/);
    for (const device of pool.snapshot().devices) assert.equal(device.restarts, 0, `${device.id} restarted: ${device.lastError?.message}`);
  });

  it('in process, PDF pages render on a thread under their budget: the slow page fails alone and the event loop never stalls', async (t) => {
    const pdf = await pdfWithSlowPage(3, 2);
    // The longest the loop was held while the document is analysed, in CPU time (loop-hold.ts).
    let doc: Awaited<ReturnType<typeof analyzeDocument>> | undefined;
    const heldMs = await longestHoldMs(async () => {
      doc = await analyzeDocument({ analyzer: inProcess, limits: { ...limits, pdfPageTimeoutMs: 10_000 } }, { bytes: pdf, name: 'slow-local.pdf' }, { params: {} });
    });
    assert.ok(doc);
    assert.deepEqual(doc.pages.map((p) => p.result.input.page), [1, 3]);
    assert.equal(doc.failedPages.length, 1);
    assert.equal(doc.failedPages[0]!.page, 2);
    assert.match(doc.failedPages[0]!.error.message, /slow-local\.pdf.*page 2 took longer than 10000 ms to render/);
    // Rendering the slow page on this loop would hold it for minutes of CPU (no budget applies
    // there); the in-process model's own runs (tiny fixture model) take a few ms. The bound is far
    // from both, and CPU time does not grow while other processes have the CPU (timers were
    // seconds late at a load average of 12), so only a render on the loop can fail it.
    t.diagnostic(`event loop held at most ${heldMs.toFixed(0)} ms of CPU`);
    assert.ok(heldMs < 3_000, `event loop held ${heldMs.toFixed(0)} ms`);
  });

  it('a document whose only selected page fails to render fails with that page\'s error', async () => {
    const pdf = await pdfWithSlowPage(3, 2);
    await assert.rejects(
      analyzeDocument({ analyzer: poolAnalyzer(pool), limits: { ...limits, pdfPageTimeoutMs: 500 } }, { bytes: pdf, name: 'slow.pdf' }, { params: {}, pages: '2' }),
      (err) => PdfError.is(err) && /page 2 took longer than 500 ms/.test(err.message),
    );
  });

  it('a document-level failure still fails the whole document when another page failed alone', async () => {
    const pdf = await pdfWithSlowPage(3, 2);
    const bad = await truncatedPng();
    const inner = poolAnalyzer(pool);
    // Page 3 goes out as an undecodable image instead of its PDF reference: LAYOUT_ERR_IMAGE_CORRUPT concerns the document.
    const analyzer: PageAnalyzer<PoolResult> = {
      ...inner,
      capacity: () => inner.capacity(),
      analyze: (page, params, options) => inner.analyze(page.page === 3 ? { name: page.name, page: 3, source: { kind: 'image', bytes: bad } } : page, params, options),
      close: () => inner.close(),
    };
    await assert.rejects(
      analyzeDocument({ analyzer, limits: { ...limits, pdfPageTimeoutMs: 10_000 } }, { bytes: pdf, name: 'slow-and-bad.pdf' }, { params: {} }),
      (err) => CorruptImageError.is(err),
    );
  });

  it('a failing page fails the document, cancels its other pages and leaves no rejection unobserved', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const seen: PageTaskOptions[] = [];
      const analyzer = corruptingPage(poolAnalyzer(pool), 2, seen, await truncatedPng());
      const before = pool.snapshot();
      await assert.rejects(
        analyzeDocument({ analyzer, limits }, { bytes: await pdfWithPages(8), name: 'bad-page.pdf' }, { params: {} }),
        (err) => CorruptImageError.is(err),
      );
      // The window (2 pages on one batch-1 device) kept the rest of the 8 pages from starting.
      assert.ok(seen.length >= 2 && seen.length < 8, `pages started: ${seen.length}`);
      for (const options of seen) assert.equal(options.signal?.aborted, true, 'every page started was cancelled with its document');
      const after = pool.snapshot();
      assert.equal(after.completed + after.failed + after.aborted - (before.completed + before.failed + before.aborted), seen.length, 'every page sent settled');
      // Page 3 was waiting behind the failing page 2 on the one device: it left the queue unrun.
      assert.ok(after.aborted > before.aborted, 'a page still queued was cancelled');
      // Every page sent has settled (counted above); an unhandled rejection is reported once the
      // microtasks drain, so one turn of the event loop is enough to see it.
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
