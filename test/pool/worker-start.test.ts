/**
 * WorkerHandle.start() on real worker processes: it resolves when the worker serves and rejects
 * with the reason when it cannot load or is stopped first — what reload waits on.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ModelContractError, ModelLoadError, NoDeviceReadyError } from '../../src/errors.js';
import { parseDevices } from '../../src/pool/devices.js';
import { WorkerHandle, type WorkerCallbacks } from '../../src/pool/worker-handle.js';
import { fixtureModel, poolConfig } from './helpers.js';

const ignore: WorkerCallbacks = { onReady: () => {}, onResult: () => {}, onExit: () => {}, onStateChange: () => {}, onRunStarted: () => {}, heldTaskIds: () => [], mayRecycle: () => true };

describe('WorkerHandle.start()', { timeout: 60_000 }, () => {
  const handles: WorkerHandle[] = [];
  const handle = (modelPath: string): WorkerHandle => {
    const config = poolConfig();
    const created = new WorkerHandle(parseDevices('cpu', 1)[0]!, 0, { path: modelPath, id: modelPath }, config, ignore);
    handles.push(created);
    return created;
  };
  after(() => Promise.all(handles.map((h) => h.stop())));

  it('resolves once the worker serves', async () => {
    const worker = handle(fixtureModel());
    await worker.start();
    assert.equal(worker.state, 'ready');
    assert.equal(worker.modelName, 'fixture-v3');
    await worker.stop();
    assert.equal(worker.state, 'stopped');
  });

  it('rejects with the load error when the model cannot load, and marks the device failed', async () => {
    const broken = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-start-')), 'broken.onnx');
    fs.writeFileSync(broken, 'this is not an onnx file');
    const worker = handle(broken);
    await assert.rejects(worker.start(), (err) => (ModelLoadError.is(err) || ModelContractError.is(err)) && err.message.includes('broken.onnx'));
    assert.equal(worker.state, 'failed');
  });

  it('rejects when stopped before it serves', async () => {
    const worker = handle(fixtureModel());
    const started = worker.start();
    await worker.stop();
    await assert.rejects(started, (err) => NoDeviceReadyError.is(err));
  });
});
