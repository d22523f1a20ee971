import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseLayoutParams } from '../../src/model/params.js';

describe('layout parameter parsing', () => {
  it('accepts strings and typed values', () => {
    assert.deepEqual(parseLayoutParams({ threshold: '0.3', layoutNms: 'false', mergeMode: 'large', shapeMode: 'quad', unclipRatio: '1.2' }), {
      threshold: 0.3, layoutNms: false, mergeMode: 'large', shapeMode: 'quad', unclipRatio: 1.2,
    });
    assert.deepEqual(parseLayoutParams({ threshold: 0.4, layoutNms: true }), { threshold: 0.4, layoutNms: true });
  });

  it('accepts per-label maps as label:value lists or JSON', () => {
    assert.deepEqual(parseLayoutParams({ threshold: 'text:0.3,table:0.6' }), { threshold: { text: 0.3, table: 0.6 } });
    assert.deepEqual(parseLayoutParams({ mergeMode: '{"table":"large","text":"union"}' }), { mergeMode: { table: 'large', text: 'union' } });
    assert.deepEqual(parseLayoutParams({ unclipRatio: '1.1,1.3' }), { unclipRatio: [1.1, 1.3] });
    assert.deepEqual(parseLayoutParams({ unclipRatio: { text: [1, 1.5] } }), { unclipRatio: { text: [1, 1.5] } });
  });

  it('omits absent parameters', () => {
    assert.deepEqual(parseLayoutParams({ threshold: '', mergeMode: undefined }), {});
  });

  it('names the parameter in errors', () => {
    assert.throws(() => parseLayoutParams({ threshold: '1.5' }), { code: 'LAYOUT_ERR_INVALID_PARAM', message: /threshold/ });
    assert.throws(() => parseLayoutParams({ mergeMode: 'biggest' }), { code: 'LAYOUT_ERR_INVALID_PARAM', message: /mergeMode/ });
    assert.throws(() => parseLayoutParams({ layoutNms: 'maybe' }), { message: /layoutNms/ });
    assert.throws(() => parseLayoutParams({ threshold: '{oops' }), { message: /threshold/ });
    assert.throws(() => parseLayoutParams({ threshold: 'text:abc' }), { message: /threshold\.text/ });
  });
});
