import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AbortedError, DeadlineExceededError, LayoutError, QueueFullError, errorFromCode } from '../../src/errors.js';
import { errorBody, mapError } from '../../src/server/error-map.js';

const limits = { maxUploadMb: 50 };

describe('error map', () => {
  it('keeps a LayoutError status and code, and gives 429 a Retry-After', () => {
    const mapped = mapError(QueueFullError(256), limits);
    assert.equal(mapped.statusCode, 429);
    assert.equal(mapped.headers['retry-after'], '1');
    assert.deepEqual(errorBody(mapped.error), { error: { code: 'LAYOUT_ERR_POOL_QUEUE_FULL', message: 'The queue is full (256 requests waiting); retry later' } });
  });

  it('uses the retry hint an error carries, rounded up to whole seconds', () => {
    const err = QueueFullError(10, { details: { retryAfterSeconds: 2.2 } });
    assert.equal(mapError(err, limits).headers['retry-after'], '3');
  });

  it('maps errors rebuilt from IPC codes like the originals', () => {
    const mapped = mapError(errorFromCode(DeadlineExceededError.code, 'late'), limits);
    assert.equal(mapped.statusCode, 504);
    assert.equal(mapped.error.code, 'LAYOUT_ERR_DEADLINE_EXCEEDED');
    assert.equal(mapError(AbortedError(), limits).statusCode, 499);
  });

  it('maps fastify and multipart errors onto our codes', () => {
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413, message: 'too large' }, 413, 'LAYOUT_ERR_UPLOAD_TOO_LARGE'],
      [{ code: 'FST_REQ_FILE_TOO_LARGE', statusCode: 413, message: 'file too large' }, 413, 'LAYOUT_ERR_UPLOAD_TOO_LARGE'],
      [{ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415, message: 'Unsupported Media Type' }, 415, 'LAYOUT_ERR_UNSUPPORTED_MEDIA'],
      [{ code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400, message: 'bad json' }, 400, 'LAYOUT_ERR_INVALID_PARAM'],
      [{ code: 'FST_ERR_VALIDATION', statusCode: 400, message: 'body must have property image', validation: [{}], validationContext: 'body' }, 400, 'LAYOUT_ERR_INVALID_PARAM'],
    ];
    for (const [err, status, code] of cases) {
      const mapped = mapError(Object.assign(new Error(String(err.message)), err), limits);
      assert.equal(mapped.statusCode, status, String(err.code));
      assert.equal(mapped.error.code, code, String(err.code));
    }
    assert.match(mapError(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE' }), { maxUploadMb: 7 }).error.message, /7 MB/);
  });

  it('turns anything unknown into a 500 LAYOUT_ERR_INTERNAL without a stack in the body', () => {
    const mapped = mapError(new TypeError('boom'), limits);
    assert.equal(mapped.statusCode, 500);
    assert.ok(mapped.error instanceof LayoutError);
    assert.deepEqual(errorBody(mapped.error), { error: { code: 'LAYOUT_ERR_INTERNAL', message: 'Internal error: boom' } });
    assert.equal(mapError('a string', limits).statusCode, 500);
  });
});
