/**
 * The retry table (retry-policy.ts) itself: it names only defined error codes (any other falls to
 * `fault`: bounded retries), client input is never retried, capacity refusals are retried longer
 * than faults but not forever, a full disk (ENOSPC, SQLITE_FULL) is LAYOUT_ERR_STORAGE_FULL, and
 * backoff honours Retry-After.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allErrorDefinitions, QueueFullError, StorageFullError } from '../../src/errors.js';
import { CAPACITY_ATTEMPTS, classifyError, RETRY_POLICY, retryDelayMs, retryKind, shouldRetry } from '../../src/jobs/retry-policy.js';

describe('retry table', () => {
  it('names only codes the service defines, and never retries what the input caused', () => {
    const codes = new Set(allErrorDefinitions().map((d) => d.code));
    for (const code of Object.keys(RETRY_POLICY)) assert.ok(codes.has(code), `${code} is not a defined error code`);
    for (const code of ['LAYOUT_ERR_IMAGE_CORRUPT', 'LAYOUT_ERR_PDF', 'LAYOUT_ERR_UNSUPPORTED_MEDIA', 'LAYOUT_ERR_IMAGE_TOO_LARGE', 'LAYOUT_ERR_PAGE_RANGE', 'LAYOUT_ERR_INVALID_PARAM']) {
      assert.equal(retryKind(code), 'never', code);
      assert.equal(shouldRetry({ code }, 1, 3), false, code);
    }
  });

  it('retries capacity refusals past the fault attempts, and faults up to them', () => {
    for (const code of ['LAYOUT_ERR_POOL_QUEUE_FULL', 'LAYOUT_ERR_TENANT_LIMIT', 'LAYOUT_ERR_OVERLOADED', 'LAYOUT_ERR_POOL_CLOSED', 'LAYOUT_ERR_NO_DEVICE_READY', 'LAYOUT_ERR_STORAGE_FULL']) {
      assert.equal(retryKind(code), 'capacity', code);
      assert.equal(shouldRetry({ code }, 3, 3), true, `${code} after 3 tries`);
      assert.equal(shouldRetry({ code }, CAPACITY_ATTEMPTS, 3), false, `${code} has an end`);
    }
    for (const code of ['LAYOUT_ERR_WORKER_CRASHED', 'LAYOUT_ERR_DOCUMENT_EXPIRED', 'LAYOUT_ERR_INTERNAL', 'LAYOUT_ERR_SOMETHING_NEW']) {
      assert.equal(retryKind(code), 'fault', code);
      assert.equal(shouldRetry({ code }, 2, 3), true, code);
      assert.equal(shouldRetry({ code }, 3, 3), false, code);
    }
  });

  it('classifies a full disk from the filesystem or SQLite as LAYOUT_ERR_STORAGE_FULL, with a Retry-After', () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const sqliteFull = Object.assign(new Error('database or disk is full'), { code: 'ERR_SQLITE_ERROR', errcode: 13 });
    for (const err of [enospc, sqliteFull]) {
      const error = classifyError(err, 'upload a.pdf', '/data');
      assert.equal(error.code, StorageFullError.code);
      assert.equal(error.statusCode, 507);
      assert.ok(Number(error.details?.retryAfterSeconds) > 0);
    }
    assert.equal(classifyError(new Error('boom')).code, 'LAYOUT_ERR_INTERNAL');
  });

  it('backs off 1 s doubling to 60 s, never sooner than the error asks', () => {
    assert.deepEqual([1, 2, 3, 8].map((n) => retryDelayMs(n)), [1_000, 2_000, 4_000, 60_000]);
    assert.equal(retryDelayMs(1, QueueFullError(3, { details: { retryAfterSeconds: 7 } })), 7_000);
  });
});
