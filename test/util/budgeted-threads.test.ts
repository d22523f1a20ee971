/**
 * BudgetedThreads on real threads: the budget measures a task's run, not its wait; a task over
 * budget has its thread replaced and the pool goes on; urgent tasks go first.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, it } from 'node:test';
import { BudgetedThreads } from '../../src/util/budgeted-threads.js';

const busyThread = fileURLToPath(new URL('../fixtures/busy-thread.js', import.meta.url));
type Task = { id: string; ms: number };

describe('BudgetedThreads', { timeout: 60_000 }, () => {
  let pool: BudgetedThreads<Task, string> | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it('a task over its budget resolves "timeout", its thread is replaced and the next task runs', async () => {
    pool = new BudgetedThreads<Task, string>({ filename: busyThread, threads: 1 });
    assert.equal(await pool.run({ id: 'stuck', ms: 60_000 }, { timeoutMs: 300 }), 'timeout');
    assert.equal(pool.terminations, 1);
    assert.equal(await pool.run({ id: 'next', ms: 10 }, { timeoutMs: 5_000 }), 'next');
  });

  it('the budget measures the run, not the wait behind other tasks', async () => {
    pool = new BudgetedThreads<Task, string>({ filename: busyThread, threads: 1 });
    await pool.run({ id: 'warm', ms: 1 });
    const first = pool.run({ id: 'long', ms: 800 });
    // Waits ~800 ms for the only thread, then runs 50 ms of its 400 ms budget.
    const second = pool.run({ id: 'short', ms: 50 }, { timeoutMs: 400 });
    assert.deepEqual(await Promise.all([first, second]), ['long', 'short']);
    assert.equal(pool.terminations, 0);
  });

  it('an urgent task goes before ordinary tasks that were waiting', async () => {
    pool = new BudgetedThreads<Task, string>({ filename: busyThread, threads: 1 });
    await pool.run({ id: 'warm', ms: 1 });
    const order: string[] = [];
    const track = (p: Promise<string | 'timeout'>): Promise<void> => p.then((id) => void order.push(String(id)));
    await Promise.all([
      track(pool.run({ id: 'running', ms: 200 })),
      track(pool.run({ id: 'ordinary', ms: 1 })),
      track(pool.run({ id: 'urgent', ms: 1 }, { urgent: true })),
    ]);
    assert.deepEqual(order, ['running', 'urgent', 'ordinary']);
  });
});
