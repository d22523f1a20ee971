/**
 * The engine alone owns the model's identity (path, name, sha256) and says once when a reload
 * changes it; a reload is all or nothing across devices. Real pools of CPU workers on the fixture
 * models (V3 names itself fixture-v3, V2 fixture-v2); a faulty worker that refuses one model
 * stands in for a device that cannot load it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { createEngine, type Engine, type ModelIdentity } from '../../src/engine/index.js';
import { sha256File } from '../../src/model/index.js';
import { faultyWorkers } from '../fixtures/faulty-workers.js';
import { writeFixtureModel } from '../fixtures/fixture-model.js';
import { fixtureModel, pages, poolConfig } from '../pool/helpers.js';

describe('the engine\'s model identity', { timeout: 120_000 }, () => {
  const engines: Engine[] = [];
  after(() => Promise.all(engines.map((e) => e.destroy())));

  const start = async (overrides: Parameters<typeof poolConfig>[0] = {}, refuseOnDevice1?: string): Promise<Engine> => {
    const engine = await createEngine({
      config: poolConfig(overrides),
      modelPath: fixtureModel(),
      ...(refuseOnDevice1 ? { workerEntry: faultyWorkers({ 1: { refuseModelName: refuseOnDevice1 } }) } : {}),
    });
    engines.push(engine);
    await engine.ready();
    return engine;
  };

  it('is the file, the name its devices report and its sha256; it changes once per successful reload and not on a failed one', async () => {
    const engine = await start();
    const v3 = fixtureModel();
    assert.deepEqual(engine.identity, { path: v3, name: 'fixture-v3', sha256: await sha256File(v3) });
    const events: ModelIdentity[] = [];
    engine.on('identity', (identity) => events.push(identity));

    const v2 = writeFixtureModel({ variant: 'v2' });
    const reloaded = await engine.reload(v2);
    assert.deepEqual(reloaded, { path: v2, name: 'fixture-v2', sha256: await sha256File(v2) });
    assert.deepEqual(events, [reloaded], 'one event for the reload');
    assert.deepEqual(engine.identity, reloaded);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-engine-'));
    const broken = path.join(dir, 'broken.onnx');
    fs.writeFileSync(broken, 'not a model');
    await assert.rejects(engine.reload(broken), /broken\.onnx/);
    await assert.rejects(engine.reload(path.join(dir, 'missing.onnx')), /ENOENT/);
    assert.equal(events.length, 1, 'no event for a failed reload');
    assert.deepEqual(engine.identity, reloaded, 'a failed reload leaves the identity as it was');

    // Reloading the same file (SIGHUP with nothing changed) is no change of identity.
    await engine.reload();
    assert.equal(events.length, 1);
    const result = await engine.analyzer.analyze((await pages(1))[0]!, {});
    assert.equal(result.model, 'fixture-v2');
    assert.equal('modelId' in result, false, 'the pool\'s model id stays inside the engine');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a reload that fails on one device leaves every device on the old model (all or nothing)', async () => {
    // Device 0 loads fixture-v2 first; device 1 refuses it, so device 0 must go back too.
    const engine = await start({ devices: 'cpu:2', cpuThreads: 2, maxBatch: 1 }, 'fixture-v2');
    const before = engine.identity;
    const pidsBefore = engine.pool.snapshot().devices.map((d) => d.pid);
    let events = 0;
    engine.on('identity', () => { events += 1; });

    await assert.rejects(engine.reload(writeFixtureModel({ variant: 'v2' })), /refuses model fixture-v2/);
    assert.equal(events, 0);
    assert.deepEqual(engine.identity, before);
    const devices = engine.pool.snapshot().devices;
    assert.ok(devices.every((d) => d.state === 'ready'), `devices: ${devices.map((d) => `${d.id} ${d.state}`).join(', ')}`);
    assert.notEqual(devices[0]!.pid, pidsBefore[0], 'device 0 was switched, then switched back');

    // Pages on both devices: every one answered by the old model.
    const served = await Promise.all((await pages(8, 'after-failed-reload')).map((p) => engine.analyzer.analyze(p, {})));
    assert.deepEqual([...new Set(served.map((r) => r.device))].sort(), ['cpu:0', 'cpu:1']);
    assert.deepEqual([...new Set(served.map((r) => r.model))], ['fixture-v3']);
  });
});
