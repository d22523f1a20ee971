import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PageWindow } from '../../src/document/index.js';

describe('PageWindow', () => {
  it('sizes itself from the analyzer capacity within the configured floor and cap', () => {
    assert.equal(PageWindow.forCapacity(1).size, 2, 'a floor of 2 lets the next page render while one is analysed');
    assert.equal(PageWindow.forCapacity(16).size, 16);
    assert.equal(PageWindow.forCapacity(1024).size, 32);
  });

  it('never hands out more slots than its size, and passes a freed slot to the next waiter', async () => {
    const window = new PageWindow(2);
    const first = await window.acquire();
    await window.acquire();
    let third = false;
    const waiting = window.acquire().then((release) => {
      third = true;
      return release;
    });
    // Nothing but a release can wake it: one turn of the event loop shows it still waiting.
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(third, false);
    assert.equal(window.inUse, 2);
    first();
    first(); // a second release of the same slot is a no-op
    (await waiting)();
    assert.ok(third);
    assert.equal(window.inUse, 1);
  });

  it('an abort while waiting rejects with the reason and gives up its place', async () => {
    const window = new PageWindow(1);
    const held = await window.acquire();
    const controller = new AbortController();
    const waiting = window.acquire(controller.signal);
    controller.abort(new Error('document failed'));
    await assert.rejects(waiting, /document failed/);
    held();
    assert.equal(window.inUse, 0, 'the aborted waiter did not take the freed slot');
    await assert.rejects(window.acquire(controller.signal), /document failed/, 'an aborted signal rejects at once');
  });
});
