import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LoadShedder } from '../../src/server/load-shedder.js';

function blockEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy wait on purpose
  }
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('event-loop lag shedder', () => {
  it('sees a blocked loop, sheds for one more period, then recovers', async () => {
    const shedder = new LoadShedder(200, { sampleIntervalMs: 3_600_000 });
    try {
      await tick(30);
      shedder.sample();
      blockEventLoop(600);
      assert.ok(shedder.sample() >= 400, `lag ${shedder.lagMs}`);
      assert.equal(shedder.overloaded, true);
      await tick(30);
      shedder.sample();
      assert.equal(shedder.overloaded, true, 'hysteresis: the spike still counts for one period');
      // The reading quoted in the refusal is the one decided on (the spike), not the latest period's.
      assert.ok(shedder.lagMs < 200, `latest period ${shedder.lagMs}`);
      assert.ok(shedder.overloadedLagMs! >= 400, `decided on ${shedder.overloadedLagMs}`);
      await tick(30);
      shedder.sample();
      assert.equal(shedder.overloaded, false);
    } finally {
      shedder.close();
    }
  });

  it('does not count what blocked the loop before restart() (the server being built) as load', async () => {
    const shedder = new LoadShedder(200, { sampleIntervalMs: 3_600_000 });
    try {
      blockEventLoop(600);
      shedder.restart();
      shedder.sample();
      assert.equal(shedder.overloaded, false, `lag ${shedder.lagMs} after restart`);
      // Measuring goes on: a block after the restart is seen.
      blockEventLoop(600);
      assert.ok(shedder.sample() >= 400, `lag ${shedder.lagMs}`);
      assert.equal(shedder.overloaded, true);
    } finally {
      shedder.close();
    }
  });

  it('measures but never sheds when the limit is 0', async () => {
    const shedder = new LoadShedder(0, { sampleIntervalMs: 3_600_000 });
    try {
      blockEventLoop(100);
      shedder.sample();
      assert.ok(shedder.lagMs > 0);
      assert.equal(shedder.overloaded, false);
    } finally {
      shedder.close();
      shedder.close();
    }
  });
});
