/**
 * The device pool: one worker process per device, one bounded admission queue, speed-weighted
 * least-outstanding dispatch with dynamic batching (batch-pump.ts), deadlines and aborts, and
 * recovery — a worker that dies has its batch re-queued at the front for the others, so every
 * accepted request is answered exactly once.
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { PoolConfig } from './pool-config.js';
import {
  AbortedError, InvalidParamError, NoDeviceReadyError, PoolClosedError, RetriesExhaustedError, type LayoutError,
} from '../errors.js';
import type { LayoutParams } from '../model/index.js';
import { Admission } from './admission.js';
import { BatchPump } from './batch-pump.js';
import { Device } from './device.js';
import { poolDeviceSpecs, type DeviceSpec } from './devices.js';
import { Dispatcher } from './dispatcher.js';
import { PoolTask, type TaskEnding } from './pool-task.js';
import { reloadDevices } from './reload-devices.js';
import type { WireOutcome } from './protocol.js';
import type { DeviceSnapshot, LayoutPool, PageInput, PoolEvents, PoolModel, PoolResult, PoolSnapshot, PoolTaskOptions, WorkerEntry } from './types.js';
import { WorkerHandle } from './worker-handle.js';
import { sweepStaleTemp } from '../util/owned-temp.js';

export interface PoolOptions {
  readonly config: PoolConfig;
  readonly modelPath: string;
  /** What its results name as the model that produced them (PoolModel.id); the path when absent. */
  readonly modelId?: string;
  /** Overrides config.devices with explicit specs (tests, embedding). */
  readonly devices?: readonly DeviceSpec[];
  /** Worker programs other than worker-main.js, by device index (test fixtures that crash or hang). */
  readonly workerEntry?: Readonly<Record<number, WorkerEntry>>;
}

/** The largest delay setTimeout honours, ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

class DevicePool extends EventEmitter implements LayoutPool {
  readonly #config: PoolConfig;
  readonly #devices: Device[];
  readonly #admission: Admission;
  readonly #queue: Admission['queue'];
  readonly #dispatcher: Dispatcher;
  readonly #batches: BatchPump;
  #state: PoolSnapshot['state'] = 'starting';
  #closing: Promise<void> | undefined;
  #idleWaiters: Array<() => void> = [];
  #readyWaiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  readonly #emittedStates: Array<DeviceSnapshot['state'] | undefined> = [];
  #reloads: Promise<void> = Promise.resolve();
  #swept: Promise<void>;
  #counters = { accepted: 0, completed: 0, failed: 0, rejected: 0, timedOut: 0, aborted: 0, retried: 0 };

  constructor(options: PoolOptions) {
    super();
    this.#config = options.config;
    const specs = poolDeviceSpecs(options.config, options.devices);
    this.#admission = new Admission(options.config.maxQueue, options.config.priorityAgingMs);
    this.#queue = this.#admission.queue;
    this.#dispatcher = new Dispatcher(specs.length);
    const slot = (handle: WorkerHandle): Device => this.#devices[handle.index]!;
    const model: PoolModel = { path: options.modelPath, id: options.modelId ?? options.modelPath };
    this.#devices = specs.map((spec, index) => new Device(new WorkerHandle(spec, index, model, options.config, {
      onReady: () => this.#onReady(),
      onResult: (handle, batchId, outcomes) => this.#onResult(slot(handle), batchId, outcomes),
      onExit: (handle, error, planned) => this.#onWorkerExit(slot(handle), error, planned),
      onStateChange: (handle, state, reason) => this.#onStateChange(handle, state, reason),
      onRunStarted: (handle, batchId) => { slot(handle).runStarted(batchId); this.#batches.pump(); },
      heldTaskIds: (handle) => slot(handle).heldTaskIds(),
      mayRecycle: (handle) => this.#mayRecycle(slot(handle)),
    }, options.workerEntry?.[index]), options.config));
    // No device takes pages: the queue waits for one, unless every device failed for good.
    this.#batches = new BatchPump(this.#devices, this.#admission, this.#dispatcher, options.config, () => {
      if (this.#allFailed()) for (const task of this.#queue.drain()) this.#fail(task, this.#noDeviceError());
    });
    // What killed workers (and a killed server) left in the temp root: their temp dirs, PDF spools.
    this.#swept = sweepStaleTemp(['worker', 'pdf']).then(() => {});
    // A device that cannot start is reported through its state (and ready()), not here.
    for (const device of this.#devices) device.handle.start().catch(() => {});
  }

  ready(): Promise<void> {
    if (this.#devices.some((d) => d.handle.state === 'ready' || d.handle.state === 'busy')) return Promise.resolve();
    if (this.#allFailed()) return Promise.reject(this.#noDeviceError());
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
  }

  analyze(input: PageInput, params: Partial<LayoutParams> = {}, options: PoolTaskOptions = {}): Promise<PoolResult> {
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
    const task = new PoolTask(input, params, options);
    const retryAfterSeconds = this.#dispatcher.retryAfterSeconds(this.#queue.size, this.#devices.filter((d) => d.accepting).length);
    const refusal = this.#admission.admit(task, options.tenantLimits, retryAfterSeconds);
    if (refusal) {
      this.#counters.rejected += 1;
      task.queueSpan?.end(refusal);
      return Promise.reject(refusal);
    }
    this.#counters.accepted += 1;
    task.arm(timeoutMs, options.signal, (t, error, ending) => this.#fail(t, error, ending));
    this.#batches.pump();
    return task.promise;
  }

  snapshot(): PoolSnapshot {
    return {
      state: this.#state,
      queueDepth: this.#queue.size,
      maxQueue: this.#queue.capacity,
      ...this.#counters,
      ...this.#admission.figures(),
      devices: this.#devices.map((d) => d.snapshot(this.#dispatcher.ewma(d.index))),
    };
  }

  override on<E extends keyof PoolEvents>(event: E, listener: (payload: PoolEvents[E]) => void): this {
    return super.on(event, listener);
  }

  override off<E extends keyof PoolEvents>(event: E, listener: (payload: PoolEvents[E]) => void): this {
    return super.off(event, listener);
  }

  modelName(modelId?: string): string | undefined {
    const serving = this.#devices.find((d) => (d.handle.state === 'ready' || d.handle.state === 'busy') && (modelId === undefined || d.handle.model.id === modelId));
    return serving?.handle.modelName;
  }

  /** Device by device, all or nothing (reload-devices.ts), without dropping requests; calls are serialized. */
  reload(model?: PoolModel): Promise<void> {
    const run = this.#reloads.then(() => reloadDevices(this.#devices, model, {
      nextIdle: () => this.#nextIdle(),
      assertOpen: () => {
        if (this.#state === 'draining' || this.#state === 'closed') throw PoolClosedError();
      },
      pump: () => this.#batches.pump(),
    }));
    this.#reloads = run.catch(() => {});
    return run;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#state !== 'closed') this.#state = 'draining';
      while (this.#queue.size > 0 || this.#devices.some((d) => d.hasBatch)) {
        if (this.#allFailed()) break;
        await this.#nextIdle();
      }
      this.#state = 'closed';
      this.#batches.stop();
      await Promise.all([...this.#devices.map((d) => d.handle.stop()), this.#swept]);
      for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(PoolClosedError());
    })();
    return this.#closing;
  }

  async destroy(err: Error = PoolClosedError()): Promise<void> {
    this.#state = 'closed';
    this.#batches.stop();
    const error = err as LayoutError;
    for (const task of this.#queue.drain()) this.#fail(task, error);
    for (const device of this.#devices) for (const batch of device.dropBatches()) for (const task of batch.tasks) this.#fail(task, error);
    for (const device of this.#devices) device.handle.kill();
    for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(error);
    this.#wakeIdle();
    await Promise.all(this.#devices.map((d) => d.handle.stop()));
  }

  // --- devices' events -------------------------------------------------------------------------

  #onResult(device: Device, batchId: number, outcomes: readonly WireOutcome[]): void {
    const answered = device.answer(batchId, outcomes, performance.now());
    if (!answered) return;
    this.#dispatcher.record(device.index, answered.perPageMs);
    this.emit('batch', { device: device.id, index: device.index, size: answered.size, inferMs: answered.inferMs });
    for (const settled of answered.settled) {
      if ('result' in settled) this.#complete(settled.task, settled.result);
      else this.#fail(settled.task, settled.error);
    }
    this.#batches.pump();
    this.#wakeIdle();
  }

  #onWorkerExit(device: Device, error: LayoutError, planned: boolean): void {
    const held = device.dropBatches().flatMap((batch) => batch.tasks); // running or waiting, oldest first
    if (!planned) this.emit('worker-exit', device.exitEvent(error, held));
    // Back to the front of the queue, in their original order, for the other devices.
    for (const task of [...held].reverse()) {
      if (task.settled) continue;
      task.attempts += 1;
      if (task.attempts > this.#config.maxRetries) {
        device.countFailed();
        this.#fail(task, RetriesExhaustedError(task.id, task.attempts, error.message));
        continue;
      }
      this.#counters.retried += 1;
      this.emit('task-retry', { taskId: task.id, requestId: task.requestId, device: device.id, attempt: task.attempts, reason: error.message });
      task.queued = true;
      this.#queue.unshift(task);
    }
    this.#batches.pump();
    this.#wakeIdle();
  }

  #onReady(): void {
    if (this.#state === 'starting') this.#state = 'ready';
    for (const waiter of this.#readyWaiters.splice(0)) waiter.resolve();
    this.#batches.pump();
  }

  #onStateChange(handle: WorkerHandle, state: DeviceSnapshot['state'], reason?: string): void {
    // ready ↔ busy flips twice per batch: visible in snapshots, too chatty for an event (and a log line).
    const previous = this.#emittedStates[handle.index];
    const flip = (state === 'ready' || state === 'busy') && (previous === 'ready' || previous === 'busy');
    if (!flip) {
      this.#emittedStates[handle.index] = state;
      this.emit('device-state', { device: handle.spec.id, index: handle.index, state, reason });
    }
    // A device back in service (or gone for good) may be some other device's turn to recycle.
    if (state === 'ready' || state === 'failed' || state === 'stopped') for (const device of this.#devices) device.handle.retryRecycle();
    if (state === 'failed' && this.#allFailed()) {
      const error = this.#noDeviceError();
      for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(error);
      for (const task of this.#queue.drain()) this.#fail(task, error);
      this.#wakeIdle();
    }
  }

  /**
   * Recycles are staggered: one device at a time, and never the last ready one — a device waits
   * while another is being replaced (recycle, restart, start, reload) or while no other device
   * that could take its pages serves. A device with no such peer (a pool of one, the others
   * failed) recycles anyway: the queue waits a model load, which beats unbounded memory.
   */
  #mayRecycle(device: Device): boolean {
    const others = this.#devices.filter((d) => d !== device);
    if (others.some((d) => d.handle.replacing || d.reloading)) return false;
    // An interactive lane's pages go to full devices too; a full device's only to full devices.
    const peers = others.filter((d) => (!d.interactiveOnly || device.interactiveOnly) && d.handle.state !== 'failed' && d.handle.state !== 'stopped');
    return peers.length === 0 || peers.some((d) => d.accepting);
  }

  // --- bookkeeping -----------------------------------------------------------------------------

  #complete(task: PoolTask, result: PoolResult): void {
    if (!task.resolve(result)) return;
    this.#counters.completed += 1;
    this.#wakeIdle();
  }

  /**
   * Ends a task with an error (once: a task already settled is left alone) and frees its place in
   * the queue. Wakes close(): a deadline or abort can empty the queue while no device answers.
   */
  #fail(task: PoolTask, error: LayoutError, ending: TaskEnding = 'failed'): void {
    if (!task.reject(error)) return;
    if (task.queued) this.#queue.remove(task);
    this.#counters[ending] += 1;
    this.#wakeIdle();
  }

  /** Every device failed; interactive lanes do not count, since batch pages would wait for ever. */
  #allFailed(): boolean {
    const devices = this.#devices.filter((d) => !d.interactiveOnly);
    return devices.length > 0 && devices.every((d) => d.handle.state === 'failed');
  }

  #noDeviceError(): LayoutError {
    const reasons = this.#devices.map((d) => `${d.id}: ${d.handle.lastError?.message ?? d.handle.state}`).join('; ');
    return NoDeviceReadyError(reasons);
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
