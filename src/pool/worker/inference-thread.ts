/**
 * Entry of a device worker's inference thread: it owns the model session and does nothing but
 * session.run, one batch after another. onnxruntime-node runs a session synchronously on the
 * calling thread, so running it here keeps the worker's main thread free to answer IPC and
 * send heartbeats during a long batch. Pixels arrive and outputs leave by transfer, not copy.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { toLayoutError } from '../../errors.js';
import { openSession, type LayoutSession, type ModelInfo, type PageGeometry, type RawOutputs } from '../../model/index.js';
import { blankPages, probeBatch } from '../../pipeline/index.js';
import { movableBuffers } from '../../util/transfer.js';

export interface InferenceThreadData {
  readonly modelPath: string;
  readonly device: string;
  readonly intraOpNumThreads: number;
  readonly maxBatch: number;
}

export type InferenceRequest =
  | { readonly type: 'run'; readonly id: number; readonly pixels: Float32Array; readonly geometries: readonly PageGeometry[] }
  | { readonly type: 'release' };

export type InferenceReply =
  | { readonly type: 'loaded'; readonly info: ModelInfo; readonly warmupRunMs: number; readonly batchOk: boolean }
  | { readonly type: 'load-error'; readonly code: string; readonly message: string }
  | { readonly type: 'ran'; readonly id: number; readonly raw: RawOutputs; readonly runMs: number }
  | { readonly type: 'run-error'; readonly id: number; readonly code: string; readonly message: string }
  | { readonly type: 'released' };

const port = parentPort!;
const options = workerData as InferenceThreadData;

async function load(): Promise<LayoutSession | undefined> {
  try {
    const session = await openSession(options.modelPath, { device: options.device, intraOpNumThreads: options.intraOpNumThreads });
    // One blank page first: onnxruntime sizes its memory arena on the first run, and its time
    // seeds the pool's limit on how long a run may take before it counts as hung.
    const blank = blankPages(session.info, 1);
    const start = performance.now();
    await session.run(blank.pixels, blank.geometries);
    const warmupRunMs = performance.now() - start;
    const batchOk = options.maxBatch > 1 ? await probeBatch(session) : false;
    port.postMessage({ type: 'loaded', info: session.info, warmupRunMs, batchOk } satisfies InferenceReply);
    return session;
  } catch (err) {
    const error = toLayoutError(err);
    port.postMessage({ type: 'load-error', code: error.code, message: error.message } satisfies InferenceReply);
    return undefined;
  }
}

const ready = load();
let queue: Promise<void> = Promise.resolve();

async function handle(session: LayoutSession | undefined, request: InferenceRequest): Promise<void> {
  if (request.type === 'release') {
    await session?.release();
    port.postMessage({ type: 'released' } satisfies InferenceReply);
    return;
  }
  if (!session) return;
  const start = performance.now();
  try {
    const raw = await session.run(request.pixels, request.geometries);
    const reply: InferenceReply = { type: 'ran', id: request.id, raw, runMs: performance.now() - start };
    port.postMessage(reply, movableBuffers(raw.detections, raw.masks));
  } catch (err) {
    const error = toLayoutError(err);
    port.postMessage({ type: 'run-error', id: request.id, code: error.code, message: error.message } satisfies InferenceReply);
  }
}

port.on('message', (request: InferenceRequest) => {
  // One run at a time, in arrival order: the session is the device.
  queue = queue.then(async () => handle(await ready, request));
});
