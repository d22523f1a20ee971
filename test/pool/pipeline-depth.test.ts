/**
 * A device worker whose stages overlap is sent batches ahead of the one it runs (two at most), so
 * its next batch is prepared while the current one runs; without overlap (auto, when inference
 * leaves no spare core) it gets one batch at a time. Every page is answered once either way.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { LayoutPool } from '../../src/pool/types.js';
import type { DeviceSpec } from '../../src/pool/index.js';
import { oneBatchAtATime } from '../fixtures/one-batch-devices.js';
import { pages, settleAll, startPool } from './helpers.js';

/**
 * Pages the device still holds each time it answers a batch (read in the pool's 'batch' event,
 * before the pool sends it more): what it was sent ahead while that batch ran and finished.
 */
async function heldAtEachAnswer(devices?: readonly DeviceSpec[]): Promise<{ held: number[]; answered: number; pool: LayoutPool }> {
  // 300 ms of device time per page (test hook, no CPU burnt): batches pile up if allowed to.
  const pool = await startPool({ maxBatch: 1, prepThreads: '1' }, { ...(devices ? { devices } : {}), faults: { 0: { delayMsPerPage: 300 } } });
  const held: number[] = [];
  pool.on('batch', () => held.push(pool.snapshot().devices[0]!.inflight));
  const { values, errors } = await settleAll((await pages(6)).map((input) => pool.analyze(input)));
  assert.equal(errors.length, 0, String(errors[0]));
  assert.equal(held.length, 6, 'one answer per page (batches of one)');
  return { held, answered: values.length, pool };
}

describe('pipeline depth per device', { timeout: 60_000 }, () => {
  const pools: LayoutPool[] = [];
  after(() => Promise.all(pools.map((p) => p.destroy())));

  it('keeps up to two batches queued ahead of the running one with prep threads', async () => {
    const { held, answered, pool } = await heldAtEachAnswer();
    pools.push(pool);
    assert.equal(answered, 6);
    // When the first page is answered, the next two were sent while it ran (one running, one
    // queued ahead, and usually the one sent when that began); never more than two waiting plus
    // one running and one finishing.
    assert.ok(held[0]! >= 2, `pages held at the first answer: ${held}`);
    assert.ok(held.every((n) => n <= 4), `pages held at each answer: ${held}`);
    // The last answer leaves nothing behind.
    assert.equal(held.at(-1), 0);
    await pool.close();
  });

  it('sends one batch at a time when the stages do not overlap', async () => {
    const { held, answered, pool } = await heldAtEachAnswer(oneBatchAtATime());
    pools.push(pool);
    assert.equal(answered, 6);
    // Nothing is sent ahead: each answer finds the device empty (and the next page still queued).
    assert.deepEqual(held, [0, 0, 0, 0, 0, 0]);
    await pool.close();
  });
});
