/**
 * A co-located cluster worker yields while the pool serves interactive pages: the signal it reads
 * is true while such pages wait or were just sent to a device, and false once they stop.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { interactiveActivity } from '../../src/engine/index.js';
import type { LayoutPool } from '../../src/pool/types.js';
import { oneBatchAtATime } from '../fixtures/one-batch-devices.js';
import { page, startPool, waitFor } from '../pool/helpers.js';

describe('interactive activity of a pool', { timeout: 60_000 }, () => {
  const pools: LayoutPool[] = [];
  after(() => Promise.all(pools.map((p) => p.destroy())));

  it('is true while interactive pages wait or were just served, and false for batch pages and once the hold has passed', async () => {
    const pool = await startPool({ maxBatch: 1 }, { devices: oneBatchAtATime(), faults: { 0: { delayMsPerPage: 200 } } });
    pools.push(pool);
    const clock = { now: 0 };
    const active = interactiveActivity(() => pool.snapshot(), 1_000, () => clock.now);
    assert.equal(active(), false);

    // Batch pages alone, however many wait, are not interactive load.
    const batch = [pool.analyze(await page('b0.png'), {}, { priority: 'batch' }), pool.analyze(await page('b1.png'), {}, { priority: 'batch' })];
    await waitFor(() => pool.snapshot().queueDepth === 1, 'a batch page waiting', 5_000);
    assert.equal(active(), false);

    const interactive = pool.analyze(await page('i.png'), {}, { priority: 'interactive' });
    assert.equal(active(), true, 'an interactive page waits');
    await Promise.all([...batch, interactive]);
    assert.equal(active(), true, 'just served');
    clock.now = 999;
    assert.equal(active(), true, 'served within the hold');
    clock.now = 1_000;
    assert.equal(active(), false, 'the hold has passed with no interactive page since');
    await pool.close();
  });
});
