import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeviceSnapshot } from '../../src/pool/types.js';
import { judgeStatus, type InstanceStatus, type StatusBody } from '../../src/cli/status/instance-status.js';
import { gpuOfDevice, renderTable, statusTable } from '../../src/cli/status/status-table.js';

function device(id: string, overrides: Partial<DeviceSnapshot> = {}): DeviceSnapshot {
  const [kind, ordinal] = id.split(':') as [DeviceSnapshot['kind'], string];
  return {
    index: Number(ordinal), id, kind, serves: 'all', state: 'ready', pid: 100, inflight: 0, completed: 0, failed: 0, restarts: 0,
    ewmaMs: undefined, batchSizes: [], maxBatch: 4, threads: 1, rssMb: undefined, lastError: undefined, ...overrides,
  };
}

function body(devices: DeviceSnapshot[], overrides: Partial<StatusBody> = {}): StatusBody {
  return {
    model: 'PP-DocLayoutV3', state: 'ready', queueDepth: 3, maxQueue: 256, accepted: 10, completed: 9, failed: 0, rejected: 0, timedOut: 0,
    aborted: 0, retried: 0, devices, gpus: [], uptimeSeconds: 4000, version: '0.1.0', throughput: { pagesPerSec: 12.5 },
    latencyMs: { p50: 40, p95: 120.4, p99: null }, ...overrides,
  };
}

function instance(url: string, status: StatusBody | undefined, problem?: string): InstanceStatus {
  const why = status ? judgeStatus(status) : problem;
  return { url, up: status !== undefined, healthy: status !== undefined && why === undefined, problem: why, status };
}

test('healthy means ready, not draining, and at least one device ready or busy', () => {
  assert.equal(judgeStatus(body([device('cuda:0', { state: 'busy' }), device('cuda:1', { state: 'failed' })])), undefined);
  assert.equal(judgeStatus(body([device('cuda:0')], { draining: true })), 'draining');
  assert.equal(judgeStatus(body([device('cuda:0')], { state: 'starting' })), 'pool starting');
  assert.match(judgeStatus(body([device('cuda:0', { state: 'restarting' }), device('cuda:1', { state: 'failed' })]))!, /no device ready \(cuda:0 restarting, cuda:1 failed\)/);
  assert.match(judgeStatus(body([]))!, /no devices/);
});

test('a CUDA device shows the figures of the GPU with its ordinal; CPU devices show none', () => {
  const gpus = [
    { index: 0, name: 'A', utilizationPct: 10, memoryUsedMb: 1, memoryTotalMb: 2, temperatureC: 30 },
    { index: 1, name: 'B', utilizationPct: 90, memoryUsedMb: 3, memoryTotalMb: 4, temperatureC: 70 },
  ];
  assert.equal(gpuOfDevice(device('cuda:1'), gpus)?.name, 'B');
  assert.equal(gpuOfDevice(device('cpu:0'), gpus), undefined);
  assert.equal(gpuOfDevice(device('cuda:5'), gpus), undefined);
});

test('the table lists every instance and device with load, latency, restarts and GPU figures', () => {
  const gpu = { index: 1, name: 'NVIDIA L4', utilizationPct: 87, memoryUsedMb: 5120, memoryTotalMb: 23034, temperatureC: 66 };
  const up = instance('http://a:8000', body([device('cuda:1', { inflight: 3, completed: 500, restarts: 2, ewmaMs: 21.44 })], { gpus: [gpu] }));
  const down = instance('http://b:8000', undefined, 'ECONNREFUSED');
  const text = statusTable([up, down], new Date('2026-01-02T03:04:05Z'));
  assert.match(text, /^doclayout status {2}2026-01-02T03:04:05\.000Z {2}1\/2 instance\(s\) healthy$/m);
  const lines = text.split('\n');
  const a = lines.find((l) => l.startsWith('http://a:8000') && l.includes('ready') && !l.includes('cuda'))!;
  assert.match(a, /1\/1\s+3\/256\s+12\.50\s+40 ms\s+120 ms\s+2\s+67m\s+0\.1\.0/);
  assert.match(lines.find((l) => l.startsWith('http://b:8000'))!, /DOWN: ECONNREFUSED/);
  const d = lines.find((l) => l.includes('cuda:1'))!;
  assert.match(d, /cuda:1\s+ready\s+3\s+500\s+0\s+2\s+21\.4\s+87%\s+5120\/23034 MB\s+66°C/);
});

test('unknown figures (null, NaN) print as "-", and a draining instance says so in its state', () => {
  const gpu = { index: 0, name: 'MIG', utilizationPct: Number.NaN, memoryUsedMb: 13, memoryTotalMb: 40960, temperatureC: 32 };
  const draining = instance('http://c:8000', body([device('cuda:0')], { draining: true, gpus: [gpu], latencyMs: { p50: null, p95: null, p99: null } }));
  const text = statusTable([draining]);
  const row = text.split('\n').find((l) => l.startsWith('http://c:8000') && !l.includes('cuda'))!;
  assert.match(row, /READY: draining/);
  assert.match(row, /12\.50\s+-\s+-\s+0/);
  assert.match(text.split('\n').find((l) => l.includes('cuda:0'))!, /\s-\s+13\/40960 MB/);
});

test('columns are aligned: numbers right, text left', () => {
  const table = renderTable([{ title: 'NAME' }, { title: 'N', right: true }], [['a', '5'], ['long-name', '1234']]);
  assert.equal(table, 'NAME          N\na             5\nlong-name  1234');
});
