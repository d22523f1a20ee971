/**
 * The page runner opens documents with the worker's configured limits: `--spool-max-mb` reaches
 * the document layer, so a cluster worker refuses to spool a PDF over its budget (507-class
 * LAYOUT_ERR_STORAGE_FULL, retried) instead of spooling under the built-in default.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import type { PageChain } from '../../src/engine/index.js';
import { OpenDocuments } from '../../src/jobs/open-documents.js';
import { planPages, type PageRunnerContext } from '../../src/jobs/page-runner.js';
import type { DocumentRecord } from '../../src/jobs/types.js';
import { twoPagePdf } from '../server/helpers.js';

function record(bytes: Uint8Array): DocumentRecord {
  return {
    docId: 'doc-1', submissionId: 'submission-1', name: 'two.pdf', state: 'queued', size: bytes.byteLength,
    sha256: crypto.createHash('sha256').update(bytes).digest('hex'), source: 'redis',
    options: { params: {}, pdfDpi: 150, maxPdfPages: 0 }, pagesDone: 0, pagesFailed: 0, createdAt: Date.now(),
  } as DocumentRecord;
}

// Splitting a document (planPages) opens it and never reaches the engine.
const noEngine = undefined as unknown as PageChain;

describe('page runner limits', () => {
  it('passes --spool-max-mb to the document layer: a PDF over the budget is refused', async () => {
    const bytes = new Uint8Array(await twoPagePdf());
    const doc = record(bytes);
    // A budget of half the PDF's size (the option is in MB of 1,000,000 bytes).
    const spoolMaxMb = bytes.byteLength / 2 / 1_000_000;
    for (const documents of [undefined, new OpenDocuments()]) {
      const ctx: PageRunnerContext = { engine: noEngine, maxPixels: 40_000_000, spoolMaxMb, ...(documents ? { documents } : {}) };
      await assert.rejects(planPages(ctx, doc, bytes), (err: { code?: string }) => err.code === 'LAYOUT_ERR_STORAGE_FULL');
      // The same document within a budget that holds it (and with none given: the option's default).
      assert.deepEqual(await planPages({ ...ctx, spoolMaxMb: 1 }, doc, bytes), { pdf: true, pageCount: 2, pages: [1, 2] });
      const { spoolMaxMb: _, ...defaults } = ctx;
      assert.deepEqual(await planPages(defaults, doc, bytes), { pdf: true, pageCount: 2, pages: [1, 2] });
      await documents?.close();
    }
  });
});
