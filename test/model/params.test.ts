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

describe('per-class maps and lists are checked, not trusted', () => {
  it('refuses labels the model does not have, and class ids beyond its list', () => {
    assert.throws(() => parseLayoutParams({ threshold: 'evil:0.3' }), { code: 'LAYOUT_ERR_INVALID_PARAM', message: /threshold\.evil.*unknown label/ });
    assert.throws(() => parseLayoutParams({ threshold: '99:0.5' }), { code: 'LAYOUT_ERR_INVALID_PARAM', message: /threshold\.99.*unknown class id 99/ });
    assert.throws(() => parseLayoutParams({ mergeMode: { figure: 'large' } }), { message: /mergeMode\.figure/ });
    assert.throws(() => parseLayoutParams({ threshold: 'text:0.3' }, { labels: ['table', 'image'] }), { message: /threshold\.text/ });
  });

  it('translates class ids to labels through the model list (PaddleX keys maps by id)', () => {
    assert.deepEqual(parseLayoutParams({ threshold: { 22: 0.3 } }), { threshold: { text: 0.3 } });
    assert.deepEqual(parseLayoutParams({ threshold: '1:0.4' }, { labels: ['table', 'image'] }), { threshold: { image: 0.4 } });
  });

  it('refuses a ratio list that is not exactly "w,h"', () => {
    assert.throws(() => parseLayoutParams({ unclipRatio: '1,2,3' }), { code: 'LAYOUT_ERR_INVALID_PARAM', message: /unclipRatio.*3 values/ });
    assert.throws(() => parseLayoutParams({ unclipRatio: [1, 2, 3] }), { message: /unclipRatio/ });
  });

  it('refuses malformed, duplicated and empty map entries', () => {
    assert.throws(() => parseLayoutParams({ threshold: 'text:0.3:0.9' }), { message: /bad entry/ });
    assert.throws(() => parseLayoutParams({ threshold: 'text:' }), { message: /bad entry/ });
    assert.throws(() => parseLayoutParams({ threshold: 'text:0.3,22:0.4' }), { message: /threshold\.text.*twice/ });
    assert.throws(() => parseLayoutParams({ threshold: '{}' }), { message: /empty/ });
  });
});
