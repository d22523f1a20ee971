import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { LayoutPool } from '../../src/pool/types.js';
import { pages, startPool } from './helpers.js';

describe('pool balancing', { timeout: 60_000 }, () => {
  let pool: LayoutPool | undefined;
  after(() => pool?.destroy());

  it('sends most pages to the faster of two workers', async () => {
    // Device 1 sleeps 400 ms per page on top of the real work (test hook): several times
    // slower than device 0 however loaded this machine is, since the sleep burns no CPU.
    pool = await startPool({ devices: 'cpu:2', cpuThreads: 2, maxBatch: 1 }, { faults: { 1: { delayMsPerPage: 400 } } });
    const inputs = await pages(40);
    const results = await Promise.all(inputs.map((input) => pool!.analyze(input)));

    const byDevice = [0, 1].map((i) => results.filter((r) => r.deviceIndex === i).length);
    const [fast, slow] = byDevice as [number, number];
    assert.equal(fast + slow, 40);
    // Both start with no speed estimate, so each gets work at first; then speed decides.
    assert.ok(slow >= 1, `the slow device got no page at all (${byDevice})`);
    assert.ok(fast >= 2 * slow, `the fast device should get at least twice the pages of the slow one, got ${byDevice}`);

    const snapshot = pool.snapshot();
    assert.deepEqual(snapshot.devices.map((d) => d.completed), byDevice);
    assert.ok(snapshot.devices[1]!.ewmaMs! > snapshot.devices[0]!.ewmaMs!, 'the slow device has the larger EWMA');
    assert.deepEqual(results.map((r) => r.input.name).sort(), inputs.map((i) => i.name).sort());
    await pool.close();
  });
});
