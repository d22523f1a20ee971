/**
 * One accepted page: its input, its place in the pool's life (queued, sent, retried), and the
 * three ways it can end besides a result — its deadline, its caller's abort, a failure. The task
 * owns its timer and abort listener and settles exactly once, whatever races (as piscina's
 * TaskInfo does); the pool decides what each ending counts as.
 */
import { performance } from 'node:perf_hooks';
import { AbortedError, DeadlineExceededError, type LayoutError } from '../errors.js';
import type { LayoutParams } from '../model/index.js';
import { currentCarrier, tracingActive, type TraceCarrier } from '../tracing/index.js';
import type { WireTask } from './protocol.js';
import { queueSpan, type QueueSpan } from './queue-span.js';
import type { PageInput, PoolResult, PoolTaskOptions, PriorityClass } from './types.js';

/** How an ending is counted in the pool's snapshot. */
export type TaskEnding = 'failed' | 'timedOut' | 'aborted';

let taskCounter = 0;

/** The tenant of pages that name none (no API keys or tenant header configured). */
const ANONYMOUS_TENANT = 'anonymous';

export class PoolTask {
  readonly id = `${process.pid}-${++taskCounter}`;
  readonly input: PageInput;
  readonly params: Partial<LayoutParams>;
  /** The caller's request (PoolTaskOptions.requestId), named in the pool's events about this task. */
  readonly requestId: string | undefined;
  /** Its class in the admission queue. */
  readonly priority: PriorityClass;
  /** Whose page: tenants take turns within a class. */
  readonly tenant: string;
  readonly enqueuedAt = performance.now();
  readonly promise: Promise<PoolResult>;
  dispatchedAt = 0;
  /** Workers that died while holding this task. */
  attempts = 0;
  /** In the pool's queue (rather than in a device's batch). */
  queued = true;
  /** The W3C context of the caller's span (its page chain span) when traced: sent with the page. */
  readonly trace: TraceCarrier | undefined;
  /** Admission and the wait in the queue, when traced: ends on dispatch or when the task ends. */
  readonly queueSpan: QueueSpan | undefined;
  #settled = false;
  #resolve!: (result: PoolResult) => void;
  #reject!: (error: LayoutError) => void;
  #timer: NodeJS.Timeout | undefined;
  #signal: AbortSignal | undefined;
  #onAbort: (() => void) | undefined;

  constructor(input: PageInput, params: Partial<LayoutParams>, options: Pick<PoolTaskOptions, 'priority' | 'tenant' | 'requestId'> = {}) {
    this.input = input;
    this.params = params;
    this.requestId = options.requestId;
    this.priority = options.priority ?? 'interactive';
    this.tenant = options.tenant ?? ANONYMOUS_TENANT;
    this.trace = tracingActive() ? currentCarrier() : undefined;
    this.queueSpan = this.trace ? queueSpan(this.priority, this.tenant) : undefined;
    this.promise = new Promise<PoolResult>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  get settled(): boolean {
    return this.#settled;
  }

  /**
   * Starts the deadline and listens for the caller's abort; either one hands the task to
   * `onEnd` with its error and how to count it (the pool then settles it and frees its place).
   */
  arm(timeoutMs: number, signal: AbortSignal | undefined, onEnd: (task: PoolTask, error: LayoutError, ending: TaskEnding) => void): void {
    this.#timer = setTimeout(() => onEnd(this, DeadlineExceededError(timeoutMs), 'timedOut'), timeoutMs);
    if (signal) {
      this.#signal = signal;
      this.#onAbort = () => onEnd(this, AbortedError(), 'aborted');
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  /** What the worker is sent for this task. */
  toWire(): WireTask {
    return { ...this.input, taskId: this.id, params: this.params, ...this.trace };
  }

  resolve(result: PoolResult): boolean {
    if (!this.#end()) return false;
    this.queueSpan?.end();
    this.#resolve(result);
    return true;
  }

  reject(error: LayoutError): boolean {
    if (!this.#end()) return false;
    this.queueSpan?.end(error);
    this.#reject(error);
    return true;
  }

  /** True the first time only: the deadline and the abort listener go with it. */
  #end(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    clearTimeout(this.#timer);
    if (this.#onAbort) this.#signal?.removeEventListener('abort', this.#onAbort);
    return true;
  }
}
