/**
 * GPU figures in /v1/status and /metrics, from the real telemetry module polling a stand-in
 * `nvidia-smi` (a script printing what the real tool prints), since test hosts have no GPU.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer, createServiceState } from '../../src/server/index.js';
import { createGpuTelemetry, type GpuTelemetry } from '../../src/telemetry/gpu.js';
import { writeFixtureModel } from '../fixtures/fixture-model.js';
import { json, testConfig } from './helpers.js';

const skip = process.platform === 'win32' ? 'needs a POSIX shell for the stand-in nvidia-smi' : false;

describe('GPU telemetry in /v1/status and /metrics', { skip, timeout: 60_000 }, () => {
  let dir: string;
  let telemetry: GpuTelemetry;
  let app: FastifyInstance;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-smi-'));
    const script = path.join(dir, 'nvidia-smi');
    // Two GPUs; the second under MIG (no utilisation) and without power readings.
    fs.writeFileSync(script, '#!/bin/sh\necho "0, NVIDIA H100 80GB HBM3, 37, 20480, 81559, 45, 120.50"\necho "1, NVIDIA H100 80GB HBM3, [N/A], 1024, 81559, 40, [N/A]"\n', { mode: 0o755 });
    telemetry = createGpuTelemetry({ intervalMs: 3_600_000, command: script });
    await telemetry.refresh();
    const config = testConfig();
    const state = await createServiceState({ config, modelPath: writeFixtureModel({ variant: 'v3' }) });
    app = await buildServer({ state, gpuTelemetry: telemetry });
  });
  after(async () => {
    await app?.close();
    telemetry?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('/v1/status lists the GPUs (unknown figures as null)', async () => {
    const body = json<{ gpus: Array<Record<string, unknown>> }>((await app.inject({ method: 'GET', url: '/v1/status' })).body);
    assert.equal(body.gpus.length, 2);
    assert.deepEqual(body.gpus[0], { index: 0, name: 'NVIDIA H100 80GB HBM3', utilizationPct: 37, memoryUsedMb: 20480, memoryTotalMb: 81559, temperatureC: 45, powerW: 120.5 });
    assert.equal(body.gpus[1]!.utilizationPct, null);
  });

  it('/metrics has utilisation, memory, temperature and power per GPU', async () => {
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    const label = (gpu: number) => `{gpu="${gpu}",name="NVIDIA H100 80GB HBM3"}`;
    assert.ok(text.includes(`doclayout_gpu_utilization_ratio${label(0)} 0.37`), text);
    // Unknown is NaN (prom-client writes "Nan"; Prometheus parses NaN case-insensitively).
    assert.match(text, /^doclayout_gpu_utilization_ratio\{gpu="1",[^}]*\} nan$/im);
    assert.ok(text.includes(`doclayout_gpu_memory_used_bytes${label(0)} ${20480 * 1024 * 1024}`));
    assert.ok(text.includes(`doclayout_gpu_memory_total_bytes${label(1)} ${81559 * 1024 * 1024}`));
    assert.ok(text.includes(`doclayout_gpu_temperature_celsius${label(0)} 45`));
    assert.ok(text.includes(`doclayout_gpu_power_watts${label(0)} 120.5`));
    assert.ok(!text.includes(`doclayout_gpu_power_watts${label(1)}`));
  });
});
