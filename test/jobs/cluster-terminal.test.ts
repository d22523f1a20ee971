/**
 * The retry policy on a cluster (retry-policy.ts), with real Redis, a real device pool and real
 * BullMQ jobs: a page refused by a full pool (LAYOUT_ERR_POOL_QUEUE_FULL, the pool flooded with
 * interactive pages) is put back with a delay, never stored as failed; and a document whose
 * split keeps failing for a fault other than its input or capacity (its shared-path file gone)
 * ends failed after its attempts with the last error's code, so waiting for it returns non-zero.
 * (A full spool disk is capacity: it waits — cluster-full-disk.test.ts.)
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { resolveConfig } from '../../src/config.js';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { Cluster, ClusterWorker, JobClient, jobSettings } from '../../src/jobs/index.js';
import { faultyWorkers } from '../fixtures/faulty-workers.js';
import { RedisServer, skipWithoutRedis } from '../fixtures/redis-server.js';
import { fixtureModel, poolConfig } from '../pool/helpers.js';
import { clusterEnv, runCli, tempDir, waitFor, writePages, writePdf } from './helpers.js';

const skip = skipWithoutRedis();
const config = resolveConfig({}, {});
const options = { params: {}, pdfDpi: config.pdfDpi, maxPdfPages: 0 };

describe('cluster: every document reaches a final state, and capacity is not a failure', { skip, timeout: 240_000 }, () => {
  let redis: RedisServer;
  let engine: Engine;
  const clusters: Cluster[] = [];
  const workers: ClusterWorker[] = [];

  before(async () => {
    redis = await RedisServer.start();
    // One device, one page at a time, 100 ms a page, and room for one page in the queue.
    engine = await createEngine({ config: poolConfig({ maxBatch: 1, maxQueue: 1 }), modelPath: fixtureModel(), workerEntry: faultyWorkers({ 0: { delayMsPerPage: 100 } }) });
    await engine.ready();
  });

  after(async () => {
    for (const worker of workers) await worker.close();
    for (const cluster of clusters) await cluster.close();
    await engine?.destroy();
    await redis?.destroy();
  });

  function startWorkerOn(queue: string): { cluster: Cluster; worker: ClusterWorker } {
    const cluster = new Cluster(jobSettings(resolveConfig({ redis: redis.url, queue, jobLockMs: 2_000 }, {})));
    const worker = new ClusterWorker({ cluster, engine, maxPixels: config.maxPixels });
    worker.on('error', () => undefined);
    clusters.push(cluster);
    workers.push(worker);
    worker.start();
    return { cluster, worker };
  }

  it('a page refused with LAYOUT_ERR_POOL_QUEUE_FULL is retried, not stored failed', async () => {
    const { cluster, worker } = startWorkerOn('queue-full');
    const client = new JobClient(cluster);
    const dir = tempDir('queue-full');
    const files = await writePages(dir, 6);
    const page = fs.readFileSync(files[0]!);
    // Interactive load that keeps the pool's one-page queue full.
    let flooding = true;
    let refused = 0;
    const analyzer = engine.analyzer;
    const flood = Array.from({ length: 4 }, async () => {
      while (flooding) {
        await analyzer.analyze({ source: { kind: 'image', bytes: page }, name: 'load.png' }, {}, { priority: 'interactive' }).catch((err: { code?: string }) => {
          if (err.code === 'LAYOUT_ERR_POOL_QUEUE_FULL') refused += 1;
        });
        // A refusal comes at once: let timers and I/O run between tries.
        await sleep(5);
      }
    });
    await client.createSubmission('qf');
    for (const file of files) await client.submitDocument('qf', { name: path.basename(file), bytes: fs.readFileSync(file) }, options);
    await waitFor(() => worker.counters().capacityRetries >= 3, 'page jobs refused for capacity and put back', 60_000);
    flooding = false;
    await Promise.all(flood);
    await waitFor(async () => ['completed', 'failed'].includes((await client.status('qf'))?.state ?? ''), 'the submission finished', 120_000);
    const status = (await client.status('qf'))!;
    assert.ok(refused > 0, 'the pool really was full');
    assert.equal(status.state, 'completed', JSON.stringify(status.documents.map((d) => [d.name, d.state, d.error])));
    assert.equal(status.pagesFailed, 0);
    assert.equal(status.pagesDone, files.length);
    assert.equal(worker.counters().failedPages, 0);
  });

  it('a document whose split keeps failing for a fault (its shared file gone) ends failed after its attempts; the wait returns 1', async () => {
    const pdf = await writePdf(path.join(tempDir('gone-in'), 'doc.pdf'), 2);
    const env = clusterEnv(redis.url, { DOCLAYOUT_QUEUE: 'gone', DOCLAYOUT_JOB_ATTEMPTS: '2' });
    const submitted = await runCli(['submit', pdf, '--shared-path', '--batch-id', 'gone'], env);
    assert.equal(submitted.code, 0, submitted.stderr);
    // Gone before any worker reads it: LAYOUT_ERR_DOCUMENT_EXPIRED, a fault that spends attempts.
    fs.rmSync(pdf);
    startWorkerOn('gone');
    const waited = await runCli(['jobs', 'results', 'gone', '--wait', '--jsonl', path.join(tempDir('gone-out'), 'pages.jsonl')], env, 120_000);
    assert.equal(waited.code, 1, waited.stderr);
    assert.match(waited.stderr, /batch gone failed: 0 ok, 1 failed/);
    assert.match(waited.stderr, /doc\.pdf: .*\[LAYOUT_ERR_DOCUMENT_EXPIRED\]/);
  });
});
