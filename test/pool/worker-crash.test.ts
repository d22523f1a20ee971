import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { RetriesExhaustedError, WorkerCrashError } from '../../src/errors.js';
import type { LayoutPool, PoolEvents } from '../../src/pool/types.js';
import { isAlive, page, pages, settleAll, startPool, untilState } from './helpers.js';

describe('worker crash recovery', { timeout: 60_000 }, () => {
  const pools: LayoutPool[] = [];
  after(() => Promise.all(pools.map((p) => p.destroy())));

  it('kill -9 of a worker mid-batch: every accepted request completes exactly once', async () => {
    const pool = await startPool({ maxBatch: 2 }, { faults: { 0: { delayMsPerPage: 300 } } });
    pools.push(pool);
    const exits: Array<PoolEvents['worker-exit']> = [];
    const retries: Array<PoolEvents['task-retry']> = [];
    pool.on('worker-exit', (e) => exits.push(e));
    pool.on('task-retry', (e) => retries.push(e));

    let answers = 0;
    const work = (await pages(6)).map((input, i) => pool.analyze(input, {}, { requestId: `req-${i % 2}` }).then((r) => { answers += 1; return r; }));
    // An idle pool sends at once: a batch is on the worker.
    assert.ok(pool.snapshot().devices[0]!.inflight > 0);
    const victim = pool.snapshot().devices[0]!.pid!;
    process.kill(victim, 'SIGKILL');

    const { values, errors } = await settleAll(work);
    assert.equal(errors.length, 0, String(errors[0]));
    assert.equal(answers, 6);
    assert.deepEqual(values.map((r) => r.input.name).sort(), (await pages(6)).map((p) => p.name).sort());

    await untilState(pool, 0, 'ready');
    const snapshot = pool.snapshot();
    const device = snapshot.devices[0]!;
    assert.equal(device.restarts, 1);
    assert.notEqual(device.pid, victim);
    assert.ok(!isAlive(victim));
    assert.equal(device.lastError?.code, WorkerCrashError.code);
    assert.equal(snapshot.accepted, 6);
    assert.equal(snapshot.completed, 6);
    assert.equal(snapshot.failed, 0);
    assert.ok(snapshot.retried >= 1);
    assert.equal(retries.length, snapshot.retried);

    assert.equal(exits.length, 1);
    assert.equal(exits[0]!.signal, 'SIGKILL');
    assert.equal(exits[0]!.pid, victim);
    assert.ok(exits[0]!.taskIds.length >= 1);
    assert.deepEqual([...retries.map((r) => r.taskId)].sort(), [...exits[0]!.taskIds].sort());
    // The request each page came with is named in the events, so a request can be followed through a crash.
    assert.ok(retries.every((r) => r.requestId === 'req-0' || r.requestId === 'req-1'), JSON.stringify(retries));
    assert.deepEqual([...exits[0]!.requestIds].sort(), [...new Set(retries.map((r) => r.requestId!))].sort());
    await pool.close();
  });

  it('gives up on a page that kills every worker it reaches, after maxRetries', async () => {
    const pool = await startPool({ maxBatch: 1, maxRetries: 1 }, { faults: { 0: { crashOnName: 'poison' } } });
    pools.push(pool);
    await assert.rejects(pool.analyze(await page('poison.png')), (err: unknown) => RetriesExhaustedError.is(err) && /poison|crash|exited/i.test(err.message));
    await untilState(pool, 0, 'ready');
    assert.equal(pool.snapshot().devices[0]!.restarts, 2);
    // The device still serves ordinary pages.
    const ok = await pool.analyze(await page('fine.png'));
    assert.equal(ok.input.name, 'fine.png');
    await pool.close();
  });
});
