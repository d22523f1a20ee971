import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { resolveConfig } from '../../src/config.js';
import { WorkerWatchdog } from '../../src/pool/worker-watchdog.js';
import type { LayoutPool } from '../../src/pool/types.js';
import { nextEvent, page, startPool, untilState } from './helpers.js';

describe('idle recycling of a worker that kept memory', { timeout: 60_000 }, () => {
  const pools: LayoutPool[] = [];
  after(() => Promise.all(pools.map((p) => p.destroy())));

  it('replaces the worker once it is idle, after answering the page that bloated it, losing nothing', async () => {
    // The worker keeps 300 MiB after a page named "bomb" (a pathological PDF's leftovers).
    const pool = await startPool({ idleRecycleMarginMb: 100, maxBatch: 1 }, { faults: { 0: { holdMbOnName: { name: 'bomb', mb: 300 } } } });
    pools.push(pool);
    const before = pool.snapshot().devices[0]!;
    const order: string[] = [];
    const draining = nextEvent(pool, 'device-state', (e) => e.state === 'draining').then((e) => { order.push('draining'); return e; });
    const result = await pool.analyze(await page('bomb.png'));
    order.push('answered');
    assert.equal(result.input.name, 'bomb.png');

    const event = await draining;
    assert.match(event.reason ?? '', /idle RSS \d+ MiB > \d+ MiB at ready \+ 100 MiB/);
    // Recycled only after its page was answered: never while it held work.
    assert.deepEqual(order, ['answered', 'draining']);
    await untilState(pool, 0, 'ready');
    const now = pool.snapshot();
    const device = now.devices[0]!;
    assert.notEqual(device.pid, before.pid, 'a new process serves');
    assert.equal(device.recycles, 1);
    assert.equal(device.restarts, 0, 'a planned replacement, not a crash');
    assert.equal(now.failed, 0);

    const next = await pool.analyze(await page('after.png'));
    assert.equal(next.input.name, 'after.png');
    assert.equal(pool.snapshot().completed, pool.snapshot().accepted);
    await pool.close();
  });
});

describe('WorkerWatchdog.idleBloat', () => {
  const watchdog = (margin: number): WorkerWatchdog => {
    const w = new WorkerWatchdog(resolveConfig({ idleRecycleMarginMb: margin }, {}));
    w.restart();
    w.ready(200);
    return w;
  };

  it('names a reason only after two idle heartbeats in a row above ready RSS + margin', () => {
    const w = watchdog(100);
    assert.equal(w.idleBloat(350, true), undefined, 'one reading may be garbage about to be collected');
    assert.match(w.idleBloat(350, true) ?? '', /idle RSS 350 MiB > 200 MiB at ready \+ 100 MiB/);
  });

  it('never while the worker holds work, at or under the bound, or when turned off', () => {
    const w = watchdog(100);
    assert.equal(w.idleBloat(900, false), undefined);
    assert.equal(w.idleBloat(900, false), undefined);
    assert.equal(w.idleBloat(900, true), undefined);
    assert.equal(w.idleBloat(300, true), undefined, 'a beat at the bound starts the count over');
    assert.equal(w.idleBloat(900, true), undefined);
    const off = watchdog(0);
    assert.equal(off.idleBloat(5_000, true), undefined);
    assert.equal(off.idleBloat(5_000, true), undefined);
  });

  it('waits for the ready baseline of a new process', () => {
    const w = new WorkerWatchdog(resolveConfig({ idleRecycleMarginMb: 100 }, {}));
    w.restart();
    assert.equal(w.idleBloat(5_000, true), undefined);
    assert.equal(w.idleBloat(5_000, true), undefined);
  });
});
