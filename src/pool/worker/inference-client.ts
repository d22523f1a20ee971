/**
 * The worker main thread's handle on its inference thread: starts it, sends it batches in order,
 * and knows how long the current run has been going — what heartbeats report, so the pool can
 * tell a long batch from a hung one while this thread stays responsive.
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describeError, errorFromCode, InferenceError, type LayoutError } from '../../errors.js';
import type { ModelInfo, PageGeometry, RawOutputs } from '../../model/index.js';
import type { InferenceReply, InferenceRequest, InferenceThreadData } from './inference-thread.js';
import { movableBuffers } from '../../util/transfer.js';

const threadEntry = fileURLToPath(new URL('./inference-thread.js', import.meta.url));

interface PendingRun {
  readonly pages: number;
  readonly resolve: (value: { raw: RawOutputs; runMs: number }) => void;
  readonly reject: (error: LayoutError) => void;
  /** When the thread got to it (runs queue behind each other there), performance.now(). */
  startedAt: number | undefined;
}

export class InferenceClient {
  readonly info: ModelInfo;
  readonly warmupRunMs: number;
  readonly batchOk: boolean;
  readonly #thread: Worker;
  readonly #pending = new Map<number, PendingRun>();
  /** Ids in send order: the thread answers them in this order. */
  readonly #order: number[] = [];
  #nextId = 0;
  #released: Promise<void> | undefined;

  private constructor(thread: Worker, loaded: Extract<InferenceReply, { type: 'loaded' }>) {
    this.#thread = thread;
    this.info = loaded.info;
    this.warmupRunMs = loaded.warmupRunMs;
    this.batchOk = loaded.batchOk;
    thread.on('message', (reply: InferenceReply) => this.#onReply(reply));
  }

  /** Loads the model on a new thread; rejects with the load error (LAYOUT_ERR_MODEL_LOAD, …). */
  static start(data: InferenceThreadData, onFatal: (error: Error) => void): Promise<InferenceClient> {
    const thread = new Worker(threadEntry, { workerData: data });
    return new Promise((resolve, reject) => {
      let client: InferenceClient | undefined;
      thread.once('message', (reply: InferenceReply) => {
        if (reply.type === 'loaded') resolve((client = new InferenceClient(thread, reply)));
        else if (reply.type === 'load-error') reject(errorFromCode(reply.code, reply.message));
      });
      // An exception escaping the thread leaves the device without its session: fatal.
      thread.on('error', (err) => (client ? onFatal(err) : reject(InferenceError(data.device, describeError(err)))));
      thread.on('exit', (code) => {
        if (!client) reject(InferenceError(data.device, `inference thread exited with code ${code} while loading`));
        else if (!client.#released) onFatal(new Error(`inference thread exited with code ${code}`));
      });
    });
  }

  /** Runs one batch after those already sent; `pixels` is transferred (unusable afterwards). */
  run(pixels: Float32Array, geometries: readonly PageGeometry[]): Promise<{ raw: RawOutputs; runMs: number }> {
    const id = ++this.#nextId;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { pages: geometries.length, resolve, reject, startedAt: this.#order.length === 0 ? performance.now() : undefined });
      this.#order.push(id);
      const request: InferenceRequest = { type: 'run', id, pixels, geometries };
      this.#thread.postMessage(request, movableBuffers(pixels));
    });
  }

  /** The run in progress: how long it has been going and its page count; zeros when idle. */
  current(): { runningForMs: number; pages: number } {
    const head = this.#order[0] === undefined ? undefined : this.#pending.get(this.#order[0]);
    if (!head || head.startedAt === undefined) return { runningForMs: 0, pages: 0 };
    return { runningForMs: performance.now() - head.startedAt, pages: head.pages };
  }

  /** Frees the session (and on a GPU its device memory), then ends the thread. Idempotent. */
  release(): Promise<void> {
    this.#released ??= new Promise<void>((resolve) => {
      const done = (): void => void this.#thread.terminate().then(() => resolve(), () => resolve());
      this.#thread.on('message', (reply: InferenceReply) => { if (reply.type === 'released') done(); });
      this.#thread.once('exit', () => resolve());
      this.#thread.postMessage({ type: 'release' } satisfies InferenceRequest);
    });
    return this.#released;
  }

  #onReply(reply: InferenceReply): void {
    if (reply.type !== 'ran' && reply.type !== 'run-error') return;
    const run = this.#pending.get(reply.id);
    if (!run) return;
    this.#pending.delete(reply.id);
    this.#order.splice(this.#order.indexOf(reply.id), 1);
    // The next queued run starts now on the thread.
    const next = this.#order[0] === undefined ? undefined : this.#pending.get(this.#order[0]);
    if (next) next.startedAt = performance.now();
    if (reply.type === 'ran') run.resolve({ raw: reply.raw, runMs: reply.runMs });
    else run.reject(errorFromCode(reply.code, reply.message));
  }
}
