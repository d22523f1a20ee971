/**
 * A device worker with prep threads is sent batches ahead of the one it runs (two at most), so
 * its next batch is prepared while the current one runs; inline (--prep-threads 0) it gets one
 * batch at a time, as before the pipeline. Every page is answered once either way.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { LayoutPool } from '../../src/pool/types.js';
import { pages, settleAll, startPool } from './helpers.js';

async function peakInflight(prepThreads: string): Promise<{ peak: number; answered: number; pool: LayoutPool }> {
  // 300 ms of device time per page (test hook, no CPU burnt): batches pile up if allowed to.
  const pool = await startPool({ maxBatch: 1, prepThreads }, { testHooks: { 0: { delayMsPerPage: 300 } } });
  let peak = 0;
  const timer = setInterval(() => { peak = Math.max(peak, pool.snapshot().devices[0]!.inflight); }, 10);
  const { values, errors } = await settleAll((await pages(6)).map((input) => pool.analyze(input)));
  clearInterval(timer);
  assert.equal(errors.length, 0, String(errors[0]));
  return { peak, answered: values.length, pool };
}

describe('pipeline depth per device', { timeout: 60_000 }, () => {
  const pools: LayoutPool[] = [];
  after(() => Promise.all(pools.map((p) => p.destroy())));

  it('keeps up to two batches queued ahead of the running one with prep threads', async () => {
    const { peak, answered, pool } = await peakInflight('1');
    pools.push(pool);
    assert.equal(answered, 6);
    // Two waiting + one running, and at times the previous one still finishing (post-process).
    assert.ok(peak >= 3 && peak <= 4, `peak pages in flight ${peak}`);
    await pool.close();
  });

  it('sends one batch at a time inline (--prep-threads 0)', async () => {
    const { peak, answered, pool } = await peakInflight('0');
    pools.push(pool);
    assert.equal(answered, 6);
    assert.equal(peak, 1);
    await pool.close();
  });
});
