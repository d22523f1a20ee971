import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { WorkerCrashError } from '../../src/errors.js';
import type { LayoutPool } from '../../src/pool/types.js';
import { page, settleAll, startPool, untilState } from './helpers.js';

describe('hung worker', { timeout: 60_000 }, () => {
  let pool: LayoutPool | undefined;
  after(() => pool?.destroy());

  it('is caught by the watchdog, killed and restarted; its page completes on the other device', async () => {
    pool = await startPool(
      { devices: 'cpu:2', cpuThreads: 2, maxBatch: 1, heartbeatIntervalMs: 100, watchdogTimeoutMs: 2_000 },
      { faults: { 0: { hangOnName: 'hang' } } },
    );
    const hungPid = pool.snapshot().devices[0]!.pid;
    // Two pages go to two different devices, so one of them hangs device 0.
    const work = [pool.analyze(await page('hang-a.png')), pool.analyze(await page('hang-b.png'))];
    const { values, errors } = await settleAll(work);
    assert.equal(errors.length, 0, String(errors[0]));
    assert.deepEqual(values.map((r) => r.deviceIndex), [1, 1]);

    await untilState(pool, 0, 'ready');
    const device = pool.snapshot().devices[0]!;
    assert.equal(device.restarts, 1);
    assert.notEqual(device.pid, hungPid);
    assert.equal(device.lastError?.code, WorkerCrashError.code);
    assert.match(device.lastError!.message, /heartbeat|watchdog/);
    assert.equal(pool.snapshot().retried, 1);
    await pool.close();
  });

  it('a run that never returns is caught by maxRunMs while heartbeats keep flowing; its page completes elsewhere', async () => {
    await pool?.destroy();
    // The stuck inference outlives the watchdog (400 ms) several times over: only heartbeats sent
    // while the inference thread is blocked keep the watchdog quiet, so the kill must name the run.
    pool = await startPool(
      { devices: 'cpu:2', cpuThreads: 2, maxBatch: 1, heartbeatIntervalMs: 50, watchdogTimeoutMs: 400, maxRunMs: 2_500 },
      { faults: { 0: { hangRunOnName: 'stuck' } } },
    );
    const stuckPid = pool.snapshot().devices[0]!.pid;
    const started = Date.now();
    const work = [pool.analyze(await page('stuck-a.png')), pool.analyze(await page('stuck-b.png'))];
    const { values, errors } = await settleAll(work);
    assert.equal(errors.length, 0, String(errors[0]));
    assert.deepEqual(values.map((r) => r.deviceIndex), [1, 1]);
    assert.ok(Date.now() - started >= 2_500, 'the hung run was given its full maxRunMs');

    await untilState(pool, 0, 'ready');
    const device = pool.snapshot().devices[0]!;
    assert.equal(device.restarts, 1);
    assert.notEqual(device.pid, stuckPid);
    assert.equal(device.lastError?.code, WorkerCrashError.code);
    assert.match(device.lastError!.message, /inference of 1 page\(s\) running for \d+ ms \(maxRunMs 2500 ms\)/);
    // Served again after the restart.
    assert.equal((await pool.analyze(await page('fine.png'))).input.name, 'fine.png');
    await pool.close();
  });
});
