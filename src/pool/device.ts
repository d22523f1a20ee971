/**
 * One device's slot in the pool: its worker process (a WorkerHandle, which supervises it), the
 * only record of the batches sent to it (one running, others waiting in its worker's pipeline),
 * its counters and its snapshot. The pool decides what goes where; a Device keeps its own facts
 * straight and turns a worker's answer into per-task results.
 */
import type { PoolConfig } from './pool-config.js';
import { errorFromCode, InternalError, type LayoutError } from '../errors.js';
import { maxBatchFor } from './devices.js';
import type { PoolTask } from './pool-task.js';
import type { WireOutcome } from './protocol.js';
import type { DeviceSnapshot, PoolEvents, PoolResult } from './types.js';
import type { WorkerHandle } from './worker-handle.js';

interface InFlightBatch {
  readonly id: number;
  readonly tasks: readonly PoolTask[];
  /** performance.now() when it was sent. */
  readonly sentAt: number;
  /** Its inference began (it no longer waits in the worker's pipeline). */
  started: boolean;
}

/** A batch's answer, task by task, with the figures the pool's dispatcher and events want. */
interface AnsweredBatch {
  readonly size: number;
  readonly inferMs: number;
  /** Service time per page: since the device's previous answer (or the send, if later), ms. */
  readonly perPageMs: number;
  readonly settled: ReadonlyArray<{ readonly task: PoolTask; readonly result: PoolResult } | { readonly task: PoolTask; readonly error: LayoutError }>;
}

export class Device {
  readonly handle: WorkerHandle;
  /** Set while a reload replaces this device's worker: no new batches, shown as draining. */
  reloading = false;
  readonly #config: PoolConfig;
  readonly #batches = new Map<number, InFlightBatch>();
  /** When it last answered a batch, performance.now(): the start of the next one's service time. */
  #lastAnswerAt = 0;
  #completed = 0;
  #failed = 0;
  /** Count of batches by size: index = batch size. */
  readonly #batchSizes: number[];

  constructor(handle: WorkerHandle, config: PoolConfig) {
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

  /** An interactive lane (withInteractiveLanes): sent interactive pages only, one at a time. */
  get interactiveOnly(): boolean {
    return this.handle.spec.serves === 'interactive';
  }

  /** Pages it holds now (its batches in flight). */
  get outstanding(): number {
    let pages = 0;
    for (const batch of this.#batches.values()) pages += batch.tasks.length;
    return pages;
  }

  get hasBatch(): boolean {
    return this.#batches.size > 0;
  }

  /** The largest batch it takes: the configured one when the model batches, else 1. */
  get maxBatch(): number {
    return this.handle.batchOk ? maxBatchFor(this.handle.spec.kind, this.#config) : 1;
  }

  /** Serving and not being replaced: worth waiting for. */
  get accepting(): boolean {
    return this.handle.accepting && !this.reloading;
  }

  /**
   * Whether another batch may be sent now: always when idle; while busy, only to keep its
   * worker's pipeline `lookahead` batches deep (batches sent whose inference has not begun).
   */
  get canTakeBatch(): boolean {
    if (!this.accepting) return false;
    return this.#batches.size === 0 || this.waitingBatches < this.handle.lookahead;
  }

  /** Batches sent whose inference has not begun (waiting in its worker's pipeline). */
  get waitingBatches(): number {
    let waiting = 0;
    for (const batch of this.#batches.values()) if (!batch.started) waiting += 1;
    return waiting;
  }

  /** The tasks sent and not yet answered, oldest batch first. */
  heldTaskIds(): string[] {
    return [...this.#batches.values()].flatMap((b) => b.tasks.map((t) => t.id));
  }

  send(batchId: number, tasks: readonly PoolTask[], now: number): void {
    for (const task of tasks) {
      task.queued = false;
      task.dispatchedAt = now;
      task.queueSpan?.dispatched(this.id, tasks.length);
    }
    this.#batches.set(batchId, { id: batchId, tasks, sentAt: now, started: false });
    const priority = tasks.some((t) => t.priority === 'interactive') ? 'interactive' : 'batch';
    this.handle.runBatch(batchId, tasks.map((t) => t.toWire()), priority);
  }

  runStarted(batchId: number): void {
    const batch = this.#batches.get(batchId);
    if (batch) batch.started = true;
  }

  /** Batch `batchId`'s answer, task by task, counted; undefined if it is not held (stale). */
  answer(batchId: number, outcomes: readonly WireOutcome[], now: number): AnsweredBatch | undefined {
    const batch = this.#batches.get(batchId);
    if (!batch) return undefined;
    this.#batches.delete(batchId);
    const { tasks, sentAt } = batch;
    this.#batchSizes[tasks.length] = (this.#batchSizes[tasks.length] ?? 0) + 1;
    // Batches overlap in the worker's pipeline, so the clock for this one starts at the device's
    // previous answer (or when it was sent, if later).
    const perPageMs = (now - Math.max(sentAt, this.#lastAnswerAt)) / Math.max(1, tasks.length);
    this.#lastAnswerAt = now;
    const byId = new Map(tasks.map((t) => [t.id, t]));
    const settled: Array<AnsweredBatch['settled'][number]> = [];
    for (const outcome of outcomes) {
      const task = byId.get(outcome.taskId);
      if (!task) continue;
      byId.delete(outcome.taskId);
      if (!outcome.ok) {
        this.#failed += 1;
        settled.push({ task, error: errorFromCode(outcome.code, outcome.message) });
        continue;
      }
      this.#completed += 1;
      const { result } = outcome;
      settled.push({ task, result: {
        ...result,
        ...(outcome.images ? { images: outcome.images } : {}),
        // Results come only from the worker process now running: the model it was started on.
        modelId: this.handle.model.id,
        device: this.id,
        deviceIndex: this.index,
        timing: { ...result.timing, queueMs: task.dispatchedAt - task.enqueuedAt, totalMs: now - task.enqueuedAt, batchSize: tasks.length },
      } });
    }
    // A task the worker did not answer would otherwise wait for its deadline.
    for (const task of byId.values()) {
      this.#failed += 1;
      settled.push({ task, error: InternalError(`device ${this.id} answered batch ${batchId} without task ${task.id}`) });
    }
    const inferMs = outcomes.reduce((sum, o) => sum + (o.ok ? o.result.timing.inferMs : 0), 0);
    return { size: tasks.length, inferMs, perPageMs, settled };
  }

  /** Lets go of every batch it holds, oldest first (its worker exited, or the pool is destroyed). */
  dropBatches(): InFlightBatch[] {
    const batches = [...this.#batches.values()];
    this.#batches.clear();
    return batches;
  }

  countFailed(): void {
    this.#failed += 1;
  }

  /** The pool's `worker-exit` event for an unplanned exit that left `held` tasks behind. */
  exitEvent(error: LayoutError, held: readonly PoolTask[]): PoolEvents['worker-exit'] {
    const handle = this.handle;
    return {
      device: this.id,
      index: this.index,
      pid: handle.pid,
      code: (error.details?.code as number | null) ?? null,
      signal: (error.details?.signal as string | null) ?? null,
      state: handle.state,
      taskIds: held.map((t) => t.id),
      requestIds: [...new Set(held.flatMap((t) => (t.requestId === undefined ? [] : [t.requestId])))],
    };
  }

  snapshot(ewmaMs: number | undefined): DeviceSnapshot {
    const handle = this.handle;
    return {
      index: this.index,
      id: this.id,
      kind: handle.spec.kind,
      serves: handle.spec.serves ?? 'all',
      state: this.reloading && handle.state === 'ready' ? 'draining' : handle.state,
      pid: handle.pid,
      inflight: this.outstanding,
      completed: this.#completed,
      failed: this.#failed,
      restarts: handle.restarts,
      recycles: handle.recycles,
      recycleKills: handle.recycleKills,
      ewmaMs,
      batchSizes: [...this.#batchSizes],
      maxBatch: this.maxBatch,
      threads: handle.spec.intraOpNumThreads,
      rssMb: handle.rssMb,
      lastError: handle.lastError,
    };
  }
}
