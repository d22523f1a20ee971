import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NVIDIA_SMI_ARGS, parseNvidiaSmiCsv } from '../../src/telemetry/nvidia-smi-csv.js';
import { A100_MIG, CONSUMER, H100_NODE, OLD_DRIVER } from './nvidia-smi-samples.js';

test('asks nvidia-smi for exactly the fields the parser reads, as CSV without header or units', () => {
  assert.deepEqual(NVIDIA_SMI_ARGS, [
    '--query-gpu=index,name,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw',
    '--format=csv,noheader,nounits',
  ]);
});

test('parses every GPU of an 8-GPU node with all figures', () => {
  const gpus = parseNvidiaSmiCsv(H100_NODE);
  assert.equal(gpus.length, 8);
  assert.deepEqual(gpus.map((g) => g.index), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(gpus[0], { index: 0, name: 'NVIDIA H100 80GB HBM3', utilizationPct: 97, memoryUsedMb: 61234, memoryTotalMb: 81559, temperatureC: 64, powerW: 612.48 });
  assert.equal(gpus[6]!.utilizationPct, 100);
  assert.equal(gpus[2]!.memoryUsedMb, 4);
});

test('a figure reported as [N/A] becomes NaN and keeps the GPU (MIG mode)', () => {
  const gpus = parseNvidiaSmiCsv(A100_MIG);
  assert.equal(gpus.length, 2);
  assert.ok(Number.isNaN(gpus[0]!.utilizationPct));
  assert.equal(gpus[0]!.memoryTotalMb, 40960);
  assert.equal(gpus[0]!.powerW, 52.64);
  assert.equal(gpus[1]!.utilizationPct, 41);
});

test('power draw that is [N/A] or [Not Supported] is left out; CRLF lines parse', () => {
  const gpus = parseNvidiaSmiCsv(CONSUMER);
  assert.equal(gpus.length, 2);
  assert.equal(gpus[0]!.name, 'NVIDIA GeForce RTX 3060 Laptop GPU');
  assert.equal('powerW' in gpus[0]!, false);
  assert.equal('powerW' in gpus[1]!, false);
  assert.equal(gpus[1]!.temperatureC, 38);
});

test('N/A without brackets (old drivers) is treated as missing', () => {
  const [gpu] = parseNvidiaSmiCsv(OLD_DRIVER);
  assert.deepEqual(gpu, { index: 0, name: 'Tesla K80', utilizationPct: 0, memoryUsedMb: 0, memoryTotalMb: 11441, temperatureC: 29 });
});

test('a GPU name containing commas is kept whole', () => {
  const [gpu] = parseNvidiaSmiCsv('3, Board, rev 2, 50, 100, 200, 40, 75.5\n');
  assert.equal(gpu!.name, 'Board, rev 2');
  assert.equal(gpu!.index, 3);
  assert.equal(gpu!.powerW, 75.5);
});

test('empty output, error text and short lines yield no GPUs instead of garbage', () => {
  assert.deepEqual(parseNvidiaSmiCsv(''), []);
  assert.deepEqual(parseNvidiaSmiCsv('\n\n'), []);
  assert.deepEqual(parseNvidiaSmiCsv("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n"), []);
  assert.deepEqual(parseNvidiaSmiCsv('0, only, three\n'), []);
});

test('rows are returned in index order whatever order they were printed in', () => {
  const gpus = parseNvidiaSmiCsv('1, B, 1, 1, 2, 30, 10\n0, A, 2, 1, 2, 31, 11\n');
  assert.deepEqual(gpus.map((g) => g.name), ['A', 'B']);
});
