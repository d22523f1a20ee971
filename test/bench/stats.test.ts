import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONFIDENCE, medianInterval, roundOrder, summarizeRatios } from '../../bench/common/stats.js';

describe('benchmark statistics', () => {
  it('the median interval comes from order statistics with exact binomial coverage', () => {
    // 7 rounds: [2nd, 6th] holds the median with 1 − 2·(1 + 7)/128 = 87.5 %.
    const seven = medianInterval([1.3, 0.9, 1.1, 1.0, 1.2, 0.7, 1.05], 0.85);
    assert.deepEqual(seven, { median: 1.05, low: 0.9, high: 1.2, coverage: 0.875 });
    // 5 rounds: only [min, max] reaches 85 % (93.75 %).
    assert.deepEqual(medianInterval([5, 1, 4, 2, 3], 0.85), { median: 3, low: 1, high: 5, coverage: 0.9375 });
    // 3 rounds cannot reach it: the full range, and the coverage says how much it is short.
    assert.deepEqual(medianInterval([3, 1, 2], 0.85), { median: 2, low: 1, high: 3, coverage: 0.75 });
    // 20 rounds: the narrowest with ≥ 85 % is [7th, 14th] at 88.5 % ([8th, 13th] has 73.7 %).
    const twenty = medianInterval(Array.from({ length: 20 }, (_, i) => i + 1), 0.85);
    assert.deepEqual([twenty.low, twenty.high], [7, 14]);
    assert.ok(Math.abs(twenty.coverage - 0.8847) < 1e-4, String(twenty.coverage));
  });

  it('a target is met only when the interval clears it, not the median alone', () => {
    const ratios = [0.97, 0.99, 0.93, 1.01, 0.98, 0.96, 1.0];
    const summary = summarizeRatios(ratios, 0.95);
    assert.equal(summary.ratioMedian, 0.98);
    assert.equal(summary.ratioLow, 0.96);
    assert.equal(summary.targetMet, true);
    // The same median with one more slow round below the target: the bound drops under it.
    const noisy = summarizeRatios([0.97, 0.99, 0.93, 1.01, 0.98, 0.94, 1.0], 0.95);
    assert.equal(noisy.ratioMedian, 0.98);
    assert.equal(noisy.ratioLow, 0.94);
    assert.equal(noisy.targetMet, false);
  });

  it('an upper-bound target uses the high end; too few rounds never meet a target', () => {
    assert.equal(summarizeRatios([0.08, 0.09, 0.085, 0.07, 0.095], 0.1, 'atMost').targetMet, true);
    assert.equal(summarizeRatios([0.08, 0.09, 0.085, 0.07, 0.11], 0.1, 'atMost').targetMet, false);
    const quick = summarizeRatios([1.2, 1.3], 0.95);
    assert.ok(quick.coverage < CONFIDENCE);
    assert.equal(quick.targetMet, false);
  });

  it('rounds alternate the order of configurations', () => {
    assert.deepEqual(roundOrder(['a', 'b', 'c'], 0), ['a', 'b', 'c']);
    assert.deepEqual(roundOrder(['a', 'b', 'c'], 1), ['c', 'b', 'a']);
    assert.deepEqual(roundOrder(['a', 'b', 'c'], 2), ['a', 'b', 'c']);
  });
});
