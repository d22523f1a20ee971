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

export interface WorkerCallbacks {
  onReady(handle: WorkerHandle): void;
  onResult(handle: WorkerHandle, batchId: number, outcomes: readonly WireOutcome[]): void;
  /**
   * The process died (crash, kill, watchdog) or was replaced (`planned`: recycle, stop);
   * `batchId` is the batch it held, if any.
   */
  onExit(handle: WorkerHandle, error: LayoutError, batchId: number | undefined, taskIds: readonly string[], planned: boolean): void;
  onStateChange(handle: WorkerHandle, state: DeviceState, reason?: string): void;
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
  #batch: { id: number; taskIds: string[] } | undefined;
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
    return this.#batch !== undefined;
  }

  /** Ready and not holding a batch: may be given one. */
  get available(): boolean {
    return this.#state === 'ready' && this.#batch === undefined && !this.#recycleRequested;
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
      maxPixels: this.#config.maxPixels,
      maxBatch: maxBatchFor(this.spec.kind, this.#config),
      heartbeatIntervalMs: this.#config.heartbeatIntervalMs,
      testHooks: this.#testHooks,
    });
    this.#watchdog = setInterval(() => this.#checkHeartbeat(), Math.max(10, Math.min(this.#config.heartbeatIntervalMs, this.#config.watchdogTimeoutMs / 4)));
    this.#watchdog.unref();
  }

  runBatch(batchId: number, tasks: readonly WireTask[]): void {
    this.#batch = { id: batchId, taskIds: tasks.map((t) => t.taskId) };
    this.#setState('busy');
    this.#send({ type: 'run-batch', batchId, tasks });
  }

  /** Replace the process once its current batch is done (page count or RSS limit). */
  requestRecycle(reason: string): void {
    if (this.#recycleRequested || (this.#state !== 'ready' && this.#state !== 'busy')) return;
    this.#recycleRequested = true;
    this.#exitReason = `recycled: ${reason}`;
    this.#setState('draining', this.#exitReason);
    if (!this.#batch) this.#kill('SIGTERM');
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
        break;
      case 'result': {
        const batch = this.#batch;
        if (!batch || batch.id !== message.batchId) return;
        this.#batch = undefined;
        this.#pagesSinceStart += message.outcomes.length;
        if (Date.now() - this.#startedAt > HEALTHY_AFTER_MS) this.#consecutiveFailures = 0;
        if (this.#state === 'busy' && !this.#recycleRequested) this.#setState('ready');
        const recycleAfter = this.#config.recycleAfterPages;
        if (recycleAfter > 0 && this.#pagesSinceStart >= recycleAfter) this.requestRecycle(`${this.#pagesSinceStart} pages served`);
        this.#callbacks.onResult(this, message.batchId, message.outcomes);
        if (this.#recycleRequested) this.#kill('SIGTERM');
        break;
      }
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
    const batch = this.#batch;
    this.#batch = undefined;
    const recycled = this.#recycleRequested;
    const reason = this.#exitReason ?? `code ${code}, signal ${signal}`;
    this.#exitReason = undefined;
    const error = WorkerCrashError(this.spec.id, reason, batch ? batch.taskIds.join(',') : 'none', {
      details: { code, signal, device: this.spec.id, state: this.#state, taskIds: batch?.taskIds ?? [] },
    });
    if (!recycled && !this.#stopping) this.lastError = { code: error.code, message: error.message, at: new Date().toISOString() };
    const failedInit = this.#state === 'failed';
    this.#callbacks.onExit(this, error, batch?.id, batch?.taskIds ?? [], (recycled || this.#stopping) && !batch);
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

