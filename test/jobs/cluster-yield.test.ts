/**
 * A cluster worker that shares its devices with interactive traffic (`serve --cluster-worker`)
 * yields, seen from Redis: while interactive pages are active it holds one round of page jobs
 * (the rest stay waiting in Redis, where another worker could take them); once they stop it
 * holds three rounds again. Real Redis, a real device pool, real BullMQ jobs.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveConfig } from '../../src/config.js';
import { createEngine, type Engine, type PageChain } from '../../src/engine/index.js';
import { Cluster, ClusterWorker, JobClient, jobSettings } from '../../src/jobs/index.js';
import { faultyWorkers } from '../fixtures/faulty-workers.js';
import { RedisServer, skipWithoutRedis } from '../fixtures/redis-server.js';
import { fixtureModel, poolConfig } from '../pool/helpers.js';
import { tempDir, waitFor, writePages } from './helpers.js';

const skip = skipWithoutRedis();
const DOCUMENTS = 24;
/** Three rounds of a one-device, batch-1 pool. */
const HELD = 3;

describe('a co-located cluster worker yields to interactive pages', { skip, timeout: 180_000 }, () => {
  let redis: RedisServer;
  let engine: Engine;
  let cluster: Cluster;
  let worker: ClusterWorker | undefined;

  before(async () => {
    redis = await RedisServer.start();
    // Pages of ~300 ms: quick enough that the worker holds three rounds when nothing interactive runs.
    engine = await createEngine({ config: poolConfig({ maxBatch: 1 }), modelPath: fixtureModel(), workerEntry: faultyWorkers({ 0: { delayMsPerPage: 300 } }) });
    await engine.ready();
    cluster = new Cluster(jobSettings(resolveConfig({ redis: redis.url, queue: 'yield' }, {})));
  });

  after(async () => {
    await worker?.close();
    await cluster?.close();
    await engine?.destroy();
    await redis?.destroy();
  });

  it('holds one round in Redis terms while interactive pages are active, three once they stop, and loses nothing', async () => {
    let interactive = false;
    const config = resolveConfig({}, {});
    // The real engine's page chain, its interactive activity set by the test.
    const chain: PageChain = {
      cache: engine.cache,
      cached: (keyFor, onHit) => engine.cached(keyFor, onHit),
      capacity: () => engine.capacity(),
      interactiveActive: () => interactive,
    };
    worker = new ClusterWorker({ cluster, engine: chain, maxPixels: config.maxPixels });
    const stored: string[] = [];
    worker.on('page', (p: { docId: string; page: number; stored: boolean }) => {
      if (p.stored) stored.push(`${p.docId}#${p.page}`);
    });
    worker.start();

    const client = new JobClient(cluster);
    const dir = tempDir('yield');
    const files = await writePages(dir, DOCUMENTS);
    await client.createSubmission('mixed');
    for (const file of files) {
      await client.submitDocument('mixed', { name: path.basename(file), bytes: fs.readFileSync(file) }, { params: {}, pdfDpi: config.pdfDpi, maxPdfPages: 0 });
    }
    const active = async (): Promise<number> => (await client.queueCounts()).pages.active;

    // Nothing interactive: three rounds of page jobs are locked by this worker.
    await waitFor(async () => (await active()) === HELD, `${HELD} page jobs held`);
    assert.equal(worker.pageJobLimit, HELD);

    // Interactive pages arrive: after the next page the worker asks for one round only…
    interactive = true;
    await once(worker, 'page');
    assert.equal(worker.pageJobLimit, 1);
    // …the jobs it already held finish, and from then on it locks one job at a time.
    await waitFor(async () => (await active()) <= 1, 'held jobs drained to one round');
    for (let i = 0; i < 3; i++) {
      await once(worker, 'page');
      const counts = (await client.queueCounts()).pages;
      assert.ok(counts.active <= 1, `at most one page job locked while interactive pages run (saw ${counts.active})`);
      assert.ok(counts.waiting >= 1, 'the rest wait in Redis, where another worker can take them');
    }

    // Interactive load gone: back to three rounds.
    interactive = false;
    await once(worker, 'page');
    assert.equal(worker.pageJobLimit, HELD);
    await waitFor(async () => (await active()) === HELD || (await client.queueCounts()).pages.waiting === 0, 'three rounds held again');

    await waitFor(async () => (await client.status('mixed'))?.state === 'completed', 'the submission completed');
    assert.equal(new Set(stored).size, DOCUMENTS, 'every page stored');
    assert.equal(stored.length, DOCUMENTS, 'and stored once');
  });
});
