import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PriorityTaskQueue } from '../../src/pool/priority-queue.js';
import type { PriorityClass } from '../../src/pool/types.js';

interface Item {
  readonly id: string;
  readonly priority: PriorityClass;
  readonly tenant: string;
  readonly enqueuedAt: number;
}

/** A queue on a clock the test moves by hand: aging is decided by time, never by sleeping. */
function queueAt(options: { capacity?: number; agingMs?: number } = {}) {
  const clock = { now: 0 };
  const queue = new PriorityTaskQueue<Item>({ capacity: options.capacity ?? 100, agingMs: options.agingMs ?? 1_000, now: () => clock.now });
  const add = (id: string, priority: PriorityClass, tenant = 't'): Item => {
    const item = { id, priority, tenant, enqueuedAt: clock.now };
    assert.equal(queue.push(item), true);
    return item;
  };
  const ids = (items: readonly Item[]): string[] => items.map((i) => i.id);
  return { clock, queue, add, ids };
}

describe('priority admission queue', () => {
  it('serves interactive pages ahead of batch pages queued before them', () => {
    const { queue, add, ids } = queueAt();
    add('b1', 'batch');
    add('b2', 'batch');
    add('i1', 'interactive');
    add('i2', 'interactive');
    assert.equal(queue.peek()?.id, 'i1');
    assert.deepEqual(ids(queue.take(3)), ['i1', 'i2', 'b1']);
    assert.deepEqual(ids(queue.take(5)), ['b2']);
    assert.equal(queue.size, 0);
  });

  it('is work-conserving: batch pages go out whenever no interactive page waits', () => {
    const { queue, add, ids } = queueAt();
    add('b1', 'batch');
    assert.deepEqual(ids(queue.take(1)), ['b1']);
    add('b2', 'batch');
    add('i1', 'interactive');
    assert.deepEqual(ids(queue.take(1)), ['i1']);
    assert.deepEqual(ids(queue.take(1)), ['b2']);
  });

  it('ages the batch class: one batch page goes ahead once the class has waited agingMs, then the clock restarts', () => {
    const { clock, queue, add, ids } = queueAt({ agingMs: 1_000 });
    add('b1', 'batch');
    add('b2', 'batch');
    for (let i = 0; i < 4; i += 1) add(`i${i}`, 'interactive');
    clock.now = 999;
    assert.deepEqual(ids(queue.take(1)), ['i0']);
    clock.now = 1_000;
    // Aged: exactly one batch page, then interactive again until another agingMs has passed.
    assert.deepEqual(ids(queue.take(3)), ['b1', 'i1', 'i2']);
    clock.now = 1_999;
    assert.deepEqual(ids(queue.take(1)), ['i3']);
    add('i4', 'interactive');
    clock.now = 2_000;
    assert.deepEqual(ids(queue.take(2)), ['b2', 'i4']);
  });

  it('lets one aged batch page at most go ahead of waiting interactive pages, even when pages outlast agingMs', () => {
    // Pages of 10 s, agingMs 2 s: the batch clock has run out at every decision.
    const { clock, queue, add, ids } = queueAt({ agingMs: 2_000 });
    for (let i = 0; i < 4; i += 1) add(`b${i}`, 'batch');
    assert.deepEqual(ids(queue.take(1)), ['b0']);
    add('i0', 'interactive');
    add('i1', 'interactive');
    const order: string[] = [];
    for (let t = 10_000; order.length < 5; t += 10_000) {
      clock.now = t;
      order.push(...ids(queue.take(1)));
    }
    assert.deepEqual(order, ['i0', 'b1', 'i1', 'b2', 'b3']);
  });

  it('starts the aging clock when the batch class stops being empty, not at its last page long ago', () => {
    const { clock, queue, add, ids } = queueAt({ agingMs: 1_000 });
    add('b0', 'batch');
    assert.deepEqual(ids(queue.take(1)), ['b0']);
    clock.now = 50_000;
    add('b1', 'batch');
    add('i1', 'interactive');
    assert.deepEqual(ids(queue.take(1)), ['i1']);
    add('i2', 'interactive');
    clock.now = 50_999;
    assert.deepEqual(ids(queue.take(1)), ['i2']);
  });

  it('bounds the wait of the oldest batch page under a steady interactive stream (no starvation)', () => {
    const { clock, queue, add } = queueAt({ agingMs: 500, capacity: 10_000 });
    for (let i = 0; i < 5; i += 1) add(`b${i}`, 'batch');
    const batchTakenAt: number[] = [];
    // Interactive pages arrive faster than the devices take pages: one every 10 ms, one taken every 20 ms.
    for (let t = 0; t <= 3_000; t += 10) {
      clock.now = t;
      add(`i${t}`, 'interactive');
      if (t % 20 === 0) for (const item of queue.take(1)) if (item.priority === 'batch') batchTakenAt.push(t);
    }
    assert.deepEqual(batchTakenAt, [500, 1_000, 1_500, 2_000, 2_500]);
  });

  it('takes turns between tenants inside a class, whatever their backlog', () => {
    const { queue, add, ids } = queueAt();
    for (let i = 0; i < 4; i += 1) add(`a${i}`, 'batch', 'acme');
    add('z0', 'batch', 'zeta');
    add('z1', 'batch', 'zeta');
    add('y0', 'batch', 'ypsilon');
    assert.deepEqual(ids(queue.take(7)), ['a0', 'z0', 'y0', 'a1', 'z1', 'a2', 'a3']);
  });

  it('keeps the classes apart when tenants take turns', () => {
    const { queue, add, ids } = queueAt();
    add('a-b0', 'batch', 'acme');
    add('a-i0', 'interactive', 'acme');
    add('z-i0', 'interactive', 'zeta');
    add('a-i1', 'interactive', 'acme');
    assert.deepEqual(ids(queue.take(4)), ['a-i0', 'z-i0', 'a-i1', 'a-b0']);
    assert.equal(queue.queuedFor('acme'), 0);
  });

  it('holds batch pages back when the device cannot take them, interactive ones still go', () => {
    const { queue, add, ids } = queueAt();
    add('b1', 'batch');
    add('i1', 'interactive');
    assert.deepEqual(ids(queue.take(4, { batchClass: false })), ['i1']);
    assert.equal(queue.peek({ batchClass: false }), undefined);
    assert.deepEqual(queue.take(4, { batchClass: false }), []);
    assert.equal(queue.peek()?.id, 'b1');
  });

  it('is bounded over both classes; re-queued pages bypass the bound and go first in their class and tenant', () => {
    const { queue, add, ids } = queueAt({ capacity: 2 });
    add('b1', 'batch', 'acme');
    add('i1', 'interactive', 'zeta');
    assert.equal(queue.full, true);
    assert.equal(queue.push({ id: 'x', priority: 'interactive', tenant: 'zeta', enqueuedAt: 0 }), false);
    queue.unshift({ id: 'retried', priority: 'batch', tenant: 'acme', enqueuedAt: 0 });
    assert.equal(queue.size, 3);
    assert.deepEqual(ids(queue.take(3)), ['i1', 'retried', 'b1']);
  });

  it('removes a page by identity (abort, deadline) and reports waits per class and tenant', () => {
    const { clock, queue, add, ids } = queueAt();
    const b1 = add('b1', 'batch', 'acme');
    clock.now = 10;
    add('b2', 'batch', 'zeta');
    add('i1', 'interactive', 'zeta');
    assert.equal(queue.remove(b1), true);
    assert.equal(queue.remove(b1), false);
    assert.deepEqual(queue.waiting('batch'), { queued: 1, oldestAt: 10 });
    assert.deepEqual([...queue.waitingByTenant()], [['zeta', { queued: 2, oldestAt: 10 }]]);
    assert.equal(queue.oldest('interactive')?.id, 'i1');
    assert.deepEqual(ids(queue.drain()), ['i1', 'b2']);
    assert.equal(queue.size, 0);
  });
});
