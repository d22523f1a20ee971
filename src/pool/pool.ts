/**
 * The device pool: one worker process per device, one bounded admission queue, speed-weighted
 * least-outstanding dispatch, dynamic batching, deadlines and aborts, and recovery — a worker
 * that dies has its batch re-queued at the front for the others, so every accepted request is
 * answered exactly once.
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Config } from '../config.js';
import {
  AbortedError, DeadlineExceededError, errorFromCode, InvalidParamError, NoDeviceReadyError, PoolClosedError, QueueFullError,
  RetriesExhaustedError, type LayoutError,
} from '../errors.js';
import type { LayoutParams } from '../model/index.js';
import { maxBatchFor, parseDevices, prepThreadsFor, type DeviceSpec } from './devices.js';
import { Dispatcher } from './dispatcher.js';
import type { PageSource, WireOutcome, WorkerTestHooks } from './protocol.js';
import { TaskQueue } from './task-queue.js';
import type { DeviceSnapshot, LayoutPool, PoolEvents, PoolInput, PoolResult, PoolSnapshot, PoolTaskOptions } from './types.js';
import { WorkerHandle } from './worker-handle.js';

export interface PoolOptions {
  readonly config: Config;
  readonly modelPath: string;
  /** Overrides config.devices with explicit specs (tests, embedding). */
  readonly devices?: readonly DeviceSpec[];
  /** Test-only worker behaviour, by device index. */
  readonly testHooks?: Readonly<Record<number, WorkerTestHooks>>;
}

interface PoolTask {
  readonly id: string;
  readonly input: PoolInput;
  readonly params: Partial<LayoutParams>;
  readonly enqueuedAt: number;
  readonly resolve: (result: PoolResult) => void;
  readonly reject: (error: LayoutError) => void;
  dispatchedAt: number;
  attempts: number;
  settled: boolean;
  queued: boolean;
  cleanup: () => void;
}

interface DeviceStats {
  completed: number;
  failed: number;
  batchSizes: number[];
  reloading: boolean;
}

interface Batch {
  readonly handle: WorkerHandle;
  readonly tasks: PoolTask[];
  readonly sentAt: number;
}

let taskCounter = 0;

function pageSource(input: PoolInput): PageSource {
  return input.pdf ? { kind: 'pdf', ...input.pdf } : { kind: 'image', bytes: input.bytes };
}
/** The largest delay setTimeout honours, ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class DevicePool extends EventEmitter implements LayoutPool {
  readonly #config: Config;
  readonly #handles: WorkerHandle[];
  readonly #stats: DeviceStats[];
  readonly #queue: TaskQueue<PoolTask>;
  readonly #dispatcher: Dispatcher;
  readonly #batches = new Map<number, Batch>();
  /** When each device last answered a batch, performance.now(). */
  readonly #lastAnswerAt: number[] = [];
  #batchCounter = 0;
  #state: PoolSnapshot['state'] = 'starting';
  #modelName = '';
  #delayTimer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;
  #idleWaiters: Array<() => void> = [];
  #readyWaiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  readonly #emittedStates: Array<DeviceSnapshot['state'] | undefined> = [];
  #reloads: Promise<void> = Promise.resolve();
  #counters = { accepted: 0, completed: 0, failed: 0, rejected: 0, timedOut: 0, aborted: 0, retried: 0 };

  constructor(options: PoolOptions) {
    super();
    this.#config = options.config;
    const parsed = options.devices ?? parseDevices(options.config.devices, options.config.cpuThreads);
    const prepThreads = prepThreadsFor(options.config.prepThreads, parsed);
    const specs = parsed.map((spec) => ({ ...spec, prepThreads: spec.prepThreads ?? prepThreads }));
    this.#queue = new TaskQueue(options.config.maxQueue);
    this.#dispatcher = new Dispatcher(specs.length);
    this.#stats = specs.map((spec) => ({ completed: 0, failed: 0, batchSizes: new Array(maxBatchFor(spec.kind, options.config) + 1).fill(0), reloading: false }));
    this.#handles = specs.map((spec, index) => new WorkerHandle(spec, index, options.modelPath, options.config, {
      onReady: (handle) => this.#onReady(handle),
      onResult: (handle, batchId, outcomes) => this.#onResult(batchId, outcomes),
      onExit: (handle, error, batchIds, _taskIds, planned) => this.#onWorkerExit(handle, error, batchIds, planned),
      onStateChange: (handle, state, reason) => this.#onStateChange(handle, state, reason),
    }, options.testHooks?.[index]));
    for (const handle of this.#handles) handle.start();
  }

  ready(): Promise<void> {
    if (this.#handles.some((h) => h.state === 'ready' || h.state === 'busy')) return Promise.resolve();
    if (this.#allFailed()) return Promise.reject(this.#noDeviceError());
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
  }

  analyze(input: PoolInput, params: Partial<LayoutParams> = {}, options: PoolTaskOptions = {}): Promise<PoolResult> {
    if (this.#state === 'draining' || this.#state === 'closed') return Promise.reject(PoolClosedError());
    if (options.signal?.aborted) {
      this.#counters.aborted += 1;
      return Promise.reject(AbortedError());
    }
    if (this.#allFailed()) return Promise.reject(this.#noDeviceError());
    const timeoutMs = options.timeoutMs ?? this.#config.requestTimeoutMs;
    // setTimeout fires at once for NaN and for anything above 2^31 - 1 ms (~24.8 days).
    if (!(timeoutMs > 0 && timeoutMs <= MAX_TIMER_MS)) {
      return Promise.reject(InvalidParamError('timeoutMs', `expected 1 to ${MAX_TIMER_MS} ms, got ${timeoutMs}`));
    }
    return new Promise<PoolResult>((resolve, reject) => {
      const task: PoolTask = {
        id: `${process.pid}-${++taskCounter}`,
        input,
        params,
        enqueuedAt: performance.now(),
        resolve,
        reject,
        dispatchedAt: 0,
        attempts: 0,
        settled: false,
        queued: true,
        cleanup: () => {},
      };
      if (!this.#queue.push(task)) {
        this.#counters.rejected += 1;
        reject(QueueFullError(this.#queue.size, { details: { retryAfterSeconds: this.#retryAfterSeconds() } }));
        return;
      }
      this.#counters.accepted += 1;
      const timer = setTimeout(() => this.#settle(task, DeadlineExceededError(timeoutMs), undefined, 'timedOut'), timeoutMs);
      const onAbort = (): void => this.#settle(task, AbortedError(), undefined, 'aborted');
      options.signal?.addEventListener('abort', onAbort, { once: true });
      task.cleanup = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      this.#pump();
    });
  }

  snapshot(): PoolSnapshot {
    const devices: DeviceSnapshot[] = this.#handles.map((handle, index) => {
      const stats = this.#stats[index]!;
      return {
        index,
        id: handle.spec.id,
        kind: handle.spec.kind,
        state: stats.reloading && handle.state === 'ready' ? 'draining' : handle.state,
        pid: handle.pid,
        inflight: handle.inflightPages,
        queued: 0,
        completed: stats.completed,
        failed: stats.failed,
        restarts: handle.restarts,
        recycles: handle.recycles,
        ewmaMs: this.#dispatcher.ewma(index),
        batchSizes: [...stats.batchSizes],
        maxBatch: handle.batchOk ? maxBatchFor(handle.spec.kind, this.#config) : 1,
        threads: handle.spec.intraOpNumThreads,
        rssMb: handle.rssMb,
        lastError: handle.lastError,
      };
    });
    return {
      model: this.#modelName,
      state: this.#state,
      queueDepth: this.#queue.size,
      maxQueue: this.#queue.capacity,
      ...this.#counters,
      devices,
    };
  }

  override on<E extends keyof PoolEvents>(event: E, listener: (payload: PoolEvents[E]) => void): this {
    return super.on(event, listener);
  }

  override off<E extends keyof PoolEvents>(event: E, listener: (payload: PoolEvents[E]) => void): this {
    return super.off(event, listener);
  }

  /**
   * One device at a time: stop dispatching to it, let its batch finish, restart it on the new
   * model, wait until it serves, then the next. If the new model fails to load, that device goes
   * back to the model it had and the reload stops with the error, so a bad file never takes the
   * pool down. Calls are serialized.
   */
  reload(modelPath?: string): Promise<void> {
    const run = this.#reloads.then(() => this.#reloadAll(modelPath));
    this.#reloads = run.catch(() => {});
    return run;
  }

  /** A reload racing close() or destroy() must not start workers again. */
  #assertOpen(): void {
    if (this.#state === 'draining' || this.#state === 'closed') throw PoolClosedError();
  }

  async #reloadAll(modelPath: string | undefined): Promise<void> {
    this.#assertOpen();
    for (const [index, handle] of this.#handles.entries()) {
      const wasServing = handle.state !== 'failed';
      if (!wasServing && !modelPath) continue;
      const previousPath = handle.modelPath;
      const stats = this.#stats[index]!;
      stats.reloading = true;
      try {
        while (handle.busy) await this.#nextIdle();
        this.#assertOpen();
        await handle.stop();
        this.#assertOpen();
        if (!(await this.#startAndWait(handle, modelPath)) && wasServing) {
          const error = handle.lastError ? errorFromCode(handle.lastError.code, handle.lastError.message) : NoDeviceReadyError(handle.spec.id);
          this.#assertOpen();
          await this.#startAndWait(handle, previousPath);
          throw error;
        }
      } finally {
        stats.reloading = false;
        this.#pump();
      }
    }
  }

  /** Starts a stopped handle; true once it serves, false if it failed to start or was stopped. */
  #startAndWait(handle: WorkerHandle, modelPath: string | undefined): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const check = (payload: PoolEvents['device-state']): void => {
        if (payload.index !== handle.index || (payload.state !== 'ready' && payload.state !== 'failed' && payload.state !== 'stopped')) return;
        this.off('device-state', check);
        resolve(payload.state === 'ready');
      };
      this.on('device-state', check);
      handle.start(modelPath);
    });
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#state !== 'closed') this.#state = 'draining';
      while (this.#queue.size > 0 || this.#batches.size > 0) {
        if (this.#allFailed()) break;
        await this.#nextIdle();
      }
      this.#state = 'closed';
      clearTimeout(this.#delayTimer);
      await Promise.all(this.#handles.map((h) => h.stop()));
      for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(PoolClosedError());
    })();
    return this.#closing;
  }

  async destroy(err: Error = PoolClosedError()): Promise<void> {
    this.#state = 'closed';
    clearTimeout(this.#delayTimer);
    const error = err as LayoutError;
    for (const task of this.#queue.drain()) this.#settle(task, error);
    for (const batch of this.#batches.values()) for (const task of batch.tasks) this.#settle(task, error);
    this.#batches.clear();
    for (const handle of this.#handles) handle.kill();
    for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(error);
    this.#wakeIdle();
    await Promise.all(this.#handles.map((h) => h.stop()));
  }

  // --- dispatch --------------------------------------------------------------------------------

  #pump(): void {
    if (this.#state === 'closed') return;
    while (this.#queue.size > 0) {
      const alive = this.#handles.filter((h, i) => h.accepting && !this.#stats[i]!.reloading);
      if (alive.length === 0) {
        if (this.#allFailed()) this.#failQueued(this.#noDeviceError());
        return;
      }
      const index = this.#dispatcher.pick(alive.map((h) => ({ index: h.index, outstanding: this.#outstanding(h) })));
      const handle = index === undefined ? undefined : this.#handles[index];
      // The best device is busy: waiting for it beats sending work to a slower one.
      if (!handle || handle.room === 0) return;
      const limit = Math.min(handle.room, handle.batchOk ? maxBatchFor(handle.spec.kind, this.#config) : 1);
      // Dynamic batching: when other work is in flight, give a short batch a moment to fill.
      // An idle pool sends at once, so a lone request sees no added latency.
      if (this.#queue.size < limit && this.#batches.size > 0 && this.#config.maxQueueDelayMs > 0) {
        const waitedMs = performance.now() - this.#queue.peek()!.enqueuedAt;
        if (waitedMs < this.#config.maxQueueDelayMs) {
          clearTimeout(this.#delayTimer);
          this.#delayTimer = setTimeout(() => this.#pump(), this.#config.maxQueueDelayMs - waitedMs + 1);
          return;
        }
      }
      this.#send(handle, this.#queue.take(limit));
    }
  }

  #outstanding(handle: WorkerHandle): number {
    return handle.inflightPages;
  }

  #send(handle: WorkerHandle, tasks: PoolTask[]): void {
    const batchId = ++this.#batchCounter;
    const now = performance.now();
    for (const task of tasks) {
      task.queued = false;
      task.dispatchedAt = now;
    }
    this.#batches.set(batchId, { handle, tasks, sentAt: now });
    handle.runBatch(batchId, tasks.map((t) => ({ taskId: t.id, source: pageSource(t.input), name: t.input.name, page: t.input.page ?? 1, params: t.params, outputs: t.input.outputs })));
  }

  #onResult(batchId: number, outcomes: readonly WireOutcome[]): void {
    const batch = this.#batches.get(batchId);
    if (!batch) return;
    this.#batches.delete(batchId);
    const { handle, tasks, sentAt } = batch;
    const now = performance.now();
    const inferMs = outcomes.reduce((sum, o) => sum + (o.ok ? o.result.timing.inferMs : 0), 0);
    // Per-page service time from the device's throughput: with a pipeline, batches overlap, so the
    // clock for this one starts when the device's previous answer came (or when it was sent).
    const since = Math.max(sentAt, this.#lastAnswerAt[handle.index] ?? 0);
    this.#lastAnswerAt[handle.index] = now;
    this.#dispatcher.record(handle.index, (now - since) / Math.max(1, tasks.length));
    const stats = this.#stats[handle.index]!;
    stats.batchSizes[tasks.length] = (stats.batchSizes[tasks.length] ?? 0) + 1;
    this.emit('batch', { device: handle.spec.id, index: handle.index, size: tasks.length, inferMs });
    const byId = new Map(tasks.map((t) => [t.id, t]));
    for (const outcome of outcomes) {
      const task = byId.get(outcome.taskId);
      if (!task) continue;
      if (!outcome.ok) {
        stats.failed += 1;
        this.#settle(task, errorFromCode(outcome.code, outcome.message));
        continue;
      }
      stats.completed += 1;
      const { result } = outcome;
      this.#settle(task, undefined, {
        ...result,
        ...(outcome.images ? { images: outcome.images } : {}),
        device: handle.spec.id,
        deviceIndex: handle.index,
        timing: { ...result.timing, queueMs: task.dispatchedAt - task.enqueuedAt, totalMs: now - task.enqueuedAt, batchSize: tasks.length },
      });
    }
    this.#pump();
    this.#wakeIdle();
  }

  #onWorkerExit(handle: WorkerHandle, error: LayoutError, batchIds: readonly number[], planned: boolean): void {
    const held = batchIds.flatMap((id) => this.#batches.get(id)?.tasks ?? []);
    for (const id of batchIds) this.#batches.delete(id);
    const taskIds = held.map((t) => t.id);
    if (!planned) this.emit('worker-exit', {
      device: handle.spec.id,
      index: handle.index,
      pid: handle.pid,
      code: (error.details?.code as number | null) ?? null,
      signal: (error.details?.signal as string | null) ?? null,
      state: handle.state,
      taskIds,
    });
    // Back to the front of the queue, in their original order, for the other devices.
    for (const task of [...held].reverse()) {
      if (task.settled) continue;
      task.attempts += 1;
      if (task.attempts > this.#config.maxRetries) {
        this.#stats[handle.index]!.failed += 1;
        this.#settle(task, RetriesExhaustedError(task.id, task.attempts, error.message));
        continue;
      }
      this.#counters.retried += 1;
      this.emit('task-retry', { taskId: task.id, device: handle.spec.id, attempt: task.attempts, reason: error.message });
      task.queued = true;
      this.#queue.unshift(task);
    }
    this.#pump();
    this.#wakeIdle();
  }

  #onReady(handle: WorkerHandle): void {
    // The latest device to come up names the model: after a reload, the new one.
    this.#modelName = handle.modelName;
    if (this.#state === 'starting') this.#state = 'ready';
    for (const waiter of this.#readyWaiters.splice(0)) waiter.resolve();
    this.#pump();
  }

  #onStateChange(handle: WorkerHandle, state: DeviceSnapshot['state'], reason?: string): void {
    // ready ↔ busy flips twice per batch: visible in snapshots, too chatty for an event (and a log line).
    const previous = this.#emittedStates[handle.index];
    const flip = (state === 'ready' || state === 'busy') && (previous === 'ready' || previous === 'busy');
    if (!flip) {
      this.#emittedStates[handle.index] = state;
      this.emit('device-state', { device: handle.spec.id, index: handle.index, state, reason });
    }
    if (state === 'failed' && this.#allFailed()) {
      const error = this.#noDeviceError();
      for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(error);
      this.#failQueued(error);
      this.#wakeIdle();
    }
  }

  // --- bookkeeping -----------------------------------------------------------------------------

  /** The one place a task ends: exactly once, whatever races (result, deadline, abort, crash). */
  #settle(task: PoolTask, error: LayoutError | undefined, result?: PoolResult, countAs: 'failed' | 'timedOut' | 'aborted' = 'failed'): void {
    if (task.settled) return;
    task.settled = true;
    task.cleanup();
    if (task.queued) this.#queue.remove(task);
    if (error) {
      this.#counters[countAs] += 1;
      task.reject(error);
    } else {
      this.#counters.completed += 1;
      task.resolve(result!);
    }
  }

  #failQueued(error: LayoutError): void {
    for (const task of this.#queue.drain()) this.#settle(task, error);
  }

  #allFailed(): boolean {
    return this.#handles.length > 0 && this.#handles.every((h) => h.state === 'failed');
  }

  #noDeviceError(): LayoutError {
    const reasons = this.#handles.map((h) => `${h.spec.id}: ${h.lastError?.message ?? h.state}`).join('; ');
    return NoDeviceReadyError(reasons);
  }

  #retryAfterSeconds(): number {
    const alive = Math.max(1, this.#handles.filter((h) => h.state === 'ready' || h.state === 'busy').length);
    const perPageMs = this.#handles.map((h) => this.#dispatcher.ewma(h.index)).filter((v): v is number => v !== undefined);
    const meanMs = perPageMs.length ? perPageMs.reduce((a, b) => a + b, 0) / perPageMs.length : 1000;
    return Math.max(1, Math.ceil((this.#queue.size * meanMs) / alive / 1000));
  }

  #nextIdle(): Promise<void> {
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #wakeIdle(): void {
    for (const wake of this.#idleWaiters.splice(0)) wake();
  }
}

export async function createPool(options: PoolOptions): Promise<LayoutPool> {
  return new DevicePool(options);
}
