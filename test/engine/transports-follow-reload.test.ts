/**
 * The transports follow the engine's reload: a page analysed before the reload is not served from
 * the cache afterwards (the new model runs it, and its result is filed under the new model) —
 * for embedded jobs behind the admin route, and for a cluster worker whose model identity used
 * to be fixed when it started. Real server, real pool, real Redis and BullMQ for the cluster.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MemoryCache } from '../../src/cache/index.js';
import { resolveConfig } from '../../src/config.js';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { Cluster, ClusterWorker, JobClient, jobSettings } from '../../src/jobs/index.js';
import { sha256File } from '../../src/model/index.js';
import { writeFixtureModel } from '../fixtures/fixture-model.js';
import { RedisServer, skipWithoutRedis } from '../fixtures/redis-server.js';
import { waitFor } from '../jobs/helpers.js';
import { fixtureModel } from '../pool/helpers.js';
import { json, multipart, startServer, whitePage, type TestServer } from '../server/helpers.js';

const TOKEN = 'reload-follow-token';

describe('embedded jobs follow a reload', { timeout: 120_000 }, () => {
  let server: TestServer;
  let modelDir: string;
  before(async () => {
    modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-follow-'));
    fs.copyFileSync(writeFixtureModel({ variant: 'v2' }), path.join(modelDir, 'v2.onnx'));
    server = await startServer({ config: { adminToken: TOKEN, modelDir } });
  });
  after(async () => {
    await server?.close();
    fs.rmSync(modelDir, { recursive: true, force: true });
  });

  const runJob = async (bytes: Buffer): Promise<string> => {
    const submitted = await server.app.inject({ method: 'POST', url: '/v1/jobs', ...multipart([{ name: 'same.png', bytes, type: 'image/png' }]) });
    assert.equal(submitted.statusCode, 202, submitted.body);
    const { id } = json<{ id: string }>(submitted.body);
    let view: { state: string; pages?: Array<{ ok: boolean; result?: { model: string } }> } = { state: 'queued' };
    await waitFor(async () => {
      view = json((await server.app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).body);
      return view.state === 'completed' || view.state === 'failed';
    }, `job ${id} finished`, 60_000);
    assert.equal(view.state, 'completed');
    return view.pages![0]!.result!.model;
  };

  it('runs a page cached under the old model again on the new one, and /v1/models names the new identity', async () => {
    const bytes = await whitePage(200, 260);
    assert.equal(await runJob(bytes), 'fixture-v3');
    const reload = await server.app.inject({ method: 'POST', url: '/v1/admin/reload', headers: { authorization: `Bearer ${TOKEN}` }, payload: { model: 'v2.onnx' } });
    assert.equal(reload.statusCode, 200, reload.body);
    const v2 = fs.realpathSync(path.join(modelDir, 'v2.onnx'));
    assert.deepEqual(json<Record<string, unknown>>(reload.body).sha256, await sha256File(v2));
    assert.equal(await runJob(bytes), 'fixture-v2');
    const models = json<{ loaded: { name: string; path: string; sha256: string } }>((await server.app.inject({ method: 'GET', url: '/v1/models' })).body);
    assert.deepEqual(models.loaded, { name: 'fixture-v2', path: v2, sha256: await sha256File(v2), state: 'ready' });
    const status = json<{ model: string }>((await server.app.inject({ method: 'GET', url: '/v1/status' })).body);
    assert.equal(status.model, 'fixture-v2');
  });
});

describe('a cluster worker follows a reload', { skip: skipWithoutRedis(), timeout: 120_000 }, () => {
  let redis: RedisServer;
  let engine: Engine;
  let worker: ClusterWorker;
  let workerCluster: Cluster;
  let client: JobClient;
  before(async () => {
    redis = await RedisServer.start();
    const config = resolveConfig({ redis: redis.url, queue: 'follow', devices: 'cpu', cpuThreads: 1, gpuTelemetryMs: 0, maxQueueDelayMs: 1 }, {});
    engine = await createEngine({ config, modelPath: fixtureModel(), cache: new MemoryCache(10_000_000) });
    await engine.ready();
    workerCluster = new Cluster(jobSettings(config));
    worker = new ClusterWorker({ cluster: workerCluster, engine, maxPixels: config.maxPixels });
    worker.start();
    client = new JobClient(new Cluster(jobSettings(config)));
  });
  after(async () => {
    await worker?.close();
    await engine?.close();
    await workerCluster?.close();
    await client?.cluster.close();
    await redis?.destroy();
  });

  const runSubmission = async (submissionId: string, bytes: Buffer): Promise<string> => {
    await client.createSubmission(submissionId);
    const { docId } = await client.submitDocument(submissionId, { name: 'same.png', bytes }, { params: {}, pdfDpi: 144, maxPdfPages: 0 });
    await waitFor(async () => (await client.status(submissionId))?.state === 'completed', `submission ${submissionId} completed`, 60_000);
    const [outcome] = await client.outcomes(docId);
    assert.ok(outcome?.ok, JSON.stringify(outcome));
    return outcome.result.model;
  };

  it('caches under the model that ran each page: after a reload the same document runs on the new model', async () => {
    const bytes = await whitePage(200, 260);
    assert.equal(await runSubmission('before', bytes), 'fixture-v3');
    assert.equal(worker.counters().pagesRun, 1);
    await engine.reload(writeFixtureModel({ variant: 'v2' }));
    assert.equal(await runSubmission('after', bytes), 'fixture-v2');
    assert.equal(worker.counters().pagesRun, 2, 'the page ran again rather than answering from the old model\'s cache entry');
    assert.equal(await runSubmission('again', bytes), 'fixture-v2');
    assert.equal(worker.counters().cacheHits, 1, 'the new model\'s result is found under its own key');
  });
});
