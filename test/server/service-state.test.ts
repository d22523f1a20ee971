/**
 * The service's state is built in one place (createServiceState) and handed to buildServer, which
 * wires routes around it and owns it from then on: closing the server closes the jobs and the
 * engine. Without --redis the jobs are embedded and page through the state's engine and cache.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NoCache, StoreCache } from '../../src/cache/index.js';
import { EmbeddedJobService } from '../../src/jobs/index.js';
import { buildServer, createServiceState } from '../../src/server/index.js';
import { writeFixtureModel } from '../fixtures/fixture-model.js';
import { waitFor } from '../jobs/helpers.js';
import { json, multipart, testConfig, whitePage } from './helpers.js';

describe('service state', { timeout: 120_000 }, () => {
  it('embedded: jobs, cache and analyzer built once; the server uses them and closes them with the pool', async () => {
    const config = testConfig();
    const modelPath = writeFixtureModel({ variant: 'v3' });
    const state = await createServiceState({ config, modelPath });
    const pool = state.engine.pool;
    assert.ok(state.jobs instanceof EmbeddedJobService);
    assert.ok(state.cache instanceof StoreCache, 'store:256MiB (the data directory\'s database) without --redis');
    assert.equal(state.clusterWorker, undefined);
    const app = await buildServer({ state });
    assert.equal(app.doclayout.jobs, state.jobs);
    assert.equal(app.doclayout.documents.analyzer, state.engine.analyzer);
    assert.equal(state.engine.cache, state.cache, 'the engine pages through the state\'s cache');

    // A job through the server runs on the state's analyzer and lands in the state's cache.
    const page = await whitePage(200, 260);
    const submitted = await app.inject({ method: 'POST', url: '/v1/jobs', ...multipart([{ name: 'white.png', bytes: page, type: 'image/png' }]) });
    assert.equal(submitted.statusCode, 202, submitted.body);
    const { id } = json<{ id: string }>(submitted.body);
    let jobState = '';
    await waitFor(async () => {
      jobState = json<{ state: string }>((await app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).body).state;
      return jobState === 'completed' || jobState === 'failed';
    }, `job ${id} finished`, 60_000);
    assert.equal(jobState, 'completed');
    assert.equal(state.cache!.stats().entries, 1);

    await app.close();
    assert.equal(pool.snapshot().state, 'closed', 'the server closed the state, and the state the pool');
    await state.close(); // idempotent: a second close is the first one's promise
  });

  it('--cache off is honoured; a model file that cannot be read is refused before any device starts', async () => {
    const config = testConfig({ cache: 'off' });
    const state = await createServiceState({ config, modelPath: writeFixtureModel({ variant: 'v3' }) });
    try {
      assert.ok(state.cache instanceof NoCache);
    } finally {
      await state.close();
    }
    const clusterConfig = testConfig({ redis: 'redis://127.0.0.1:1', clusterWorker: true });
    await assert.rejects(createServiceState({ config: clusterConfig, modelPath: '/no/such/model.onnx' }), /ENOENT/);
  });
});
