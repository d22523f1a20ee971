import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { NoDeviceReadyError } from '../../src/errors.js';
import { createPool } from '../../src/pool/index.js';
import type { LayoutPool } from '../../src/pool/types.js';
import { fixtureModel, page, poolConfig, untilState } from './helpers.js';

describe('device start-up failures', { timeout: 60_000 }, () => {
  const pools: LayoutPool[] = [];
  after(() => Promise.all(pools.map((p) => p.destroy())));

  it('reports a device that cannot start, with the reason, while the others serve', async () => {
    // cuda:99 fails everywhere: no CUDA libraries on a CPU host, no such ordinal on a GPU host.
    const pool = await createPool({ config: poolConfig({ devices: 'cpu,cuda:99' }), modelPath: fixtureModel() });
    pools.push(pool);
    await pool.ready();
    await untilState(pool, 1, 'failed');
    const result = await pool.analyze(await page());
    assert.equal(result.device, 'cpu:0');

    const failed = pool.snapshot().devices[1]!;
    assert.equal(failed.id, 'cuda:99');
    assert.equal(failed.kind, 'cuda');
    assert.ok(failed.lastError, 'the failure is recorded');
    assert.match(failed.lastError.message, /cuda:99/);
    assert.match(failed.lastError.message, /Fix:/, 'the message says how to fix it');
    assert.ok(!Number.isNaN(Date.parse(failed.lastError.at)));
    assert.equal(failed.restarts, 0, 'a device that cannot load is not restarted in a loop');
    await pool.close();
  });

  it('rejects ready() and analyze() with NoDeviceReadyError when every device fails', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-pool-'));
    const broken = path.join(dir, 'broken.onnx');
    fs.writeFileSync(broken, 'this is not an onnx file');
    const pool = await createPool({ config: poolConfig({ devices: 'cpu:2', cpuThreads: 2 }), modelPath: broken });
    pools.push(pool);
    await assert.rejects(pool.ready(), (err: unknown) => NoDeviceReadyError.is(err) && err.statusCode === 503 && /broken\.onnx/.test(err.message));
    await assert.rejects(pool.analyze(await page()), (err: unknown) => NoDeviceReadyError.is(err));
    assert.ok(pool.snapshot().devices.every((d) => d.state === 'failed' && d.lastError !== undefined));
    await pool.close();
  });
});
