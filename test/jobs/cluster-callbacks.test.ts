/**
 * The cluster's callbacks through its outbox in Redis (redis-outbox.ts), with real Redis, real
 * BullMQ jobs, a real device pool and a real HTTP receiver on loopback: the entry is written
 * with the document's final state and delivered by whichever worker claims it — a receiver that
 * fails first gets it later with the same Idempotency-Key; one that refuses (4xx) is not asked
 * again; attempts are bounded; a worker closed, or killed mid-delivery, leaves the callback to
 * another worker, which delivers it with the same key.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { resolveConfig } from '../../src/config.js';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { CallbackGuard, Cluster, ClusterWorker, JobClient, jobSettings, type CallbackOptions } from '../../src/jobs/index.js';
import { RedisServer, skipWithoutRedis } from '../fixtures/redis-server.js';
import { fixtureModel, poolConfig } from '../pool/helpers.js';
import { clusterEnv, startWorker, stopWorker, tempDir, waitFor, writePages } from './helpers.js';

const skip = skipWithoutRedis();
const config = resolveConfig({}, {});
/** Loopback allowed (the guard refuses it by default); quick backoff so retries come within the test. */
const callbacks: CallbackOptions = { guard: new CallbackGuard('127.0.0.1/32'), backoffMs: 50, timeoutMs: 1_000 };

interface Hit {
  readonly key: string | undefined;
  readonly body: { id: string; document: { docId: string; batchId?: string; submissionId?: string; state: string } };
  readonly at: number;
}

/** A receiver whose answer to the n-th request (from 1) is `answer(n)`: a status, or 'hang' (never answers). */
async function receiver(answer: (n: number) => number | 'hang'): Promise<{ url: string; hits: Hit[]; close: () => Promise<void> }> {
  const hits: Hit[] = [];
  const hanging: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (d: Buffer) => (data += d.toString()));
    req.on('end', () => {
      hits.push({ key: req.headers['idempotency-key'] as string | undefined, body: JSON.parse(data) as Hit['body'], at: Date.now() });
      const status = answer(hits.length);
      if (status === 'hang') {
        hanging.push(res);
        return;
      }
      res.statusCode = status;
      res.end();
    });
  });
  server.on('connection', (socket) => socket.on('error', () => undefined));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    hits,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('cluster callbacks through the outbox in Redis', { skip, timeout: 240_000 }, () => {
  let redis: RedisServer;
  let engine: Engine;
  const clusters: Cluster[] = [];
  const workers: ClusterWorker[] = [];
  let page: Buffer;

  before(async () => {
    redis = await RedisServer.start();
    engine = await createEngine({ config: poolConfig({ maxBatch: 1 }), modelPath: fixtureModel() });
    await engine.ready();
    page = fs.readFileSync((await writePages(tempDir('cluster-callbacks'), 1))[0]!);
  });

  after(async () => {
    for (const worker of workers) await worker.close();
    for (const cluster of clusters) await cluster.close();
    await engine?.destroy();
    await redis?.destroy();
  });

  function newCluster(queue: string): Cluster {
    const cluster = new Cluster(jobSettings(resolveConfig({ redis: redis.url, queue, jobLockMs: 2_000 }, {})));
    clusters.push(cluster);
    return cluster;
  }

  /** The test's own handle on a queue (submitting, reading the outbox), one per queue. */
  const handles = new Map<string, Cluster>();
  function clusterOn(queue: string): Cluster {
    if (!handles.has(queue)) handles.set(queue, newCluster(queue));
    return handles.get(queue)!;
  }

  function startWorkerOn(queue: string, options: CallbackOptions = callbacks): ClusterWorker {
    const worker = new ClusterWorker({ cluster: newCluster(queue), engine, maxPixels: config.maxPixels, callbacks: options });
    worker.on('error', () => undefined);
    workers.push(worker);
    worker.start();
    return worker;
  }

  /** Submits one image with a callback to `url`; its document id. */
  async function submit(queue: string, submissionId: string, url: string): Promise<string> {
    const client = new JobClient(clusterOn(queue));
    await client.createSubmission(submissionId);
    const { docId } = await client.submitDocument(submissionId, { name: 'cb.png', bytes: page }, { params: {}, pdfDpi: config.pdfDpi, maxPdfPages: 0, callbackUrl: url });
    return docId;
  }

  async function pending(queue: string): Promise<number> {
    const cluster = clusterOn(queue);
    return cluster.redis.zcard(cluster.documents.keys.callbacks);
  }

  it('a receiver that fails the first attempts gets the callback later, with one stable Idempotency-Key', async () => {
    const hook = await receiver((n) => (n <= 2 ? 503 : 200));
    try {
      startWorkerOn('cb-retry');
      const docId = await submit('cb-retry', 'retry', hook.url);
      await waitFor(() => hook.hits.length >= 3, 'the third attempt', 60_000);
      assert.deepEqual(hook.hits.map((h) => h.key), [`${docId}:completed`, `${docId}:completed`, `${docId}:completed`]);
      const delivered = hook.hits[2]!.body;
      assert.equal(delivered.id, 'retry');
      assert.equal(delivered.document.docId, docId);
      // The public body keeps the name it always had: `batchId`, never the code's `submissionId`.
      assert.equal(delivered.document.batchId, 'retry');
      assert.equal(delivered.document.submissionId, undefined);
      assert.equal(delivered.document.state, 'completed');
      await waitFor(async () => (await pending('cb-retry')) === 0, 'the entry removed once delivered', 10_000);
      await sleep(1_500);
      assert.equal(hook.hits.length, 3, 'delivered once, never again');
    } finally {
      await hook.close();
    }
  });

  it('a receiver that refuses (4xx) is not asked again; one that always fails is asked 5 times in all', async () => {
    const refusing = await receiver(() => 404);
    const failing = await receiver(() => 500);
    try {
      startWorkerOn('cb-refused');
      await submit('cb-refused', 'refused', refusing.url);
      await submit('cb-refused', 'failing', failing.url);
      await waitFor(() => refusing.hits.length >= 1 && failing.hits.length >= 5, 'the refusal and five failed attempts', 60_000);
      await waitFor(async () => (await pending('cb-refused')) === 0, 'both entries removed', 10_000);
      await sleep(1_500);
      assert.equal(refusing.hits.length, 1);
      assert.equal(failing.hits.length, 5);
      assert.equal(new Set(failing.hits.map((h) => h.key)).size, 1);
    } finally {
      await Promise.all([refusing.close(), failing.close()]);
    }
  });

  it('a worker closed before its callback was delivered leaves it to another worker', async () => {
    const hook = await receiver((n) => (n === 1 ? 503 : 200));
    try {
      // The retry is due 5 s later: this worker stops before then.
      const first = startWorkerOn('cb-closed', { ...callbacks, backoffMs: 5_000 });
      const docId = await submit('cb-closed', 'closed', hook.url);
      await waitFor(() => hook.hits.length >= 1, 'the first attempt', 60_000);
      await first.close();
      assert.equal(hook.hits.length, 1);
      assert.equal(await pending('cb-closed'), 1, 'the callback is still in the outbox');
      startWorkerOn('cb-closed');
      await waitFor(() => hook.hits.length >= 2, 'the callback delivered by the second worker', 30_000);
      assert.deepEqual(hook.hits.map((h) => h.key), [`${docId}:completed`, `${docId}:completed`]);
      await waitFor(async () => (await pending('cb-closed')) === 0, 'the entry removed', 10_000);
    } finally {
      await hook.close();
    }
  });

  it('a worker killed mid-delivery: another delivers the callback after the lease, with the same key', async () => {
    // The receiver holds the first request until the worker sending it is killed.
    const hook = await receiver((n) => (n === 1 ? 'hang' : 200));
    // A one-second attempt: the killed worker's lease is 3 s (two attempts' time and a second).
    const env = clusterEnv(redis.url, { DOCLAYOUT_QUEUE: 'cb-killed', DOCLAYOUT_CALLBACK_ALLOW: '127.0.0.1/32', DOCLAYOUT_CALLBACK_TIMEOUT_MS: '1000' });
    const doomed = await startWorker(env);
    try {
      const docId = await submit('cb-killed', 'killed', hook.url);
      await waitFor(() => hook.hits.length >= 1, 'the first attempt reached the receiver', 60_000);
      await stopWorker(doomed, 'SIGKILL');
      const killedAt = Date.now();
      assert.equal(await pending('cb-killed'), 1, 'the claimed callback is still in the outbox');
      startWorkerOn('cb-killed');
      await waitFor(() => hook.hits.length >= 2, 'the callback delivered by another worker', 30_000);
      assert.deepEqual(hook.hits.map((h) => h.key), [`${docId}:completed`, `${docId}:completed`]);
      assert.ok(hook.hits[1]!.at - hook.hits[0]!.at >= 2_500, `redelivered after the lease (${hook.hits[1]!.at - hook.hits[0]!.at} ms after the first, ${hook.hits[1]!.at - killedAt} ms after the kill)`);
      await waitFor(async () => (await pending('cb-killed')) === 0, 'the entry removed', 10_000);
      await sleep(1_000);
      assert.equal(hook.hits.length, 2);
    } finally {
      await stopWorker(doomed, 'SIGKILL');
      await hook.close();
    }
  });
});
