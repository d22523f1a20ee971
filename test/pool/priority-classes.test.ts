import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { TenantLimitError } from '../../src/errors.js';
import type { LayoutPool, PoolResult } from '../../src/pool/types.js';
import { oneBatchAtATime } from '../fixtures/one-batch-devices.js';
import { page, pages, settleAll, startPool, waitFor } from './helpers.js';

/** One worker, one page per batch, one batch at a time (nothing waits in its pipeline), ≥ 150 ms a page. */
const slowPool = (overrides = {}): Promise<LayoutPool> =>
  startPool({ maxBatch: 1, priorityAgingMs: 60_000, ...overrides }, { devices: oneBatchAtATime(), faults: { 0: { delayMsPerPage: 150 } } });

/** Names in the order their promises resolved. */
function finishOrder(calls: ReadonlyArray<Promise<PoolResult>>): { order: string[]; done: Promise<unknown> } {
  const order: string[] = [];
  const done = Promise.allSettled(calls.map((call) => call.then((r) => { order.push(r.input.name); return r; })));
  return { order, done };
}

describe('pool priority classes and tenants', { timeout: 90_000 }, () => {
  const pools: LayoutPool[] = [];
  after(() => Promise.all(pools.map((p) => p.destroy())));

  it('runs an interactive page before batch pages that were queued first, and counts waits per class', async () => {
    const pool = await slowPool();
    pools.push(pool);
    const backlog = (await pages(4, 'batch')).map((input) => pool.analyze(input, {}, { priority: 'batch' }));
    await waitFor(() => pool.snapshot().queueDepth === 3, 'one batch page running, three waiting', 5_000);
    const interactive = pool.analyze(await page('interactive.png'), {}, { priority: 'interactive' });
    const { order, done } = finishOrder([...backlog, interactive]);
    await done;
    // Only the batch page already on the device runs ahead of it.
    assert.deepEqual(order, ['batch-0.png', 'interactive.png', 'batch-1.png', 'batch-2.png', 'batch-3.png']);
    const { classes } = pool.snapshot();
    assert.equal(classes?.interactive.dispatched, 1);
    assert.equal(classes?.batch.dispatched, 4);
    assert.equal(classes?.batch.queued, 0);
    assert.ok((classes?.batch.waitMs?.max ?? 0) > (classes?.interactive.waitMs?.max ?? Infinity), 'the last batch page waited longer than the interactive one');
    await pool.close();
  });

  it('keeps one batch-class batch at most waiting in a pipelined device, and runs an interactive page before it', async () => {
    // With prep threads the device's pipeline takes two batches beyond the running one; batch
    // pages get one. Pages of 1 s leave the interactive page ample time to reach the worker
    // while batch-2 runs, however loaded the machine.
    const pool = await startPool({ maxBatch: 1, prepThreads: '1', priorityAgingMs: 60_000 }, { faults: { 0: { delayMsPerPage: 1_000 } } });
    pools.push(pool);
    const input = await page('interactive.png');
    const backlog = (await pages(4, 'batch')).map((p) => pool.analyze(p, {}, { priority: 'batch' }));
    // Steady state once the second page is answered: batch-2 runs (its run began when batch-1's
    // returned) and batch-3 waits, prepared; the full lookahead would have sent nothing more here,
    // but with six pages it would have sent batch-4 too.
    await backlog[1];
    assert.equal(pool.snapshot().devices[0]!.inflight, 2);
    const interactive = pool.analyze(input, {}, { priority: 'interactive' });
    const { order, done } = finishOrder([...backlog.slice(2), interactive]);
    await done;
    // The worker runs the interactive batch before the batch-class one that waited in its pipeline:
    // only the run in progress is ahead of it.
    assert.deepEqual(order, ['batch-2.png', 'interactive.png', 'batch-3.png']);
    await pool.close();
  });

  it('lets batch pages through at least every priorityAgingMs while interactive pages keep the device busy', async () => {
    const pool = await slowPool({ priorityAgingMs: 1 });
    pools.push(pool);
    const first = pool.analyze(await page('first.png'), {}, { priority: 'interactive' });
    await waitFor(() => pool.snapshot().devices[0]!.inflight === 1, 'the first page on the device', 5_000);
    const batch = pool.analyze(await page('batch.png'), {}, { priority: 'batch' });
    const interactive = (await pages(3, 'i')).map((input) => pool.analyze(input, {}, { priority: 'interactive' }));
    const { order, done } = finishOrder([first, batch, ...interactive]);
    await done;
    // The batch class has waited ≥ 1 ms by the time the device frees: it goes next, once.
    assert.deepEqual(order, ['first.png', 'batch.png', 'i-0.png', 'i-1.png', 'i-2.png']);
    await pool.close();
  });

  it('takes turns between tenants: a second tenant does not wait behind the first one\'s backlog', async () => {
    const pool = await slowPool();
    pools.push(pool);
    const acme = (await pages(4, 'acme')).map((input) => pool.analyze(input, {}, { priority: 'batch', tenant: 'acme' }));
    await waitFor(() => pool.snapshot().queueDepth === 3, 'acme\'s backlog queued', 5_000);
    const zeta = (await pages(2, 'zeta')).map((input) => pool.analyze(input, {}, { priority: 'batch', tenant: 'zeta' }));
    const { order, done } = finishOrder([...acme, ...zeta]);
    await done;
    assert.deepEqual(order, ['acme-0.png', 'acme-1.png', 'zeta-0.png', 'acme-2.png', 'zeta-1.png', 'acme-3.png']);
    const { tenants } = pool.snapshot();
    assert.equal(tenants?.acme?.dispatched, 4);
    assert.equal(tenants?.zeta?.dispatched, 2);
    await pool.close();
  });

  it('refuses a tenant past its limits with 429 naming the limit, and leaves other tenants alone', async () => {
    const pool = await slowPool();
    pools.push(pool);
    const limits = { maxPages: 3, maxQueued: 1 };
    const running = pool.analyze(await page('a-running.png'), {}, { tenant: 'acme', tenantLimits: limits });
    await waitFor(() => pool.snapshot().devices[0]!.inflight === 1, 'acme\'s first page on the device', 5_000);
    const queued = pool.analyze(await page('a-queued.png'), {}, { tenant: 'acme', tenantLimits: limits });
    const overQueued = pool.analyze(await page('a-over.png'), {}, { tenant: 'acme', tenantLimits: limits });
    await assert.rejects(overQueued, (err: unknown) => TenantLimitError.is(err) && err.statusCode === 429
      && err.details?.limit === 'queued-pages' && err.details?.max === 1 && Number(err.details?.retryAfterSeconds) >= 1);
    const other = pool.analyze(await page('zeta.png'), {}, { tenant: 'zeta', tenantLimits: limits });
    const { values, errors } = await settleAll([running, queued, other]);
    assert.equal(errors.length, 0);
    assert.deepEqual(values.map((v) => v.input.name), ['a-running.png', 'a-queued.png', 'zeta.png']);

    // Concurrent pages: queued plus running, with room in the queue.
    const wide = { maxPages: 2, maxQueued: 0 };
    const two = (await pages(2, 'c')).map((input) => pool.analyze(input, {}, { tenant: 'acme', tenantLimits: wide }));
    const third = pool.analyze(await page('c-third.png'), {}, { tenant: 'acme', tenantLimits: wide });
    await assert.rejects(third, (err: unknown) => TenantLimitError.is(err) && err.details?.limit === 'concurrent-pages' && /acme/.test(err.message));
    await Promise.all(two);
    // Answered pages free their places.
    await pool.analyze(await page('c-after.png'), {}, { tenant: 'acme', tenantLimits: wide });
    const { tenants, rejected } = pool.snapshot();
    assert.equal(tenants?.acme?.rejected, 2);
    assert.equal(tenants?.zeta?.rejected, 0);
    assert.equal(rejected, 2);
    await pool.close();
  });
});
