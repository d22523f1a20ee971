import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { LayoutPool } from '../../src/pool/types.js';
import { writeFixtureModel } from '../fixtures/fixture-model.js';
import { page, pages, settleAll, startPool, untilState } from './helpers.js';

describe('recycling and reload', { timeout: 60_000 }, () => {
  const pools: LayoutPool[] = [];
  after(() => Promise.all(pools.map((p) => p.destroy())));

  it('replaces a worker after recycleAfterPages pages without failing a request', async () => {
    const pool = await startPool({ recycleAfterPages: 3, maxBatch: 1 });
    pools.push(pool);
    const pids = new Set<number>();
    for (let i = 0; i < 7; i++) {
      await untilState(pool, 0, 'ready');
      pids.add(pool.snapshot().devices[0]!.pid!);
      const result = await pool.analyze(await page(`r-${i}.png`));
      assert.equal(result.input.name, `r-${i}.png`);
    }
    // 7 pages at 3 per worker: the first worker, a second after page 3, a third after page 6.
    await untilState(pool, 0, 'ready');
    pids.add(pool.snapshot().devices[0]!.pid!);
    assert.equal(pids.size, 3, `pids seen: ${[...pids]}`);
    assert.equal(pool.snapshot().failed, 0);
    await pool.close();
  });

  it('reload() swaps the model device by device while requests keep completing', async () => {
    const pool = await startPool({ devices: 'cpu:2', cpuThreads: 2, maxBatch: 2 });
    pools.push(pool);
    const before = pool.snapshot();
    // Another model: the V2 fixture names itself "fixture-v2".
    const next = writeFixtureModel({ variant: 'v2' });

    // Closed-loop traffic, three pages at a time; each result records the phase of the reload in
    // which it was issued and the one in which it was answered.
    type Phase = 'before' | 'during' | 'after';
    let phase = 'before' as Phase;
    const served: Array<{ issued: Phase; answered: Phase; model: string }> = [];
    let firstRound!: () => void;
    const oldModelServed = new Promise<void>((resolve) => { firstRound = resolve; });
    const traffic = (async () => {
      while (phase !== 'after') {
        const issued = phase;
        await Promise.all((await pages(3, `live-${served.length}`)).map((p) => pool.analyze(p).then((r) => {
          served.push({ issued, answered: phase, model: r.model });
        })));
        firstRound();
      }
    })();
    await oldModelServed;
    phase = 'during';
    await pool.reload({ path: next, id: 'v2' });
    phase = 'after';
    await traffic;
    const models = (list: typeof served): string[] => [...new Set(list.map((r) => r.model))].sort();
    const duringReload = served.filter((r) => r.issued === 'during' && r.answered === 'during');
    // Requests issued after the reload began were answered before it ended — by the new model on
    // a swapped device while the other device was still being swapped: traffic never stopped.
    assert.ok(duringReload.length >= 3, `only ${duringReload.length} requests issued and answered during the reload`);
    assert.deepEqual(models(served), ['fixture-v2', 'fixture-v3']);
    assert.ok(duringReload.some((r) => r.model === 'fixture-v2'), `nothing answered by the new model while the reload went on: ${JSON.stringify(served)}`);

    const after = pool.snapshot();
    assert.equal(pool.modelName(), 'fixture-v2');
    assert.equal(after.failed, 0);
    assert.equal(after.completed, after.accepted);
    after.devices.forEach((d, i) => assert.notEqual(d.pid, before.devices[i]!.pid, `device ${i} restarted`));
    assert.ok(after.devices.every((d) => d.state === 'ready'));
    const result = await pool.analyze(await page());
    assert.equal(result.model, 'fixture-v2');
    await pool.close();
  });

  it('a reload to a model that fails keeps serving on the old one and reports the error', async () => {
    const pool = await startPool({ devices: 'cpu:2', cpuThreads: 2 });
    pools.push(pool);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-pool-'));
    const broken = path.join(dir, 'broken.onnx');
    fs.writeFileSync(broken, 'not a model');
    const work = (await pages(4)).map((p) => pool.analyze(p));
    await assert.rejects(pool.reload({ path: broken, id: 'broken' }), /broken\.onnx/);
    const { errors } = await settleAll(work);
    assert.equal(errors.length, 0, String(errors[0]));
    await Promise.all([untilState(pool, 0, 'ready'), untilState(pool, 1, 'ready')]);
    const result = await pool.analyze(await page());
    assert.equal(result.model, 'fixture-v3');
    assert.equal(pool.modelName(), 'fixture-v3');
    await pool.close();
  });
});
