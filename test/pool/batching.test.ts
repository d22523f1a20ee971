import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { LayoutPool, PoolResult } from '../../src/pool/types.js';
import { writeFixtureModel } from '../fixtures/fixture-model.js';
import { page, pages, startPool } from './helpers.js';

const largerThanOne = (sizes: readonly number[]): number => sizes.slice(2).reduce((a, b) => a + b, 0);

describe('dynamic batching', { timeout: 60_000 }, () => {
  const pools: LayoutPool[] = [];
  after(() => Promise.all(pools.map((p) => p.destroy())));

  it('runs pages one by one when requests come one at a time', async () => {
    const pool = await startPool({ maxBatch: 4, maxQueueDelayMs: 20 });
    pools.push(pool);
    for (let i = 0; i < 5; i++) {
      const result = await pool.analyze(await page(`single-${i}.png`));
      assert.equal(result.timing.batchSize, 1);
    }
    const device = pool.snapshot().devices[0]!;
    assert.equal(device.maxBatch, 4, 'the fixture graph accepts batch > 1');
    assert.equal(device.batchSizes[1], 5);
    assert.equal(largerThanOne(device.batchSizes), 0);
    await pool.close();
  });

  it('forms batches larger than one under load', async () => {
    const pool = await startPool({ maxBatch: 4, maxQueueDelayMs: 20 });
    pools.push(pool);
    const results: PoolResult[] = await Promise.all((await pages(16)).map((input) => pool.analyze(input)));
    const device = pool.snapshot().devices[0]!;
    assert.ok(largerThanOne(device.batchSizes) >= 1, `no batch > 1 in ${JSON.stringify(device.batchSizes)}`);
    assert.ok(results.some((r) => r.timing.batchSize > 1));
    assert.ok(results.every((r) => r.timing.batchSize <= 4));
    // The histogram counts every page exactly once.
    assert.equal(device.batchSizes.reduce((sum, count, size) => sum + count * size, 0), 16);
    assert.ok(results.every((r) => r.regions.length > 0 && r.timing.totalMs >= r.timing.queueMs));
    await pool.close();
  });

  it('falls back to batches of one when the graph rejects batch > 1', async () => {
    const pool = await startPool({ maxBatch: 4, maxQueueDelayMs: 20 }, { modelPath: writeFixtureModel({ variant: 'v3', fixedBatch: true }) });
    pools.push(pool);
    const results = await Promise.all((await pages(8)).map((input) => pool.analyze(input)));
    const device = pool.snapshot().devices[0]!;
    assert.equal(device.maxBatch, 1);
    assert.equal(device.batchSizes[1], 8);
    assert.ok(results.every((r) => r.timing.batchSize === 1));
    await pool.close();
  });
});
