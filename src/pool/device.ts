/**
 * One device as the pool sees it: its worker handle, the batch it holds, its counters and its
 * snapshot. The pool decides what goes where; a Device only keeps its own facts straight.
 */
import type { Config } from '../config.js';
import { maxBatchFor } from './devices.js';
import type { PoolTask } from './pool-task.js';
import type { DeviceSnapshot } from './types.js';
import type { WorkerHandle } from './worker-handle.js';

export interface InFlightBatch {
  readonly id: number;
  readonly tasks: readonly PoolTask[];
  /** performance.now() when it was sent. */
  readonly sentAt: number;
}

export class Device {
  readonly handle: WorkerHandle;
  /** Set while a reload replaces this device's worker: no new batches, shown as draining. */
  reloading = false;
  readonly #config: Config;
  #batch: InFlightBatch | undefined;
  #completed = 0;
  #failed = 0;
  /** Count of batches by size: index = batch size. */
  readonly #batchSizes: number[];

  constructor(handle: WorkerHandle, config: Config) {
    this.handle = handle;
    this.#config = config;
    this.#batchSizes = new Array(maxBatchFor(handle.spec.kind, config) + 1).fill(0);
  }

  get index(): number {
    return this.handle.index;
  }

  get id(): string {
    return this.handle.spec.id;
  }

  /** Pages it holds now (its batch in flight). */
  get outstanding(): number {
    return this.#batch?.tasks.length ?? 0;
  }

  get hasBatch(): boolean {
    return this.#batch !== undefined;
  }

  /** The largest batch it takes: the configured one when the model batches, else 1. */
  get maxBatch(): number {
    return this.handle.batchOk ? maxBatchFor(this.handle.spec.kind, this.#config) : 1;
  }

  /** Serving and not being replaced: worth waiting for. */
  get accepting(): boolean {
    return this.handle.accepting && !this.reloading;
  }

  send(batchId: number, tasks: readonly PoolTask[], now: number): void {
    for (const task of tasks) {
      task.queued = false;
      task.dispatchedAt = now;
    }
    this.#batch = { id: batchId, tasks, sentAt: now };
    this.handle.runBatch(batchId, tasks.map((t) => t.toWire()));
  }

  /** The batch `batchId` answers, counted by size; undefined if it is not the one held (stale). */
  finishBatch(batchId: number): InFlightBatch | undefined {
    const batch = this.takeBatch(batchId);
    if (batch) this.#batchSizes[batch.tasks.length] = (this.#batchSizes[batch.tasks.length] ?? 0) + 1;
    return batch;
  }

  /** Lets go of batch `batchId` (its worker exited); undefined if it is not the one held. */
  takeBatch(batchId: number): InFlightBatch | undefined {
    if (this.#batch?.id !== batchId) return undefined;
    return this.dropBatch();
  }

  /** Lets go of whatever batch it holds (the pool is destroyed). */
  dropBatch(): InFlightBatch | undefined {
    const batch = this.#batch;
    this.#batch = undefined;
    return batch;
  }

  countCompleted(): void {
    this.#completed += 1;
  }

  countFailed(): void {
    this.#failed += 1;
  }

  snapshot(ewmaMs: number | undefined): DeviceSnapshot {
    const handle = this.handle;
    return {
      index: this.index,
      id: this.id,
      kind: handle.spec.kind,
      state: this.reloading && handle.state === 'ready' ? 'draining' : handle.state,
      pid: handle.pid,
      inflight: this.outstanding,
      completed: this.#completed,
      failed: this.#failed,
      restarts: handle.restarts,
      recycles: handle.recycles,
      ewmaMs,
      batchSizes: [...this.#batchSizes],
      maxBatch: this.maxBatch,
      threads: handle.spec.intraOpNumThreads,
      rssMb: handle.rssMb,
      lastError: handle.lastError,
    };
  }
}
