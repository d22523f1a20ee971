import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DeadlineExceededError, PoolClosedError, InternalError } from '../../src/errors.js';
import type { LayoutPool } from '../../src/pool/types.js';
import { isAlive, nextEvent, pages, page, settleAll, startPool } from './helpers.js';

describe('pool close and destroy', { timeout: 60_000 }, () => {
  const pools: LayoutPool[] = [];
  after(() => Promise.all(pools.map((p) => p.destroy())));

  it('close() finishes queued and running work, refuses new work and stops the workers', async () => {
    const pool = await startPool({ devices: 'cpu:2', cpuThreads: 2, maxBatch: 1 }, { faults: { 0: { delayMsPerPage: 150 }, 1: { delayMsPerPage: 150 } } });
    pools.push(pool);
    const pids = pool.snapshot().devices.map((d) => d.pid);
    const work = (await pages(5)).map((input) => pool.analyze(input));
    const closing = pool.close();
    assert.equal(pool.snapshot().state, 'draining');
    await assert.rejects(pool.analyze(await page('late.png')), (err: unknown) => PoolClosedError.is(err) && err.statusCode === 503);

    const { values, errors } = await settleAll(work);
    assert.equal(errors.length, 0, String(errors[0]));
    assert.equal(values.length, 5);
    await closing;
    const snapshot = pool.snapshot();
    assert.equal(snapshot.state, 'closed');
    assert.ok(snapshot.devices.every((d) => d.state === 'stopped'), JSON.stringify(snapshot.devices.map((d) => d.state)));
    assert.ok(pids.every((pid) => !isAlive(pid)), 'worker processes are gone');
    await pool.close();
    await assert.rejects(pool.analyze(await page()), (err: unknown) => PoolClosedError.is(err));
  });

  it('destroy(err) fails pending work with err at once and kills the workers', async () => {
    const pool = await startPool({ maxBatch: 1 }, { faults: { 0: { delayMsPerPage: 5_000 } } });
    pools.push(pool);
    const pid = pool.snapshot().devices[0]!.pid;
    const work = (await pages(3)).map((input) => pool.analyze(input));
    const reason = InternalError('shutting down for the test');
    const settled = settleAll(work);
    await pool.destroy(reason);
    const { errors } = await settled;
    assert.equal(errors.length, 3);
    assert.ok(errors.every((err) => err === reason));
    assert.ok(!isAlive(pid));
    await pool.destroy();
    await pool.close();
    assert.equal(pool.snapshot().state, 'closed');
  });

  it('close() returns once a deadline empties the queue while the only worker is down', async () => {
    // The page crashes its worker; the restart waits 4 s, the page's deadline is 800 ms. Once the
    // deadline fails the re-queued page nothing is left to do: close() must not wait for the
    // worker to come back (it used to wait forever: a deadline never woke it).
    const pool = await startPool({ maxBatch: 1, maxRetries: 2, restartBackoffMs: 4_000 }, { faults: { 0: { crashOnName: 'poison' } } });
    pools.push(pool);
    const exited = nextEvent(pool, 'worker-exit');
    const work = pool.analyze(await page('poison.png'), {}, { timeoutMs: 800 });
    await exited;
    const closing = pool.close();
    await assert.rejects(work, (err: unknown) => DeadlineExceededError.is(err));
    const backUp = nextEvent(pool, 'device-state', (e) => e.state === 'ready').then(() => 'worker ready again first');
    const first = await Promise.race([closing.then(() => 'closed'), backUp]);
    assert.equal(first, 'closed');
    const snapshot = pool.snapshot();
    assert.equal(snapshot.state, 'closed');
    assert.equal(snapshot.timedOut, 1);
    assert.equal(snapshot.devices[0]!.state, 'stopped');
  });
});
