/**
 * The one page chain (cache → admission → pool) files every result under the model that produced
 * it: pages queued behind a reload run on the new model and are cached under its sha256, pages
 * that ran before it under the old one's — never one model's result under the other's key. Real
 * pool (one CPU worker slowed down so that the reload meets pages still waiting), real cache.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MemoryCache } from '../../src/cache/index.js';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { sha256File } from '../../src/model/index.js';
import { faultyWorkers } from '../fixtures/faulty-workers.js';
import { writeFixtureModel } from '../fixtures/fixture-model.js';
import { fixtureModel, pages, poolConfig } from '../pool/helpers.js';

describe('the page chain', { timeout: 120_000 }, () => {
  const engines: Engine[] = [];
  after(() => Promise.all(engines.map((e) => e.destroy())));

  it('caches each result under the model that ran it, even when a reload happens while the pages wait', async () => {
    const cache = new MemoryCache(10_000_000);
    const engine = await createEngine({
      config: poolConfig({ maxBatch: 1 }),
      modelPath: fixtureModel(),
      cache,
      workerEntry: faultyWorkers({ 0: { delayMsPerPage: 150 } }),
    });
    engines.push(engine);
    await engine.ready();
    const v2 = writeFixtureModel({ variant: 'v2' });
    const shaOf: Record<string, string> = { 'fixture-v3': await sha256File(fixtureModel()), 'fixture-v2': await sha256File(v2) };
    const keyFor = (page: number, modelSha256: string): string => `doc:${page}:${modelSha256}`;
    const chain = engine.cached(keyFor);

    // Six pages, asked for while fixture-v3 is the identity; the reload starts while they wait.
    const inputs = (await pages(6, 'racing')).map((p, i) => ({ ...p, page: i + 1 }));
    const running = inputs.map((input) => chain.analyze(input, {}, { priority: 'batch' }));
    const reloaded = engine.reload(v2);
    const results = await Promise.all(running);
    await reloaded;

    const models = results.map((r) => r.model);
    assert.ok(models.includes('fixture-v3') && models.includes('fixture-v2'), `the reload did not race the pages: ${models.join(', ')}`);
    for (const [i, result] of results.entries()) {
      const page = i + 1;
      const other = result.model === 'fixture-v3' ? 'fixture-v2' : 'fixture-v3';
      const stored = await cache.get(keyFor(page, shaOf[result.model]!));
      assert.equal(stored?.model, result.model, `page ${page} (run on ${result.model}) is cached under its model`);
      assert.equal(await cache.get(keyFor(page, shaOf[other]!)), undefined, `page ${page} is not cached under ${other}`);
    }

    // After the reload, a page cached only under the old model is looked up under the new one: it runs again.
    const ranOnOld = results.findIndex((r) => r.model === 'fixture-v3') + 1;
    const again = await engine.cached(keyFor).analyze(inputs[ranOnOld - 1]!, {}, { priority: 'batch' });
    assert.equal(again.model, 'fixture-v2');
  });
});
