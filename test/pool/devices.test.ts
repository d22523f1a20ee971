import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, it } from 'node:test';
import { InvalidParamError } from '../../src/errors.js';
import { parseDevices, parseNvidiaSmiList, splitThreads, visibleGpuCount } from '../../src/pool/devices.js';

const smi = [
  'GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-aaaa1111-0000-0000-0000-000000000000)',
  'GPU 1: NVIDIA H100 80GB HBM3 (UUID: GPU-bbbb2222-0000-0000-0000-000000000000)',
  '  MIG 1g.10gb      Device  0: (UUID: MIG-cccc3333-0000-0000-0000-000000000000)',
  'GPU 2: NVIDIA H100 80GB HBM3 (UUID: GPU-dddd4444-0000-0000-0000-000000000000)',
  '',
].join('\n');

describe('device list parsing', () => {
  it('reads GPU indexes and UUIDs from nvidia-smi -L and skips MIG lines', () => {
    const gpus = parseNvidiaSmiList(smi);
    assert.deepEqual(gpus.map((g) => g.index), [0, 1, 2]);
    assert.equal(gpus[1]!.uuid, 'GPU-bbbb2222-0000-0000-0000-000000000000');
    assert.deepEqual(parseNvidiaSmiList('No devices were found\n'), []);
  });

  it('counts the GPUs CUDA_VISIBLE_DEVICES leaves visible, as the CUDA runtime does', () => {
    const gpus = parseNvidiaSmiList(smi);
    assert.equal(visibleGpuCount(gpus, undefined), 3);
    assert.equal(visibleGpuCount(gpus, ''), 0);
    assert.equal(visibleGpuCount(gpus, '2,0'), 2);
    assert.equal(visibleGpuCount(gpus, 'GPU-bbbb'), 1);
    // An entry that matches no GPU hides itself and everything after it.
    assert.equal(visibleGpuCount(gpus, '0,7,1'), 1);
    assert.equal(visibleGpuCount(gpus, '-1'), 0);
  });

  it('auto uses every visible GPU and falls back to one CPU worker', () => {
    assert.deepEqual(parseDevices('auto', 4, () => [0, 1]).map((d) => d.id), ['cuda:0', 'cuda:1']);
    const cpu = parseDevices('auto', 4, () => []);
    assert.deepEqual(cpu.map((d) => [d.id, d.device, d.kind, d.intraOpNumThreads]), [['cpu:0', 'cpu', 'cpu', 4]]);
  });

  it('splits the CPU threads over cpu:N workers, at least one each', () => {
    assert.deepEqual(parseDevices('cpu:2', 5).map((d) => d.intraOpNumThreads), [3, 2]);
    assert.deepEqual(parseDevices('cpu:3', 2).map((d) => d.intraOpNumThreads), [1, 1, 1]);
    assert.deepEqual(parseDevices('cpu', 0).map((d) => d.intraOpNumThreads), [os.availableParallelism()]);
    assert.deepEqual(splitThreads(7, 3), [3, 2, 2]);
  });

  it('takes GPU indexes, named devices and mixed lists', () => {
    assert.deepEqual(parseDevices('0,1,3', 2).map((d) => d.device), ['cuda:0', 'cuda:1', 'cuda:3']);
    assert.deepEqual(parseDevices('cuda:0, cuda:2', 2).map((d) => d.id), ['cuda:0', 'cuda:2']);
    assert.deepEqual(parseDevices('webgpu:0,tensorrt:1', 2).map((d) => [d.kind, d.device]), [['webgpu', 'webgpu:0'], ['tensorrt', 'tensorrt:1']]);
    assert.deepEqual(parseDevices('cuda:0,cpu:2', 2).map((d) => [d.id, d.intraOpNumThreads]), [['cuda:0', 1], ['cpu:0', 1], ['cpu:1', 1]]);
  });

  it('rejects bad specs with InvalidParamError naming the option', () => {
    for (const spec of ['gpu', 'cpu:0', 'cuda:x', 'cuda:1,cuda:1', '', ' , ', 'cpu:9999']) {
      assert.throws(() => parseDevices(spec, 2), (err: unknown) => InvalidParamError.is(err) && /devices/.test((err as Error).message), spec);
    }
  });
});

describe('batch limit per device', () => {
  it('auto (0) feeds CPU workers one page at a time and GPUs batches of 4', async () => {
    const { maxBatchFor } = await import('../../src/pool/devices.js');
    assert.equal(maxBatchFor('cpu', { maxBatch: 0 }), 1);
    assert.equal(maxBatchFor('cuda', { maxBatch: 0 }), 4);
    assert.equal(maxBatchFor('cpu', { maxBatch: 6 }), 6);
    assert.equal(maxBatchFor('cuda', { maxBatch: 16 }), 16, 'maxBatch is the one per-device limit');
  });
});

describe('prep threads per device worker', () => {
  it('auto gives each device the cores inference leaves free, 1 to 8 each', async () => {
    const { prepThreadsFor } = await import('../../src/pool/devices.js');
    const detect = () => [0, 1];
    // 2 cores, one CPU device with one intra-op thread: one core left.
    assert.equal(prepThreadsFor('auto', parseDevices('cpu', 1), 2), 1);
    // Every core to inference still leaves each device one prep thread.
    assert.equal(prepThreadsFor('auto', parseDevices('cpu:2', 0), 2), 1);
    // Two GPUs on 16 cores: one core each feeds its GPU, 14 shared, capped at 8.
    assert.equal(prepThreadsFor('auto', parseDevices('auto', 0, detect), 16), 7);
    assert.equal(prepThreadsFor('auto', parseDevices('cuda:0', 0), 64), 8);
    assert.throws(() => prepThreadsFor('0', parseDevices('cpu', 1), 2), (err: unknown) => InvalidParamError.is(err) && /at least 1/.test(err.message), '0 is no longer a production setting');
    assert.equal(prepThreadsFor('3', parseDevices('cpu', 1), 2), 3);
  });

  it('overlaps the stages with inference only where a core is left over, unless told a thread count', async () => {
    const { overlapStagesFor } = await import('../../src/pool/devices.js');
    assert.equal(overlapStagesFor('auto', parseDevices('cpu', 1), 2), true, 'one intra-op thread on 2 cores');
    assert.equal(overlapStagesFor('auto', parseDevices('cpu', 2), 2), false, 'intra-op threads fill the machine');
    assert.equal(overlapStagesFor('auto', parseDevices('cpu:2', 0), 2), false);
    assert.equal(overlapStagesFor('auto', parseDevices('cuda:0', 0), 16), true);
    assert.equal(overlapStagesFor('2', parseDevices('cpu', 2), 2), true, 'an explicit count overlaps');
  });

  it('the option takes auto or a whole number and names itself when wrong', async () => {
    const { resolveConfig } = await import('../../src/config.js');
    assert.equal(resolveConfig({}, {}).prepThreads, 'auto');
    assert.equal(resolveConfig({}, { DOCLAYOUT_PREP_THREADS: '2' }).prepThreads, '2');
    assert.throws(() => resolveConfig({ prepThreads: 'two' }, {}), (err: unknown) => InvalidParamError.is(err) && /prepThreads/.test(err.message));
    assert.throws(() => resolveConfig({ prepThreads: '-1' }, {}), (err: unknown) => InvalidParamError.is(err));
    assert.throws(() => resolveConfig({ prepThreads: '0' }, {}), (err: unknown) => InvalidParamError.is(err) && /at least 1/.test(err.message), '--prep-threads 0 is refused');
  });
});
