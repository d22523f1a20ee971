/**
 * One device's worker process: spawning, the init handshake, heartbeats and the watchdog,
 * restarts with exponential backoff, recycling, and stopping. It knows nothing of queues: the
 * pool hands it batches and hears back through the callbacks.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import { errorFromCode, NoDeviceReadyError, WorkerCrashError, type LayoutError } from '../errors.js';
import { maxBatchFor, type DeviceSpec } from './devices.js';
import type { ParentMessage, WireOutcome, WireTask, WorkerMessage, WorkerTestHooks } from './protocol.js';
import type { DeviceState } from './types.js';

const workerEntry = fileURLToPath(new URL('./worker-main.js', import.meta.url));

/**
 * After SIGTERM, a worker gets this long to release its session before SIGKILL, ms. Releasing a
 * CUDA context can take a second; if the worker is wedged, SIGKILL is safe anyway (the driver
 * frees a dead process's device memory).
 */
const STOP_GRACE_MS = 2_000;
/**
 * Loading a model blocks the worker's thread (no heartbeats); creating a CUDA/TensorRT session
 * can take tens of seconds, so a starting worker gets at least this long, ms.
 */
const STARTUP_WATCHDOG_MS = 120_000;
/** A worker that stays up this long after a restart has its backoff reset, ms. */
const HEALTHY_AFTER_MS = 30_000;
/**
 * maxRunMs auto: a run this many times slower per page than the slowest one seen (warm-up
 * included) is a hang, not a slow batch; never under the floor, ms, so a noisy machine or a
 * first large batch does not trip it.
 */
const AUTO_RUN_LIMIT_FACTOR = 10;
const AUTO_RUN_LIMIT_FLOOR_MS = 10_000;

interface InflightBatch {
  readonly taskIds: string[];
  /** The worker began its inference (it no longer waits in the worker's pipeline). */
  started: boolean;
}

export interface WorkerCallbacks {
  onReady(handle: WorkerHandle): void;
  onResult(handle: WorkerHandle, batchId: number, outcomes: readonly WireOutcome[], runMs: number): void;
  /**
   * The process died (crash, kill, watchdog) or was replaced (`planned`: recycle, stop);
   * `batchIds` are the batches it held (running or waiting in its pipeline), oldest first.
   */
  onExit(handle: WorkerHandle, error: LayoutError, batchIds: readonly number[], taskIds: readonly string[], planned: boolean): void;
  onStateChange(handle: WorkerHandle, state: DeviceState, reason?: string): void;
  /** A batch began its inference: the device has room for another one in its pipeline. */
  onRunStarted(handle: WorkerHandle): void;
}

export class WorkerHandle {
  readonly spec: DeviceSpec;
  readonly index: number;
  #state: DeviceState = 'stopped';
  #child: ChildProcess | undefined;
  #modelPath: string;
  readonly #config: Config;
  readonly #callbacks: WorkerCallbacks;
  readonly #testHooks: WorkerTestHooks | undefined;
  readonly #batches = new Map<number, InflightBatch>();
  /** Batches the worker wants beyond its running one (its 'ready' says; 0 = one at a time). */
  #lookahead = 0;
  /** Slowest session.run per page seen on this process, ms (seeds the auto run limit). */
  #slowestRunPerPageMs = 0;
  #lastHeartbeatAt = 0;
  #watchdog: NodeJS.Timeout | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  #consecutiveFailures = 0;
  #startedAt = 0;
  #pagesSinceStart = 0;
  #recycleRequested = false;
  #stopping = false;
  #exitReason: string | undefined;
  /** Callers of start() waiting for this start to serve (or to fail). */
  #startWaiters: Array<{ resolve: () => void; reject: (error: LayoutError) => void }> = [];
  batchOk = false;
  modelName = '';
  rssMb: number | undefined;
  /** Crash restarts (exits nobody asked for). */
  restarts = 0;
  /** Planned replacements after recycleAfterPages pages or above recycleRssMb. */
  recycles = 0;
  lastError: { code: string; message: string; at: string } | undefined;

  constructor(spec: DeviceSpec, index: number, modelPath: string, config: Config, callbacks: WorkerCallbacks, testHooks?: WorkerTestHooks) {
    this.spec = spec;
    this.index = index;
    this.#modelPath = modelPath;
    this.#config = config;
    this.#callbacks = callbacks;
    this.#testHooks = testHooks;
  }

  get state(): DeviceState {
    return this.#state;
  }

  get modelPath(): string {
    return this.#modelPath;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get busy(): boolean {
    return this.#batches.size > 0;
  }

  /** Pages sent and not yet answered. */
  get inflightPages(): number {
    let pages = 0;
    for (const batch of this.#batches.values()) pages += batch.taskIds.length;
    return pages;
  }

  /** Batches sent whose inference has not begun (waiting in its pipeline). */
  get waitingBatches(): number {
    let waiting = 0;
    for (const batch of this.#batches.values()) if (!batch.started) waiting += 1;
    return waiting;
  }

  /**
   * Whether another batch may be sent now: always when idle; while busy, only to keep its
   * pipeline `lookahead` batches deep (batches sent whose inference has not begun).
   */
  get canTakeBatch(): boolean {
    const child = this.#child;
    // An exited child still reads 'busy' while its exit is handled: never send it more.
    if (!this.accepting || !child || child.exitCode !== null || child.signalCode !== null) return false;
    let waiting = 0;
    for (const batch of this.#batches.values()) if (!batch.started) waiting += 1;
    return this.#batches.size === 0 || waiting < this.#lookahead;
  }

  /** Ready and holding nothing. */
  get available(): boolean {
    return this.#state === 'ready' && this.#batches.size === 0 && !this.#recycleRequested;
  }

  /** Serving (idle or busy) and not about to be replaced: worth waiting for. */
  get accepting(): boolean {
    return (this.#state === 'ready' || this.#state === 'busy') && !this.#recycleRequested;
  }

  /**
   * Starts a worker on `modelPath` (the current model by default). Resolves once it serves —
   * crash restarts on the way included — and rejects with the reason if it fails to load or is
   * stopped first.
   */
  start(modelPath = this.#modelPath): Promise<void> {
    this.#modelPath = modelPath;
    const started = new Promise<void>((resolve, reject) => this.#startWaiters.push({ resolve, reject }));
    this.#spawn();
    return started;
  }

  #spawn(): void {
    const modelPath = this.#modelPath;
    this.#stopping = false;
    this.#recycleRequested = false;
    this.#pagesSinceStart = 0;
    this.#slowestRunPerPageMs = 0;
    clearTimeout(this.#restartTimer);
    clearInterval(this.#watchdog);
    this.#setState('starting');
    const child = fork(workerEntry, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#child = child;
    this.#startedAt = Date.now();
    this.#lastHeartbeatAt = Date.now();
    child.on('message', (message: WorkerMessage) => this.#onMessage(message));
    child.on('exit', (code, signal) => this.#onExit(child, code, signal));
    child.on('error', () => { /* 'exit' follows and carries the facts */ });
    this.#send({
      type: 'init',
      modelPath,
      device: this.spec.device,
      intraOpNumThreads: this.spec.intraOpNumThreads,
      prepThreads: this.spec.prepThreads ?? 1,
      overlapStages: this.spec.overlapStages ?? true,
      maxPixels: this.#config.maxPixels,
      maxBatch: maxBatchFor(this.spec.kind, this.#config),
      heartbeatIntervalMs: this.#config.heartbeatIntervalMs,
      testHooks: this.#testHooks,
    });
    this.#watchdog = setInterval(() => this.#checkHeartbeat(), Math.max(10, Math.min(this.#config.heartbeatIntervalMs, this.#config.watchdogTimeoutMs / 4)));
    this.#watchdog.unref();
  }

  runBatch(batchId: number, tasks: readonly WireTask[]): void {
    this.#batches.set(batchId, { taskIds: tasks.map((t) => t.taskId), started: false });
    this.#setState('busy');
    this.#send({ type: 'run-batch', batchId, tasks });
  }

  /** Replace the process once its current batch is done (page count or RSS limit). */
  requestRecycle(reason: string): void {
    if (this.#recycleRequested || (this.#state !== 'ready' && this.#state !== 'busy')) return;
    this.#recycleRequested = true;
    this.#exitReason = `recycled: ${reason}`;
    this.#setState('draining', this.#exitReason);
    if (this.#batches.size === 0) this.#kill('SIGTERM');
  }

  /** Graceful: asks the worker to release its session and exit; SIGKILL if it does not. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      this.#setState('stopped');
      return;
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // SIGTERM rather than an IPC message: it also reaches a worker whose channel is broken.
    this.#kill('SIGTERM');
    const killTimer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(killTimer);
  }

  kill(): void {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    this.#kill('SIGKILL');
  }

  #send(message: ParentMessage): void {
    const child = this.#child;
    if (child?.connected) child.send(message, (err) => { if (err) this.#kill('SIGKILL'); });
  }

  #kill(signal: NodeJS.Signals): void {
    const child = this.#child;
    if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
  }

  #onMessage(message: WorkerMessage): void {
    this.#lastHeartbeatAt = Date.now();
    switch (message.type) {
      case 'ready':
        this.batchOk = message.batchOk;
        this.modelName = message.modelName;
        this.#lookahead = message.lookahead;
        this.#slowestRunPerPageMs = message.warmupRunMs;
        this.#setState('ready');
        this.#callbacks.onReady(this);
        break;
      case 'init-error':
        this.lastError = { code: message.code, message: message.message, at: new Date().toISOString() };
        // A model or device that cannot load will not load on retry either: mark it failed.
        this.#stopping = true;
        this.#setState('failed', message.message);
        break;
      case 'heartbeat':
        this.rssMb = message.rssMb;
        if (this.#config.recycleRssMb > 0 && message.rssMb > this.#config.recycleRssMb) this.requestRecycle(`RSS ${message.rssMb} MiB > ${this.#config.recycleRssMb} MiB`);
        this.#checkRunTime(message.runningForMs, message.runPages);
        break;
      case 'run-started': {
        const batch = this.#batches.get(message.batchId);
        if (batch) batch.started = true;
        this.#callbacks.onRunStarted(this);
        break;
      }
      case 'result': {
        const batch = this.#batches.get(message.batchId);
        if (!batch) return;
        this.#batches.delete(message.batchId);
        this.#pagesSinceStart += message.outcomes.length;
        if (message.runMs > 0) this.#slowestRunPerPageMs = Math.max(this.#slowestRunPerPageMs, message.runMs / Math.max(1, message.outcomes.length));
        if (Date.now() - this.#startedAt > HEALTHY_AFTER_MS) this.#consecutiveFailures = 0;
        if (this.#state === 'busy' && this.#batches.size === 0 && !this.#recycleRequested) this.#setState('ready');
        const recycleAfter = this.#config.recycleAfterPages;
        if (recycleAfter > 0 && this.#pagesSinceStart >= recycleAfter) this.requestRecycle(`${this.#pagesSinceStart} pages served`);
        this.#callbacks.onResult(this, message.batchId, message.outcomes, message.runMs);
        if (this.#recycleRequested && this.#batches.size === 0) this.#kill('SIGTERM');
        break;
      }
    }
  }

  /** The longest one inference of `pages` pages may run before it counts as hung, ms. */
  runLimitMs(pages: number): number {
    if (this.#config.maxRunMs > 0) return this.#config.maxRunMs;
    return Math.max(AUTO_RUN_LIMIT_FLOOR_MS, AUTO_RUN_LIMIT_FACTOR * this.#slowestRunPerPageMs * Math.max(1, pages));
  }

  /** A live worker whose inference does not come back: the session (or its driver) is wedged. */
  #checkRunTime(runningForMs: number, pages: number): void {
    if (runningForMs <= 0 || this.#state === 'starting') return;
    const limitMs = this.runLimitMs(pages);
    if (runningForMs > limitMs) {
      this.#exitReason = `inference of ${pages} page(s) running for ${runningForMs} ms (maxRunMs ${limitMs} ms)`;
      this.#kill('SIGKILL');
    }
  }

  #checkHeartbeat(): void {
    if (this.#state === 'stopped' || this.#state === 'failed' || this.#state === 'restarting') return;
    const silentMs = Date.now() - this.#lastHeartbeatAt;
    const limitMs = this.#state === 'starting' ? Math.max(this.#config.watchdogTimeoutMs, STARTUP_WATCHDOG_MS) : this.#config.watchdogTimeoutMs;
    if (silentMs > limitMs) {
      this.#exitReason = `no heartbeat for ${silentMs} ms (watchdog ${limitMs} ms)`;
      this.#kill('SIGKILL');
    }
  }

  #onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.#child) return;
    clearInterval(this.#watchdog);
    const batchIds = [...this.#batches.keys()];
    const taskIds = [...this.#batches.values()].flatMap((b) => b.taskIds);
    this.#batches.clear();
    const recycled = this.#recycleRequested;
    const reason = this.#exitReason ?? `code ${code}, signal ${signal}`;
    this.#exitReason = undefined;
    const error = WorkerCrashError(this.spec.id, reason, taskIds.length > 0 ? taskIds.join(',') : 'none', {
      details: { code, signal, device: this.spec.id, state: this.#state, taskIds },
    });
    if (!recycled && !this.#stopping) this.lastError = { code: error.code, message: error.message, at: new Date().toISOString() };
    const failedInit = this.#state === 'failed';
    this.#callbacks.onExit(this, error, batchIds, taskIds, (recycled || this.#stopping) && batchIds.length === 0);
    if (failedInit) return;
    if (this.#stopping) {
      this.#setState('stopped');
      return;
    }
    // Recycling is planned: no backoff. A crash doubles the delay each time in a row.
    const delayMs = recycled ? 0 : Math.min(this.#config.restartBackoffMaxMs, this.#config.restartBackoffMs * 2 ** this.#consecutiveFailures);
    if (recycled) this.recycles += 1;
    else {
      this.#consecutiveFailures += 1;
      this.restarts += 1;
    }
    this.#setState('restarting', reason);
    this.#restartTimer = setTimeout(() => this.#spawn(), delayMs);
  }

  #setState(state: DeviceState, reason?: string): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#callbacks.onStateChange(this, state, reason);
    if (state === 'ready') for (const waiter of this.#startWaiters.splice(0)) waiter.resolve();
    if (state === 'failed' || state === 'stopped') {
      const error = this.lastError ? errorFromCode(this.lastError.code, this.lastError.message) : NoDeviceReadyError(this.spec.id);
      for (const waiter of this.#startWaiters.splice(0)) waiter.reject(error);
    }
  }
}

