import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { poolAnalyzer } from '../../src/document/index.js';
import { BATCH_WORKER_NICE, parseDevices, withInteractiveLanes } from '../../src/pool/devices.js';
import type { LayoutPool, PoolResult } from '../../src/pool/types.js';
import { oneBatchAtATime } from '../fixtures/one-batch-devices.js';
import { page, pages, startPool, waitFor } from './helpers.js';

/** The nice value of every thread of process `pid` (Linux /proc: field 19 of each thread's stat). */
function threadNiceness(pid: number): number[] {
  return fs.readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // The command name (field 2) is in parentheses and may hold spaces: count after it.
      return [Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])];
    } catch {
      return []; // the thread ended meanwhile
    }
  });
}

const settledFlag = (promise: Promise<unknown>): { readonly done: boolean } => {
  const flag = { done: false };
  void promise.then(() => { flag.done = true; }, () => { flag.done = true; });
  return flag;
};

describe('interactive lanes (--interactive-lane)', { timeout: 120_000 }, () => {
  const pools: LayoutPool[] = [];
  after(() => Promise.all(pools.map((p) => p.destroy())));

  it('adds one lane per CPU device after the devices, and leaves GPU devices alone', () => {
    const specs = withInteractiveLanes([...parseDevices('cpu:2', 2), ...parseDevices('cuda:0', 2, () => [0])]);
    assert.deepEqual(specs.map((s) => [s.id, s.serves ?? 'all', s.nice ?? 0]), [
      ['cpu:0', 'all', BATCH_WORKER_NICE],
      ['cpu:1', 'all', BATCH_WORKER_NICE],
      ['cuda:0', 'all', 0],
      ['cpu:0/interactive', 'interactive', 0],
      ['cpu:1/interactive', 'interactive', 0],
    ]);
    const lane = specs[3]!;
    assert.equal(lane.intraOpNumThreads, specs[0]!.intraOpNumThreads, 'a lane uses its device\'s cores');
    assert.equal(lane.overlapStages, false);
  });

  it('runs an interactive page in the lane beside a running batch page, at a higher priority', async () => {
    // Batch pages take ≥ 1.5 s each on the device; the lane runs the real worker at full speed.
    const pool = await startPool({ maxBatch: 1, interactiveLane: true, priorityAgingMs: 60_000 }, { devices: oneBatchAtATime(), faults: { 0: { delayMsPerPage: 1_500 } } });
    pools.push(pool);
    const [device, lane] = pool.snapshot().devices;
    assert.equal(pool.snapshot().devices.length, 2);
    assert.deepEqual([device!.id, device!.serves, lane!.id, lane!.serves], ['cpu:0', 'all', 'cpu:0/interactive', 'interactive']);
    if (process.platform === 'linux') {
      assert.ok(threadNiceness(device!.pid!).every((nice) => nice === BATCH_WORKER_NICE), `every thread of the batch worker at nice ${BATCH_WORKER_NICE}: ${threadNiceness(device!.pid!).join(',')}`);
      assert.ok(threadNiceness(device!.pid!).length > 4, 'the model\'s and the stages\' threads are counted too');
      assert.equal(os.getPriority(lane!.pid!), os.getPriority(), 'the lane keeps the pool\'s priority');
    }
    // The job layer sizes its rounds by the devices alone.
    assert.equal(poolAnalyzer(pool).capacity(), 1);

    const backlog = (await pages(3, 'batch')).map((input) => pool.analyze(input, {}, { priority: 'batch' }));
    const first = settledFlag(backlog[0]!);
    await waitFor(() => pool.snapshot().devices[0]!.inflight === 1, 'a batch page on the device');
    const interactive = await pool.analyze(await page('interactive.png'), {}, { priority: 'interactive' });
    assert.equal(interactive.device, 'cpu:0/interactive');
    assert.equal(first.done, false, 'answered while the batch page it arrived behind still runs');
    const batchResults = await Promise.all(backlog);
    assert.deepEqual(batchResults.map((r) => r.device), ['cpu:0', 'cpu:0', 'cpu:0'], 'batch pages never go to the lane');
    await pool.close();
  });

  it('sends interactive pages to the device too while its lane is busy (work-conserving)', async () => {
    const pool = await startPool({ maxBatch: 1, interactiveLane: true }, { devices: oneBatchAtATime(), faults: { 1: { delayMsPerPage: 800 } } });
    pools.push(pool);
    const results: PoolResult[] = await Promise.all((await pages(2, 'person')).map((input) => pool.analyze(input, {}, { priority: 'interactive' })));
    assert.deepEqual(results.map((r) => r.device).sort(), ['cpu:0', 'cpu:0/interactive']);
    await pool.close();
  });

  it('answers an interactive page once when its lane crashes mid-page', async () => {
    const marker = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lane-crash-')), 'crashed');
    const pool = await startPool({ maxBatch: 1, interactiveLane: true }, { devices: oneBatchAtATime(), faults: { 1: { crashOnceOnName: { name: 'crash', marker } } } });
    pools.push(pool);
    const retries: string[] = [];
    pool.on('task-retry', (e) => retries.push(e.device));
    const result = await pool.analyze(await page('crash.png'), {}, { priority: 'interactive' });
    assert.ok(fs.existsSync(marker), 'the lane crashed on the page');
    assert.deepEqual(retries, ['cpu:0/interactive']);
    assert.equal(result.input.name, 'crash.png');
    await waitFor(() => pool.snapshot().devices[1]!.restarts === 1 && pool.snapshot().devices[1]!.state === 'ready', 'the lane restarted');
    assert.equal((await pool.analyze(await page('after.png'), {}, { priority: 'interactive' })).device, 'cpu:0/interactive');
    await pool.close();
  });
});
