/**
 * Entry point of one device worker process (`child_process.fork` of the compiled
 * dist/src/pool/worker-main.js, `serialization: 'advanced'`). It owns one model session and does
 * the pixel work itself (decode, preprocess, run, postprocess), so the pool's process never
 * blocks on images and a native crash here takes down this device only.
 *
 * Heartbeats come from a timer on this process's only thread, and onnxruntime-node's
 * `session.run` blocks that thread for a whole batch. That is deliberate: a worker stuck inside
 * `session.run` stops beating and the pool's watchdog kills it. The price: `watchdogTimeoutMs`
 * must be longer than the slowest batch (maxBatch pages on the slowest device) and than the
 * model load, which also blocks the thread.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BatchItem, LayoutModel } from '../model/index.js';
import { toLayoutError } from '../errors.js';
import type { ParentMessage, WireOutcome, WireTask, WorkerInit, WorkerMessage, WorkerTestHooks } from './protocol.js';

if (!process.send) {
  process.stderr.write('worker-main.js is started by the doclayout pool (child_process.fork), not by hand\n');
  process.exit(2);
}

const MIB = 2 ** 20;

let model: LayoutModel | undefined;
let hooks: WorkerTestHooks = {};
let heartbeat: NodeJS.Timeout | undefined;
let initialized = false;
let exiting = false;
/** The pool sends one batch at a time; a queue keeps order should it ever send more. */
const backlog: Array<{ batchId: number; tasks: readonly WireTask[] }> = [];
let running = false;

function send(message: WorkerMessage, then?: () => void): void {
  if (!process.connected) return;
  process.send!(message, undefined, {}, () => then?.());
}

function beat(): void {
  send({ type: 'heartbeat', rssMb: Math.round(process.memoryUsage.rss() / MIB) });
}

/** TEST-ONLY faults (see WorkerTestHooks); none of them is ever set in production. */
async function applyTestHooks(tasks: readonly WireTask[]): Promise<void> {
  const names = tasks.map((t) => t.name);
  if (hooks.crashOnName !== undefined && names.some((n) => n.includes(hooks.crashOnName!))) {
    process.kill(process.pid, 'SIGSEGV');
  }
  if (hooks.hangOnName !== undefined && names.some((n) => n.includes(hooks.hangOnName!))) {
    // Blocks the thread, as a hung session.run would: no more heartbeats, no CPU burnt.
    for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
  }
  if (hooks.delayMsPerPage) await sleep(hooks.delayMsPerPage * tasks.length);
}

async function init(message: WorkerInit): Promise<void> {
  hooks = message.testHooks ?? {};
  // Beat before loading, so the pool sees a live process from the start.
  heartbeat = setInterval(beat, message.heartbeatIntervalMs);
  beat();
  try {
    // Imported here rather than at the top so the first heartbeat leaves before onnxruntime loads.
    const { loadModel } = await import('../model/pipeline.js');
    model = await loadModel(message.modelPath, { device: message.device, intraOpNumThreads: message.intraOpNumThreads, maxPixels: message.maxPixels });
    // Some exports fail with batch > 1 (MODEL.md): probe once; the pool sends batches of 1 if it fails.
    const batchOk = message.maxBatch > 1 ? await model.probeBatch(2) : false;
    send({ type: 'ready', modelName: model.info.name, batchOk });
  } catch (err) {
    const error = toLayoutError(err);
    // Exit once the pool has the reason: it marks the device failed and does not restart it.
    send({ type: 'init-error', code: error.code, message: error.message }, () => void shutdown(1));
  }
}

async function runBatch(batchId: number, tasks: readonly WireTask[]): Promise<void> {
  await applyTestHooks(tasks);
  const items: BatchItem[] = tasks.map((t) => ({ image: t.bytes, name: t.name, page: t.page, params: t.params }));
  let outcomes: WireOutcome[];
  try {
    const results = await model!.analyzeBatch(items);
    outcomes = results.map((r, i) => {
      const taskId = tasks[i]!.taskId;
      return r.ok ? { taskId, ok: true, result: r.result } : { taskId, ok: false, code: r.error.code, message: r.error.message };
    });
  } catch (err) {
    const error = toLayoutError(err);
    outcomes = tasks.map((t) => ({ taskId: t.taskId, ok: false, code: error.code, message: error.message }));
  }
  send({ type: 'result', batchId, outcomes });
}

async function drainBacklog(): Promise<void> {
  if (running) return;
  running = true;
  while (backlog.length > 0 && !exiting) {
    const next = backlog.shift()!;
    await runBatch(next.batchId, next.tasks);
  }
  running = false;
}

async function shutdown(code: number): Promise<void> {
  if (exiting) return;
  exiting = true;
  clearInterval(heartbeat);
  try {
    // Frees the session's memory (on a GPU, its device memory) before the process goes.
    await model?.release();
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
      if (!model) return;
      backlog.push({ batchId: message.batchId, tasks: message.tasks });
      void drainBacklog();
      return;
  }
});

process.on('SIGTERM', () => void shutdown(0));
// The pool is gone (crashed or killed): never linger as an orphan holding a device.
process.on('disconnect', () => void shutdown(0));
