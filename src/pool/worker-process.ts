/**
 * Starting a device's worker process: the fork itself, with a temp dir of its own that goes with
 * the process, and the init message that tells it which model and device to load; stopping it
 * (SIGTERM, then SIGKILL), and whether it still runs.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { removeTempDirSync, tryOwnedTempDirSync } from '../util/owned-temp.js';
import { maxBatchFor, type DeviceSpec } from './devices.js';
import type { PoolConfig } from './pool-config.js';
import type { ParentMessage } from './protocol.js';
import type { PoolModel, WorkerEntry } from './types.js';

/** The worker program a device runs unless told otherwise. */
export const WORKER_MAIN = fileURLToPath(new URL('./worker-main.js', import.meta.url));

/**
 * After SIGTERM, a worker gets this long to release its session before SIGKILL, ms. Releasing a
 * CUDA context can take a second; if the worker is wedged, SIGKILL is safe anyway (the driver
 * frees a dead process's device memory).
 */
export const STOP_GRACE_MS = 2_000;

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

/** Neither exited nor killed by a signal (an exited child is only a handle until its 'exit' is handled). */
export function isAlive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/**
 * Stops a live worker and resolves once it has exited: SIGTERM rather than an IPC message (it also
 * reaches a worker whose channel is broken), then SIGKILL if it is still there STOP_GRACE_MS later.
 */
export async function terminate(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (isAlive(child)) child.kill('SIGTERM');
  const killTimer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(killTimer);
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
