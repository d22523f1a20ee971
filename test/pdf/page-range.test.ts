import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PageRangeError } from '../../src/errors.js';
import { parsePageRange } from '../../src/pdf/page-range.js';

describe('parsePageRange', () => {
  it('selects every page for undefined, empty and "all"', () => {
    assert.deepEqual(parsePageRange(undefined, 3), [1, 2, 3]);
    assert.deepEqual(parsePageRange('', 3), [1, 2, 3]);
    assert.deepEqual(parsePageRange(' ALL ', 3), [1, 2, 3]);
    assert.deepEqual(parsePageRange('all', 0), []);
  });

  it('parses single pages, closed and open ranges, sorted and unique', () => {
    assert.deepEqual(parsePageRange('1-5,9', 10), [1, 2, 3, 4, 5, 9]);
    assert.deepEqual(parsePageRange('3-', 5), [3, 4, 5]);
    assert.deepEqual(parsePageRange('9, 2-3 ,2,3', 10), [2, 3, 9]);
    assert.deepEqual(parsePageRange('4-4', 4), [4]);
    assert.deepEqual(parsePageRange('1 - 2', 4), [1, 2]);
  });

  const bad: Array<[string, number, RegExp]> = [
    ['0', 5, /numbered from 1/],
    ['6', 5, /page 6 is out of range/],
    ['4-7', 5, /page 7 is out of range/],
    ['7-', 5, /page 7 is out of range/],
    ['5-3', 5, /backwards/],
    ['1,,2', 5, /not a page or range/],
    ['a-b', 5, /not a page or range/],
    ['1-2-3', 5, /not a page or range/],
    ['-', 5, /not a page or range/],
    ['-1', 3, /no first page/],
    ['-2', 5, /write 1-2/],
    ['1.5', 5, /not a page or range/],
    ['3 4', 5, /not a page or range/],
    ['1;2', 5, /not a page or range/],
  ];
  for (const [spec, pageCount, message] of bad) {
    it(`rejects "${spec}" for a ${pageCount}-page document`, () => {
      assert.throws(() => parsePageRange(spec, pageCount), (err) => PageRangeError.is(err) && message.test(err.message) && err.message.includes(spec) && err.statusCode === 400);
    });
  }
});
