import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RollingStats } from '../../src/server/rolling-stats.js';

describe('rolling stats (last 60 s)', () => {
  it('reports null percentiles and zero throughput before any page', () => {
    const stats = new RollingStats({ now: () => 1_000_000 });
    assert.deepEqual(stats.snapshot(), { pagesPerSec: 0, latencyMs: { p50: null, p95: null, p99: null } });
  });

  it('computes nearest-rank percentiles and pages per second over the window', () => {
    let now = 1_000_000;
    const stats = new RollingStats({ now: () => now });
    now += 10_000;
    for (let i = 1; i <= 100; i++) stats.record(i);
    const snap = stats.snapshot();
    assert.deepEqual(snap.latencyMs, { p50: 50, p95: 95, p99: 99 });
    // 100 pages over the 10 s since start.
    assert.equal(snap.pagesPerSec, 10);
  });

  it('forgets pages older than the window', () => {
    let now = 5_000_000;
    const stats = new RollingStats({ now: () => now, windowMs: 60_000 });
    for (let i = 0; i < 10; i++) stats.record(1000);
    now += 61_000;
    stats.record(10);
    const snap = stats.snapshot();
    assert.deepEqual(snap.latencyMs, { p50: 10, p95: 10, p99: 10 });
    assert.equal(snap.pagesPerSec, Math.round((1 / 60) * 100) / 100);
  });

  it('keeps memory bounded under a flood of samples', () => {
    const stats = new RollingStats({ now: () => 42_000, maxSamples: 100 });
    for (let i = 0; i < 10_000; i++) stats.record(i);
    // Only the newest 100 latencies (9900…9999) are kept.
    assert.equal(stats.snapshot().latencyMs.p50, 9949);
  });
});
