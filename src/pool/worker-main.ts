/**
 * Entry point of one device worker process (`child_process.fork` of the compiled
 * dist/src/pool/worker-main.js, `serialization: 'advanced'`). The process does all the pixel work
 * of its device, so the pool's process never blocks on images and a native crash here takes down
 * this device only. Inside it, three kinds of thread:
 *   - this main thread: IPC with the pool and heartbeats, nothing heavy;
 *   - the inference thread (worker/inference-thread.ts): the model session, session.run only;
 *   - the prep threads (worker/prep-pool.ts): decode, PDF render, resize, post-process, overlays.
 * worker/batch-pipeline.ts joins them so the next batch is prepared while one runs.
 *
 * Heartbeats come from this thread, which a running batch never blocks: a silent worker is a
 * wedged process (the watchdog kills it), and each beat says how long the current inference has
 * been running, so the pool catches a hung run by its own limit (maxRunMs) within seconds.
 */
import { toLayoutError } from '../errors.js';
import { BatchPipeline } from './worker/batch-pipeline.js';
import { InferenceClient } from './worker/inference-client.js';
import { PrepPool } from './worker/prep-pool.js';
import type { ParentMessage, WireTask, WorkerInit, WorkerMessage, WorkerTestHooks } from './protocol.js';

if (!process.send) {
  process.stderr.write('worker-main.js is started by the doclayout pool (child_process.fork), not by hand\n');
  process.exit(2);
}

const MIB = 2 ** 20;

let inference: InferenceClient | undefined;
let prep: PrepPool | undefined;
let pipeline: BatchPipeline | undefined;
let hooks: WorkerTestHooks = {};
let heartbeat: NodeJS.Timeout | undefined;
let initialized = false;
let exiting = false;

function send(message: WorkerMessage, then?: () => void): void {
  if (!process.connected) return;
  process.send!(message, undefined, {}, () => then?.());
}

function beat(): void {
  const run = inference?.current() ?? { runningForMs: 0, pages: 0 };
  send({ type: 'heartbeat', rssMb: Math.round(process.memoryUsage.rss() / MIB), runningForMs: Math.round(run.runningForMs), runPages: run.pages });
}

/** TEST-ONLY faults of the main thread (see WorkerTestHooks); none is ever set in production. */
function applyTestHooks(tasks: readonly WireTask[]): void {
  const names = tasks.map((t) => t.name);
  if (hooks.crashOnName !== undefined && names.some((n) => n.includes(hooks.crashOnName!))) {
    process.kill(process.pid, 'SIGSEGV');
  }
  if (hooks.hangOnName !== undefined && names.some((n) => n.includes(hooks.hangOnName!))) {
    // Blocks this thread, as a wedged process would: no more heartbeats, no CPU burnt.
    for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
  }
}

async function init(message: WorkerInit): Promise<void> {
  hooks = message.testHooks ?? {};
  // Beats start before the model loads (on the inference thread), so the pool sees a live process.
  heartbeat = setInterval(beat, message.heartbeatIntervalMs);
  beat();
  try {
    inference = await InferenceClient.start(
      { modelPath: message.modelPath, device: message.device, intraOpNumThreads: message.intraOpNumThreads, maxBatch: message.maxBatch },
      // The session's thread died under us: exit, the pool restarts the device and re-queues.
      (err) => {
        process.stderr.write(`doclayout worker ${message.device}: inference thread failed: ${err.message}\n`);
        void shutdown(70);
      },
    );
    prep = new PrepPool(message.prepThreads);
    pipeline = new BatchPipeline({
      prep,
      inference,
      maxPixels: message.maxPixels,
      overlap: message.overlapStages,
      hooks,
      onRunStarted: (batchId) => send({ type: 'run-started', batchId }),
      onResult: (batchId, outcomes, runMs) => send({ type: 'result', batchId, outcomes, runMs }),
    });
    send({ type: 'ready', modelName: inference.info.name, batchOk: inference.batchOk, lookahead: pipeline.lookahead, warmupRunMs: inference.warmupRunMs });
  } catch (err) {
    const error = toLayoutError(err);
    // Exit once the pool has the reason: it marks the device failed and does not restart it.
    send({ type: 'init-error', code: error.code, message: error.message }, () => void shutdown(1));
  }
}

async function shutdown(code: number): Promise<void> {
  if (exiting) return;
  exiting = true;
  clearInterval(heartbeat);
  try {
    await prep?.close();
    // Frees the session's memory (on a GPU, its device memory) before the process goes.
    await inference?.release();
  } finally {
    process.exit(code);
  }
}

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
      applyTestHooks(message.tasks);
      pipeline.submit(message.batchId, message.tasks);
      return;
  }
});

process.on('SIGTERM', () => void shutdown(0));
// The pool is gone (crashed or killed): never linger as an orphan holding a device.
process.on('disconnect', () => void shutdown(0));
