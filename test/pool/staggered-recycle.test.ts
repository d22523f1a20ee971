/**
 * Recycling never takes every device at once: devices due for a recycle at the same moment take
 * turns, one at a time, while another serves; a recycled worker that ignores its SIGTERM is
 * killed after its grace, counted and reported; every replacement shows in the snapshot. Real
 * CPU worker processes on the fixture model.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { DeviceState, LayoutPool, PoolEvents } from '../../src/pool/types.js';
import { nextEvent, pages, startPool, waitFor } from './helpers.js';

/** Follows device states from the pool's events; records the worst moment seen. */
function watchReplacements(pool: LayoutPool): { readonly maxReplacing: number; readonly minServing: number; readonly log: string; stop(): void } {
  const states = pool.snapshot().devices.map((d) => d.state as DeviceState);
  const figures = { maxReplacing: 0, minServing: states.length };
  const log: string[] = [];
  const onState = (e: PoolEvents['device-state']): void => {
    states[e.index] = e.state;
    log.push(`${e.index}:${e.state}${e.reason ? ` (${e.reason})` : ''}`);
    const replacing = states.filter((s) => s === 'draining' || s === 'restarting' || s === 'starting').length;
    const serving = states.filter((s) => s === 'ready' || s === 'busy').length;
    figures.maxReplacing = Math.max(figures.maxReplacing, replacing);
    figures.minServing = Math.min(figures.minServing, serving);
  };
  pool.on('device-state', onState);
  return {
    get maxReplacing() { return figures.maxReplacing; },
    get minServing() { return figures.minServing; },
    get log() { return log.join(', '); },
    stop: () => pool.off('device-state', onState),
  };
}

const totalRecycles = (pool: LayoutPool): number => pool.snapshot().devices.reduce((n, d) => n + (d.recycles ?? 0), 0);

describe('staggered recycling', { timeout: 120_000 }, () => {
  const pools: LayoutPool[] = [];
  after(() => Promise.all(pools.map((p) => p.destroy())));

  it('two devices bloated at the same moment recycle one after the other, one always serving, losing nothing', async () => {
    // Each worker keeps 300 MiB after a page named "bomb": both become idle-bloated together.
    const bomb = { holdMbOnName: { name: 'bomb', mb: 300 } };
    // A generous watchdog: on a loaded machine a crash restart (not a recycle) would blur the count.
    const pool = await startPool({ devices: 'cpu,cpu', idleRecycleMarginMb: 100, maxBatch: 1, watchdogTimeoutMs: 120_000 }, { faults: { 0: bomb, 1: bomb } });
    pools.push(pool);
    const watch = watchReplacements(pool);
    const results = await Promise.all((await pages(2, 'bomb')).map((p) => pool.analyze(p)));
    assert.equal(results.length, 2);
    assert.deepEqual(pool.snapshot().devices.map((d) => d.completed), [1, 1], 'each device took one bomb');
    await waitFor(() => totalRecycles(pool) === 2 && pool.snapshot().devices.every((d) => d.state === 'ready'), 'both devices recycled and back', 60_000);
    watch.stop();
    assert.equal(watch.maxReplacing, 1, `never two devices replaced at once: ${watch.log}`);
    assert.equal(watch.minServing, 1, `a device always served: ${watch.log}`);
    const snap = pool.snapshot();
    assert.deepEqual(snap.devices.map((d) => [d.recycles, d.restarts, d.recycleKills]), [[1, 0, 0], [1, 0, 0]]);
    assert.equal(snap.failed, 0);
    await pool.close();
  });

  it('page-count recycles due together on two devices take turns while pages keep flowing', async () => {
    const pool = await startPool({ devices: 'cpu,cpu', recycleAfterPages: 2, maxBatch: 1, watchdogTimeoutMs: 120_000 });
    pools.push(pool);
    const watch = watchReplacements(pool);
    const outcomes = await Promise.allSettled((await pages(8, 'p')).map((p) => pool.analyze(p)));
    assert.ok(outcomes.every((o) => o.status === 'fulfilled'), 'every page answered');
    await waitFor(() => pool.snapshot().devices.every((d) => d.state === 'ready' || d.state === 'busy'), 'devices back', 60_000);
    watch.stop();
    assert.ok(totalRecycles(pool) >= 2, `recycled: ${totalRecycles(pool)}`);
    assert.equal(watch.maxReplacing, 1, `never two devices replaced at once: ${watch.log}`);
    assert.equal(watch.minServing, 1, `a device always served: ${watch.log}`);
    await pool.close();
  });

  it('a recycled worker that ignores SIGTERM is killed after its grace, counted and reported as a kill', async () => {
    const pool = await startPool({ devices: 'cpu', recycleAfterPages: 1 }, { faults: { 0: { ignoreSigterm: true } } });
    pools.push(pool);
    const before = pool.snapshot().devices[0]!.pid;
    const exit = nextEvent(pool, 'worker-exit');
    const [page] = await pages(1);
    await pool.analyze(page!);
    const event = await exit;
    assert.equal(event.pid, before);
    assert.equal(event.signal, 'SIGKILL');
    await waitFor(() => pool.snapshot().devices[0]!.state === 'ready', 'the replacement serves', 60_000);
    const device = pool.snapshot().devices[0]!;
    assert.notEqual(device.pid, before);
    assert.equal(device.recycles, 1);
    assert.equal(device.recycleKills, 1);
    assert.equal(device.restarts, 0);
    assert.match(device.lastError?.message ?? '', /did not exit within \d+ ms of SIGTERM: killed/);
    await pool.close();
  });
});
