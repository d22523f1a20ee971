import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { optionNameForFlag, optionSpecs, resolveConfig } from '../src/config.js';
import { allErrorDefinitions, errorFromCode, QueueFullError } from '../src/errors.js';

describe('configuration', () => {
  it('uses defaults, then the environment, then explicit overrides', () => {
    assert.equal(resolveConfig({}, {}).maxBatch, optionSpecs.maxBatch.default);
    assert.equal(resolveConfig({}, { DOCLAYOUT_MAX_BATCH: '8' }).maxBatch, 8);
    assert.equal(resolveConfig({ maxBatch: 2 }, { DOCLAYOUT_MAX_BATCH: '8' }).maxBatch, 2);
  });

  it('freezes the result', () => {
    const config = resolveConfig({}, {});
    assert.ok(Object.isFrozen(config));
  });

  it('rejects bad values and unknown options, naming them', () => {
    assert.throws(() => resolveConfig({ maxBatch: -1 }, {}), { code: 'LAYOUT_ERR_INVALID_PARAM', message: /maxBatch/ });
    assert.throws(() => resolveConfig({ maxBatch: 1.5 }, {}), { message: /integer/ });
    assert.throws(() => resolveConfig({}, { DOCLAYOUT_PORT: 'eighty' }), { message: /port/ });
    assert.throws(() => resolveConfig({ logLevel: 'loud' }, {}), { message: /logLevel/ });
    assert.throws(() => resolveConfig({ maxBacth: 2 } as never, {}), { message: /maxBacth: unknown option/ });
  });

  it('maps every flag back to its option', () => {
    for (const [name, spec] of Object.entries(optionSpecs)) assert.equal(optionNameForFlag(spec.flag), name);
  });
});

describe('errors', () => {
  it('round-trip through { code, message } as they do over IPC', () => {
    const err = QueueFullError(12);
    const rebuilt = errorFromCode(err.code, err.message);
    assert.equal(rebuilt.statusCode, 429);
    assert.equal(rebuilt.code, 'LAYOUT_ERR_POOL_QUEUE_FULL');
    assert.match(rebuilt.message, /12 requests/);
  });

  it('are all documented in the README', () => {
    const readme = fs.readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../README.md'), 'utf8');
    for (const { code } of allErrorDefinitions()) assert.ok(readme.includes(code), `${code} missing from README.md`);
  });
});
