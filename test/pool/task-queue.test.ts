import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TaskQueue } from '../../src/pool/task-queue.js';

describe('admission queue', () => {
  it('is FIFO and refuses pushes beyond its capacity', () => {
    const q = new TaskQueue<string>(2);
    assert.equal(q.push('a'), true);
    assert.equal(q.push('b'), true);
    assert.equal(q.full, true);
    assert.equal(q.push('c'), false);
    assert.deepEqual(q.take(5), ['a', 'b']);
    assert.equal(q.size, 0);
  });

  it('puts re-queued work at the front, even when full', () => {
    const q = new TaskQueue<string>(1);
    q.push('new');
    q.unshift('retried');
    assert.equal(q.size, 2);
    assert.equal(q.peek(), 'retried');
    assert.deepEqual(q.take(1), ['retried']);
  });

  it('removes an item by identity (abort, deadline) and drains the rest', () => {
    const q = new TaskQueue<{ id: number }>(4);
    const items = [{ id: 1 }, { id: 2 }, { id: 3 }];
    items.forEach((item) => q.push(item));
    assert.equal(q.remove(items[1]!), true);
    assert.equal(q.remove(items[1]!), false);
    assert.deepEqual(q.drain().map((i) => i.id), [1, 3]);
    assert.equal(q.size, 0);
  });
});
