/**
 * Starting a device's worker process: the fork itself, with a temp dir of its own that goes with
 * the process, and the init message that tells it which model and device to load.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { removeTempDirSync, tryOwnedTempDirSync } from '../util/owned-temp.js';
import { maxBatchFor, type DeviceSpec } from './devices.js';
import type { PoolConfig } from './pool-config.js';
import type { ParentMessage } from './protocol.js';
import type { PoolModel, WorkerEntry } from './types.js';

/**
 * Forks the worker program over an IPC channel (advanced serialization: buffers cross as bytes).
 * onnxruntime leaves files in TMPDIR (.ses, debug logs), and a SIGKILLed worker cannot clean up
 * after itself, so each process gets a temp dir that is removed here when it exits.
 */
export function forkWorker(entry: WorkerEntry): ChildProcess {
  const tempDir = tryOwnedTempDirSync('worker');
  const env = tempDir === undefined ? process.env : { ...process.env, TMPDIR: tempDir, TMP: tempDir, TEMP: tempDir };
  const child = fork(entry.path, [...(entry.args ?? [])], { env, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  if (tempDir !== undefined) {
    // Registered first: the dir is gone by the time anyone else hears of the exit.
    child.once('exit', () => removeTempDirSync(tempDir));
    // A fork that never started emits 'error' and no 'exit'.
    child.once('error', () => { if (child.pid === undefined) removeTempDirSync(tempDir); });
  }
  return child;
}

/** What a new worker process loads: the model, its device and threads, and its limits. */
export function initMessage(spec: DeviceSpec, model: PoolModel, config: PoolConfig): ParentMessage {
  return {
    type: 'init',
    modelPath: model.path,
    device: spec.device,
    intraOpNumThreads: spec.intraOpNumThreads,
    prepThreads: spec.prepThreads ?? 1,
    overlapStages: spec.overlapStages ?? true,
    maxPixels: config.maxPixels,
    maxBatch: maxBatchFor(spec.kind, config),
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    nice: spec.nice ?? 0,
  };
}
