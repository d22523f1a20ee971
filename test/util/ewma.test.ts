/** The one moving average: starts at its first sample, then moves by its weight of each difference. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ewma } from '../../src/util/ewma.js';

describe('Ewma', () => {
  it('is undefined before a sample, the first sample after one, then moves by its weight', () => {
    const average = new Ewma(0.25);
    assert.equal(average.value, undefined);
    assert.equal(average.add(100), 100);
    assert.equal(average.add(200), 125);
    assert.equal(average.add(125), 125);
    assert.equal(average.value, 125);
  });

  it('refuses a weight outside (0, 1]', () => {
    for (const weight of [0, -0.1, 1.5, Number.NaN]) assert.throws(() => new Ewma(weight), RangeError);
    assert.equal(new Ewma(1).add(7), 7);
  });
});
