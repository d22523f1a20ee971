/**
 * What is retried and what is not: a page whose device worker dies under it (the pool's crash
 * hook kills the worker process on that page, every time) is retried by BullMQ with backoff
 * until its attempts are spent, then its document fails with LAYOUT_ERR_RETRIES_EXHAUSTED; a
 * corrupt page is run once and fails its document with its own code; the good document in the
 * same submission completes, and the worker lives on (the pool restarts its device).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { resolveConfig } from '../../src/config.js';
import { createEngine } from '../../src/engine/index.js';
import { Cluster, ClusterWorker, JobClient, jobSettings, pageJobId, type SubmissionStatus } from '../../src/jobs/index.js';
import type { LayoutPool } from '../../src/pool/index.js';
import { RedisServer, skipWithoutRedis } from '../fixtures/redis-server.js';
import { fixtureModelPath, startFaultyCluster, waitFor, type FaultyCluster } from './helpers.js';
import { faultyWorkers } from '../fixtures/faulty-workers.js';

const skip = skipWithoutRedis();
const ATTEMPTS = 3;

describe('retry policy', { skip, timeout: 120_000 }, () => {
  let redis: RedisServer;
  let pool: LayoutPool;
  let worker: ClusterWorker;
  let client: JobClient;
  let rig: FaultyCluster;

  before(async () => {
    redis = await RedisServer.start();
    const config = resolveConfig({
      redis: redis.url, queue: 'retry', devices: 'cpu', cpuThreads: 1, gpuTelemetryMs: 0, maxQueueDelayMs: 1,
      // The pool gives up on a crashing page at once, so every crash reaches BullMQ.
      maxRetries: 0, restartBackoffMs: 50, heartbeatIntervalMs: 100,
      jobAttempts: ATTEMPTS, jobLockMs: 5_000,
    }, {});
    rig = await startFaultyCluster(config, { crashOnName: 'crash-me' });
    ({ pool, worker, client } = rig);
  });

  after(async () => {
    await rig?.close();
    await redis?.destroy();
  });

  it('retries device crashes with backoff until the attempts are spent, never bad input', async () => {
    const png = await sharp({ create: { width: 200, height: 260, channels: 3, background: '#fff' } }).png().toBuffer();
    const corrupt = Buffer.concat([png.subarray(0, 8), Buffer.alloc(64, 7)]);
    const options = { params: {}, pdfDpi: 144, maxPdfPages: 0 };
    await client.createSubmission('r1');
    const ok = await client.submitDocument('r1', { name: 'ok.png', bytes: png }, options);
    const crash = await client.submitDocument('r1', { name: 'crash-me.png', bytes: png }, options);
    const bad = await client.submitDocument('r1', { name: 'corrupt.png', bytes: corrupt }, options);
    let status: SubmissionStatus | undefined;
    await waitFor(async () => {
      status = await client.status('r1');
      return status!.state !== 'queued' && status!.state !== 'running';
    }, 'the submission finished', 90_000);
    const byName = Object.fromEntries(status!.documents.map((d) => [d.name, d]));
    assert.equal(byName['ok.png']!.state, 'completed');
    assert.equal(byName['crash-me.png']!.state, 'failed');
    assert.equal(byName['crash-me.png']!.error?.code, 'LAYOUT_ERR_RETRIES_EXHAUSTED');
    assert.match(byName['crash-me.png']!.error!.message, /crash-me|exited|Worker/i);
    assert.equal(byName['corrupt.png']!.state, 'failed');
    assert.equal(byName['corrupt.png']!.error?.code, 'LAYOUT_ERR_IMAGE_CORRUPT');

    const crashJob = await client.cluster.pagesQueue.getJob(pageJobId(crash.docId, 1));
    assert.equal(crashJob?.attemptsMade, ATTEMPTS, 'the crashing page ran once per attempt');
    assert.equal(await crashJob?.getState(), 'failed');
    // A completed page job is removed at once: the bad page and the good one ran once and completed.
    assert.equal(await client.cluster.pagesQueue.getJob(pageJobId(bad.docId, 1)), undefined);
    assert.equal(await client.cluster.pagesQueue.getJob(pageJobId(ok.docId, 1)), undefined);
    assert.equal(worker.counters().failedPages, 1);
    assert.ok(pool.snapshot().devices[0]!.restarts >= ATTEMPTS, 'the device was restarted after each crash');
  });
});

describe('fetch limit', { skip, timeout: 120_000 }, () => {
  it('holds three rounds of pages only while the last would start within half the job lock', async () => {
    const redis = await RedisServer.start();
    const config = resolveConfig({
      redis: redis.url, queue: 'limit', devices: 'cpu', cpuThreads: 1, gpuTelemetryMs: 0, maxQueueDelayMs: 1,
      // Pages of at least 700 ms against a 1 s lock: a page waiting behind two others would not start in time.
      jobLockMs: 1_000,
    }, {});
    const engine = await createEngine({ config, modelPath: fixtureModelPath(), workerEntry: faultyWorkers({ 0: { delayMsPerPage: 700 } }) });
    const cluster = new Cluster(jobSettings(config));
    const jobs = new JobClient(new Cluster(jobSettings(config)));
    const worker = new ClusterWorker({ cluster, engine, maxPixels: config.maxPixels });
    try {
      await engine.ready();
      assert.equal(worker.pageJobLimit, 3, 'before any page: three rounds of capacity');
      worker.start();
      const png = await sharp({ create: { width: 120, height: 160, channels: 3, background: '#fff' } }).png().toBuffer();
      await jobs.createSubmission('slow');
      for (let i = 0; i < 3; i++) await jobs.submitDocument('slow', { name: `p${i}.png`, bytes: png }, { params: {}, pdfDpi: 144, maxPdfPages: 0 });
      await waitFor(async () => (await jobs.status('slow'))!.state === 'completed', 'slow submission done', 60_000);
      assert.equal(worker.pageJobLimit, 1, 'slow pages: one round only');
    } finally {
      await worker.close();
      await engine.close();
      await cluster.close();
      await jobs.cluster.close();
      await redis.destroy();
    }
  });
});
