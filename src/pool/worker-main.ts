/**
 * Entry point of one device worker process (`child_process.fork` of the compiled
 * dist/src/pool/worker-main.js, `serialization: 'advanced'`). The process does all the pixel work
 * of its device, so the pool's process never blocks on images and a native crash here takes down
 * this device only. Inside it, three kinds of thread:
 *   - this main thread: IPC with the pool and heartbeats, nothing heavy;
 *   - the inference thread (worker/inference-thread.ts): the model session, session.run only;
 *   - the prep threads (pipeline/prep-pool.ts): decode, PDF render, resize, post-process, overlays.
 * The page pipeline (pipeline/batch-pipeline.ts) joins them so the next batch is prepared while one runs.
 *
 * Heartbeats come from this thread, which a running batch never blocks: a silent worker is a
 * wedged process (the watchdog kills it), and each beat says how long the current inference has
 * been running, so the pool catches a hung run by its own limit (maxRunMs) within seconds.
 *
 * Run as a program, it serves as is. A test fixture that crashes or hangs imports runWorker and
 * passes its seams; the pool forks that fixture instead (PoolOptions.workerEntry).
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeError, toLayoutError } from '../errors.js';
import { BatchPipeline, PrepPool, type PipelineDevice, type StageRunner } from '../pipeline/index.js';
import { startTracing, stopTracing } from '../tracing/index.js';
import { InferenceClient } from './worker/inference-client.js';
import { lowerPriority } from './worker/lower-priority.js';
import type { ParentMessage, WireTask, WorkerInit, WorkerMessage } from './protocol.js';

/** Where a worker program other than this one may step in. */
export interface WorkerSeams {
  /** Sees each batch as it arrives, before the pipeline does. */
  readonly onBatch?: (batchId: number, tasks: readonly WireTask[]) => void;
  /** Stands in front of the loaded model: what the pipeline runs and the heartbeats report. */
  readonly wrapDevice?: (device: PipelineDevice) => PipelineDevice;
  /**
   * Where the CPU stages run and whether batches overlap; default: `prepThreads` prep threads,
   * overlapping as the pool says. (bench/ keeps the serial worker of before the pipeline this way.)
   */
  readonly stages?: (init: WorkerInit) => { readonly stages: StageRunner; readonly overlap: boolean };
}

const MIB = 2 ** 20;
/**
 * Once the pool is gone, how long the cleanup may take before the process exits anyway: an orphan
 * must not hold its device (a GPU's memory) because a thread's close or the session's release hangs.
 */
const ORPHAN_EXIT_MS = 1000;

export function runWorker(seams: WorkerSeams = {}): void {
  if (!process.send) {
    process.stderr.write('worker-main.js is started by the doclayout pool (child_process.fork), not by hand\n');
    process.exit(2);
  }
  let inference: InferenceClient | undefined;
  let device: PipelineDevice | undefined;
  let prep: StageRunner | undefined;
  let pipeline: BatchPipeline | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let initialized = false;
  let exiting = false;

  const send = (message: WorkerMessage, then?: () => void): void => {
    if (!process.connected) return;
    process.send!(message, undefined, {}, () => then?.());
  };

  const beat = (): void => {
    const run = device?.current() ?? { runningForMs: 0, pages: 0 };
    send({ type: 'heartbeat', rssMb: Math.round(process.memoryUsage.rss() / MIB), runningForMs: Math.round(run.runningForMs), runPages: run.pages });
  };

  const init = async (message: WorkerInit): Promise<void> => {
    // Before any thread of the model or the stages exists, so that they all inherit it.
    if (message.nice > 0) lowerPriority(message.nice);
    // Beats start before the model loads (on the inference thread), so the pool sees a live process.
    heartbeat = setInterval(beat, message.heartbeatIntervalMs);
    beat();
    try {
      // The pool's OTEL_* env is inherited: this process exports its pages' spans itself.
      await startTracing('device-worker').catch((err: unknown) => process.stderr.write(`doclayout worker ${message.device}: tracing off: ${describeError(err)}\n`));
      const client = await InferenceClient.start(
        { modelPath: message.modelPath, device: message.device, intraOpNumThreads: message.intraOpNumThreads, maxBatch: message.maxBatch },
        // The session's thread died under us: exit, the pool restarts the device and re-queues.
        (err) => {
          process.stderr.write(`doclayout worker ${message.device}: inference thread failed: ${describeError(err)}\n`);
          void shutdown(70);
        },
      );
      inference = client;
      const loaded: PipelineDevice = { info: client.info, run: (pixels, geometries) => client.run(pixels, geometries), current: () => client.current() };
      device = seams.wrapDevice?.(loaded) ?? loaded;
      const staging = seams.stages?.(message) ?? { stages: new PrepPool(message.prepThreads), overlap: message.overlapStages };
      prep = staging.stages;
      pipeline = new BatchPipeline({
        stages: staging.stages,
        inference: device,
        maxPixels: message.maxPixels,
        overlap: staging.overlap,
        deviceName: message.device,
        onRunStarted: (batchId) => send({ type: 'run-started', batchId }),
        onResult: (batchId, outcomes, runMs) => send({ type: 'result', batchId, outcomes, runMs }),
      });
      send({ type: 'ready', modelName: client.info.name, batchOk: client.batchOk, lookahead: pipeline.lookahead, warmupRunMs: client.warmupRunMs, rssMb: Math.round(process.memoryUsage.rss() / MIB) });
    } catch (err) {
      const error = toLayoutError(err);
      // Exit once the pool has the reason: it marks the device failed and does not restart it.
      send({ type: 'init-error', code: error.code, message: error.message }, () => void shutdown(1));
    }
  };

  const shutdown = async (code: number, hardExitMs?: number): Promise<void> => {
    if (exiting) return;
    exiting = true;
    clearInterval(heartbeat);
    // Unref'd: a cleanup that finishes (or leaves nothing running) ends the process first.
    if (hardExitMs !== undefined) setTimeout(() => process.exit(code), hardExitMs).unref();
    try {
      await prep?.close();
      // Frees the session's memory (on a GPU, its device memory) before the process goes.
      await inference?.release();
      await stopTracing(1_000);
    } finally {
      process.exit(code);
    }
  };

  process.on('message', (message: ParentMessage) => {
    if (exiting || typeof message !== 'object' || message === null) return;
    switch (message.type) {
      case 'init':
        if (initialized) return;
        initialized = true;
        void init(message);
        return;
      case 'run-batch':
        if (!pipeline) return;
        seams.onBatch?.(message.batchId, message.tasks);
        pipeline.submit(message.batchId, message.tasks, message.priority ?? 'batch');
        return;
    }
  });

  process.on('SIGTERM', () => void shutdown(0));
  // The pool is gone (crashed or killed): never linger as an orphan holding a device.
  process.on('disconnect', () => void shutdown(0, ORPHAN_EXIT_MS));
}

// Forked as the program itself (not imported by another worker program): serve.
if (process.argv[1] && fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url))) runWorker();
