import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { AbortedError, DeadlineExceededError, InvalidParamError, QueueFullError } from '../../src/errors.js';
import type { LayoutPool } from '../../src/pool/types.js';
import { oneBatchAtATime } from '../fixtures/one-batch-devices.js';
import { page, pages, settleAll, startPool } from './helpers.js';

/**
 * One worker that takes at least 300 ms a page (test hook), one page per batch, one batch at a
 * time (no batches queued ahead in its pipeline), so waiting pages stay in the pool's queue.
 */
const slowPool = (overrides = {}): Promise<LayoutPool> =>
  startPool({ maxBatch: 1, ...overrides }, { devices: oneBatchAtATime(), faults: { 0: { delayMsPerPage: 300 } } });

/** Resolves with 'pending' if `promise` has not settled within one macrotask. */
async function stateOf(promise: Promise<unknown>): Promise<'pending' | 'fulfilled' | 'rejected'> {
  const sentinel = new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending')));
  return Promise.race([promise.then(() => 'fulfilled' as const, () => 'rejected' as const), sentinel]);
}

describe('pool admission', { timeout: 60_000 }, () => {
  const pools: LayoutPool[] = [];
  after(() => Promise.all(pools.map((p) => p.destroy())));

  it('rejects at once with QueueFullError and a retry hint when the queue is full', async () => {
    // One page on the worker (batches of one) and maxQueue 3 waiting: of six more calls made
    // while the first runs, exactly the first three are queued and the last three refused.
    const pool = await slowPool({ maxQueue: 3 });
    pools.push(pool);
    const inputs = await pages(6, 'q');
    const first = pool.analyze(await page('first.png'));
    // An idle pool sends at once: the first page is on the worker, the queue empty.
    assert.equal(pool.snapshot().devices[0]!.inflight, 1);
    assert.equal(pool.snapshot().queueDepth, 0);
    const calls = inputs.map((input) => pool.analyze(input));
    const states = await Promise.all(calls.map(stateOf));
    assert.deepEqual(states, ['pending', 'pending', 'pending', 'rejected', 'rejected', 'rejected']);
    assert.equal(pool.snapshot().queueDepth, 3);

    const { values, errors } = await settleAll([first, ...calls]);
    assert.equal(errors.length, 3);
    for (const err of errors) {
      assert.ok(QueueFullError.is(err), String(err));
      assert.equal(err.statusCode, 429);
      assert.ok(Number(err.details?.retryAfterSeconds) >= 1);
    }
    assert.deepEqual(values.map((v) => v.input.name), ['first.png', 'q-0.png', 'q-1.png', 'q-2.png']);
    const snapshot = pool.snapshot();
    assert.equal(snapshot.rejected, 3);
    assert.equal(snapshot.accepted, 4);
    assert.equal(snapshot.completed, 4);
    await pool.close();
  });

  it('fails a request past its deadline with DeadlineExceededError, queued or running', async () => {
    const pool = await slowPool();
    pools.push(pool);
    const running = pool.analyze(await page('running.png'), {}, { timeoutMs: 100 });
    const queued = pool.analyze(await page('queued.png'), {}, { timeoutMs: 150 });
    const patient = pool.analyze(await page('patient.png'));
    await assert.rejects(running, (err: unknown) => DeadlineExceededError.is(err) && err.statusCode === 504 && /100 ms/.test(err.message));
    await assert.rejects(queued, (err: unknown) => DeadlineExceededError.is(err));
    assert.equal(pool.snapshot().queueDepth <= 1, true);
    const result = await patient;
    assert.equal(result.input.name, 'patient.png');
    const snapshot = pool.snapshot();
    assert.equal(snapshot.timedOut, 2);
    assert.equal(snapshot.completed, 1);
    await pool.close();
  });

  it('applies requestTimeoutMs when the request sets no deadline', async () => {
    const pool = await slowPool({ requestTimeoutMs: 120 });
    pools.push(pool);
    await assert.rejects(pool.analyze(await page()), (err: unknown) => DeadlineExceededError.is(err) && /120 ms/.test(err.message));
    for (const timeoutMs of [0, -5, Number.NaN, 2 ** 31]) {
      await assert.rejects(pool.analyze(await page(), {}, { timeoutMs }), (err: unknown) => InvalidParamError.is(err), String(timeoutMs));
    }
    await pool.close();
  });

  it('drops a queued request whose caller aborts, before it reaches a worker', async () => {
    const pool = await slowPool();
    pools.push(pool);
    const first = pool.analyze(await page('first.png'));
    const controller = new AbortController();
    const abandoned = pool.analyze(await page('abandoned.png'), {}, { signal: controller.signal });
    assert.equal(pool.snapshot().queueDepth, 1);
    controller.abort();
    assert.equal(await stateOf(abandoned), 'rejected', 'an aborted queued request is rejected at once');
    await assert.rejects(abandoned, (err: unknown) => AbortedError.is(err));
    assert.equal(pool.snapshot().queueDepth, 0);
    await first;
    await pool.close();
    const snapshot = pool.snapshot();
    assert.equal(snapshot.aborted, 1);
    // The worker ran exactly one page: the aborted one never left the queue.
    assert.equal(snapshot.devices[0]!.completed + snapshot.devices[0]!.failed, 1);
    assert.equal(snapshot.devices[0]!.batchSizes.reduce((a, b) => a + b, 0), 1);
  });

  it('rejects an already-aborted signal without accepting the request', async () => {
    const pool = await slowPool();
    pools.push(pool);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(pool.analyze(await page(), {}, { signal: controller.signal }), (err: unknown) => AbortedError.is(err));
    assert.equal(pool.snapshot().accepted, 0);
    await pool.close();
  });

  it('answers an aborted running request at once and drops its late result', async () => {
    const pool = await slowPool();
    pools.push(pool);
    const controller = new AbortController();
    const running = pool.analyze(await page('running.png'), {}, { signal: controller.signal });
    // An idle pool sends at once: the page is on the worker when the caller gives up.
    assert.equal(pool.snapshot().devices[0]!.inflight, 1);
    controller.abort();
    await assert.rejects(running, (err: unknown) => AbortedError.is(err));
    // The worker still finishes the page; the pool counts it on the device, not as answered.
    const after = await pool.analyze(await page('after.png'));
    assert.equal(after.input.name, 'after.png');
    const snapshot = pool.snapshot();
    assert.equal(snapshot.devices[0]!.completed, 2);
    assert.equal(snapshot.completed, 1);
    assert.equal(snapshot.aborted, 1);
    await pool.close();
  });
});
