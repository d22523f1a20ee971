import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Dispatcher } from '../../src/pool/dispatcher.js';

describe('speed-weighted least-outstanding dispatch', () => {
  it('rotates between equal devices', () => {
    const d = new Dispatcher(3);
    const idle = [0, 1, 2].map((index) => ({ index, outstanding: 0 }));
    assert.deepEqual([d.pick(idle), d.pick(idle), d.pick(idle), d.pick(idle)], [0, 1, 2, 0]);
  });

  it('prefers the device with less outstanding work', () => {
    const d = new Dispatcher(2);
    assert.equal(d.pick([{ index: 0, outstanding: 3 }, { index: 1, outstanding: 1 }]), 1);
  });

  it('weighs outstanding work by each device\'s per-page time', () => {
    const d = new Dispatcher(2);
    d.record(0, 10);
    d.record(1, 40);
    // (2 + 1) × 10 ms = 30 ms on device 0 beats (0 + 1) × 40 ms on idle device 1; with four
    // pages outstanding, (4 + 1) × 10 ms = 50 ms loses.
    assert.equal(d.pick([{ index: 0, outstanding: 2 }, { index: 1, outstanding: 0 }]), 0);
    assert.equal(d.pick([{ index: 0, outstanding: 4 }, { index: 1, outstanding: 0 }]), 1);
  });

  it('assumes the mean speed for a device with no history yet', () => {
    const d = new Dispatcher(3);
    d.record(0, 10);
    d.record(1, 30);
    assert.equal(d.ewma(2), undefined);
    // Unknown device 2 counts as 20 ms/page: cheaper than device 1 (30), dearer than device 0 (10).
    assert.equal(d.pick([{ index: 1, outstanding: 0 }, { index: 2, outstanding: 0 }]), 2);
    assert.equal(d.pick([{ index: 0, outstanding: 0 }, { index: 2, outstanding: 0 }]), 0);
  });

  it('smooths the per-page time (EWMA) rather than jumping to the last sample', () => {
    const d = new Dispatcher(1);
    d.record(0, 100);
    d.record(0, 200);
    const ewma = d.ewma(0)!;
    assert.ok(ewma > 100 && ewma < 200, String(ewma));
    assert.equal(new Dispatcher(1).pick([]), undefined);
  });
});
