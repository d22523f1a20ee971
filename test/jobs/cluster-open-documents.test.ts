/**
 * A multi-page PDF on a real cluster worker (BullMQ on a real redis-server, the device pool with
 * the fixture model): the split and every page job of the document fetch, spool and parse it
 * once on this worker (its counters say so), the pages equal the document analysed directly, its
 * spool file is gone once it finishes, and pages whose device crashed under them are retried
 * from the same open.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { resolveConfig, type Config } from '../../src/config.js';
import { analyzeDocument, poolAnalyzer } from '../../src/document/index.js';
import type { SubmissionStatus, ClusterWorker, JobClient, WorkerCounters } from '../../src/jobs/index.js';
import type { LayoutPool } from '../../src/pool/index.js';
import { RedisServer, skipWithoutRedis } from '../fixtures/redis-server.js';
import { startFaultyCluster, waitFor, type FaultyCluster } from './helpers.js';

const skip = skipWithoutRedis();
/** Spool folders are made here (os.tmpdir() reads TMPDIR), so the test sees every one. */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-clusteropen-'));
const spools = (): string[] => fs.readdirSync(tmp).filter((f) => f.startsWith('doclayout-pdf-'));
const DPI = 72;
const options = { params: {}, pdfDpi: DPI, maxPdfPages: 0 };

/** A PDF whose pages each carry a dark block at a different place (regions to find). */
async function contentPdf(pages: number): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  for (let i = 0; i < pages; i++) {
    const png = await sharp({ create: { width: 240, height: 320, channels: 3, background: '#ffffff' } })
      .composite([{ input: { create: { width: 90, height: 40, channels: 3, background: '#202020' } }, left: 10 + i * 20, top: 20 + i * 35 }])
      .png()
      .toBuffer();
    const image = await pdf.embedPng(png);
    pdf.addPage([240, 320]).drawImage(image, { x: 0, y: 0, width: 240, height: 320 });
  }
  return pdf.save();
}

function opened(now: WorkerCounters, before: WorkerCounters): Record<string, number> {
  return { documentFetches: now.documentFetches - before.documentFetches, spools: now.spools - before.spools, pageTreeParses: now.pageTreeParses - before.pageTreeParses };
}

describe('a PDF on a cluster worker', { skip, timeout: 180_000 }, () => {
  const savedTmp = process.env.TMPDIR;
  const marker = path.join(tmp, 'device-crashed');
  let redis: RedisServer;
  let config: Config;
  let pool: LayoutPool;
  let worker: ClusterWorker;
  let client: JobClient;
  let rig: FaultyCluster;

  before(async () => {
    process.env.TMPDIR = tmp;
    redis = await RedisServer.start();
    config = resolveConfig({
      redis: redis.url, queue: 'open', devices: 'cpu', cpuThreads: 1, gpuTelemetryMs: 0, maxQueueDelayMs: 1,
      // A crash reaches BullMQ at once, which retries the page job.
      maxRetries: 0, restartBackoffMs: 50, heartbeatIntervalMs: 100,
      jobAttempts: 3, jobLockMs: 5_000,
    }, {});
    rig = await startFaultyCluster(config, { crashOnceOnName: { name: 'crash-once', marker } });
    ({ pool, worker, client } = rig);
  });

  after(async () => {
    await rig?.close();
    await redis?.destroy();
    process.env.TMPDIR = savedTmp;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function finished(submissionId: string): Promise<SubmissionStatus> {
    let status: SubmissionStatus | undefined;
    await waitFor(async () => {
      status = await client.status(submissionId);
      return status !== undefined && status.state !== 'queued' && status.state !== 'running';
    }, `submission ${submissionId} finished`, 120_000);
    return status!;
  }

  /** The stored pages equal the document analysed directly on the same pool (timings aside). */
  async function assertSameAsDirect(docId: string, name: string, bytes: Uint8Array, pages: number): Promise<void> {
    const direct = await analyzeDocument({ analyzer: poolAnalyzer(pool), limits: { maxPixels: config.maxPixels, pdfDpi: DPI, maxPdfPages: 0 } }, { name, bytes }, { params: {} });
    const stored = (await client.cluster.results.read(docId)).sort((a, b) => a.page - b.page);
    assert.equal(stored.length, pages);
    for (const [i, outcome] of stored.entries()) {
      assert.ok(outcome.ok, `page ${outcome.page}: ${JSON.stringify(outcome)}`);
      const expected = direct.pages[i]!.result;
      assert.deepEqual({ input: outcome.result.input, regions: outcome.result.regions }, { input: expected.input, regions: expected.regions });
    }
    assert.ok(stored.some((o) => o.ok && o.result.regions.length > 0), 'the pages have regions to compare');
  }

  it('fetches, spools and parses the document once for its split and all its pages', async () => {
    const pages = 6;
    const bytes = await contentPdf(pages);
    const start = worker.counters();
    await client.createSubmission('once');
    const { docId } = await client.submitDocument('once', { name: 'doc.pdf', bytes }, options);
    assert.equal((await finished('once')).state, 'completed');
    assert.deepEqual(opened(worker.counters(), start), { documentFetches: 1, spools: 1, pageTreeParses: 1 });
    assert.equal(worker.counters().pagesRun - start.pagesRun, pages);
    // Closed when the document finished: no open entry, no temp file.
    await waitFor(() => worker.counters().openDocuments === 0 && spools().length === 0, 'the spool file removed');
    await assertSameAsDirect(docId, 'doc.pdf', bytes, pages);
  });

  it('retries pages whose device crashed under them, from the same open', async () => {
    const pages = 4;
    const bytes = await contentPdf(pages);
    const start = worker.counters();
    const restarts = pool.snapshot().devices[0]!.restarts;
    await client.createSubmission('crash');
    const { docId } = await client.submitDocument('crash', { name: 'crash-once.pdf', bytes }, options);
    assert.equal((await finished('crash')).state, 'completed');
    assert.ok(fs.existsSync(marker), 'the device crashed under one of its pages');
    assert.ok(pool.snapshot().devices[0]!.restarts > restarts, 'and was restarted');
    assert.equal(worker.counters().failedPages, 0);
    assert.deepEqual(opened(worker.counters(), start), { documentFetches: 1, spools: 1, pageTreeParses: 1 });
    await waitFor(() => worker.counters().openDocuments === 0 && spools().length === 0, 'the spool file removed');
    await assertSameAsDirect(docId, 'crash-once.pdf', bytes, pages);
  });
});
