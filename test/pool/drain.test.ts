import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { PoolClosedError, InternalError } from '../../src/errors.js';
import type { LayoutPool } from '../../src/pool/types.js';
import { isAlive, pages, page, settleAll, startPool } from './helpers.js';

describe('pool close and destroy', { timeout: 60_000 }, () => {
  const pools: LayoutPool[] = [];
  after(() => Promise.all(pools.map((p) => p.destroy())));

  it('close() finishes queued and running work, refuses new work and stops the workers', async () => {
    const pool = await startPool({ devices: 'cpu:2', cpuThreads: 2, maxBatch: 1 }, { testHooks: { 0: { delayMsPerPage: 150 }, 1: { delayMsPerPage: 150 } } });
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
    const pool = await startPool({ maxBatch: 1 }, { testHooks: { 0: { delayMsPerPage: 5_000 } } });
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
});
