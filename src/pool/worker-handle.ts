/**
 * One device's worker process, supervised: spawning, the init handshake, heartbeats and the
 * watchdog (worker-watchdog.ts), restarts with backoff (restart-backoff.ts), recycling
 * (worker-recycle.ts keeps its books), and stopping. It keeps no books on work: the pool's device
 * slot (device.ts) holds the batches, and this asks it what it holds.
 */
import type { ChildProcess } from 'node:child_process';
import type { PoolConfig } from './pool-config.js';
import { errorFromCode, NoDeviceReadyError, WorkerCrashError, type LayoutError } from '../errors.js';
import type { DeviceSpec } from './devices.js';
import type { ParentMessage, WireOutcome, WireTask, WorkerMessage } from './protocol.js';
import type { DeviceState, PoolModel, PriorityClass, WorkerEntry } from './types.js';
import { RestartBackoff } from './restart-backoff.js';
import { forkWorker, initMessage, isAlive, terminate, WORKER_MAIN } from './worker-process.js';
import { WorkerRecycle } from './worker-recycle.js';
import { WorkerWatchdog } from './worker-watchdog.js';

export interface WorkerCallbacks {
  onReady(handle: WorkerHandle): void;
  onResult(handle: WorkerHandle, batchId: number, outcomes: readonly WireOutcome[], runMs: number): void;
  /**
   * The process died (crash, kill, watchdog) or was replaced (`planned`: recycle or stop, with
   * nothing held); whatever the pool had sent it is lost with it.
   */
  onExit(handle: WorkerHandle, error: LayoutError, planned: boolean): void;
  onStateChange(handle: WorkerHandle, state: DeviceState, reason?: string): void;
  /** A batch began its inference: the device has room for another one in its pipeline. */
  onRunStarted(handle: WorkerHandle, batchId: number): void;
  /** The tasks the pool has sent this worker and not had answered (running or in its pipeline). */
  heldTaskIds(handle: WorkerHandle): readonly string[];
  /**
   * Whether this worker may be recycled now (the pool staggers recycles and keeps a ready
   * device); if not, the recycle waits and the pool calls retryRecycle() later.
   */
  mayRecycle(handle: WorkerHandle): boolean;
}

export class WorkerHandle {
  readonly spec: DeviceSpec;
  readonly index: number;
  #state: DeviceState = 'stopped';
  #child: ChildProcess | undefined;
  #model: PoolModel;
  readonly #config: PoolConfig;
  readonly #callbacks: WorkerCallbacks;
  readonly #entry: WorkerEntry;
  /** Batches the worker wants beyond its running one (its 'ready' says; 0 = one at a time). */
  #lookahead = 0;
  readonly #watchdog: WorkerWatchdog;
  #watchdogTimer: NodeJS.Timeout | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  readonly #backoff: RestartBackoff;
  readonly #recycle: WorkerRecycle;
  #stopping = false;
  #exitReason: string | undefined;
  /** Callers of start() waiting for this start to serve (or to fail). */
  #startWaiters: Array<{ resolve: () => void; reject: (error: LayoutError) => void }> = [];
  batchOk = false;
  modelName = '';
  rssMb: number | undefined;
  /** Crash restarts (exits nobody asked for). */
  restarts = 0;
  lastError: { code: string; message: string; at: string } | undefined;

  constructor(spec: DeviceSpec, index: number, model: PoolModel, config: PoolConfig, callbacks: WorkerCallbacks, entry: WorkerEntry = { path: WORKER_MAIN }) {
    this.spec = spec;
    this.index = index;
    this.#model = model;
    this.#config = config;
    this.#callbacks = callbacks;
    this.#watchdog = new WorkerWatchdog(config);
    this.#backoff = new RestartBackoff(config.restartBackoffMs);
    this.#recycle = new WorkerRecycle(config);
    this.#entry = entry;
  }

  get state(): DeviceState {
    return this.#state;
  }

  /** The model file this worker runs (or starts on), and the id its results carry. */
  get model(): PoolModel {
    return this.#model;
  }

  /** Planned replacements (see WorkerRecycle.recycles). */
  get recycles(): number {
    return this.#recycle.recycles;
  }

  /** Recycles whose process had to be SIGKILLed (also in recycles). */
  get recycleKills(): number {
    return this.#recycle.kills;
  }

  /** Being replaced: a recycle under way (until its new process serves), or a (re)start. */
  get replacing(): boolean {
    return this.#recycle.underWay || this.#state === 'starting' || this.#state === 'restarting' || this.#state === 'draining';
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Batches the worker wants sent beyond the one it runs (0: one at a time). */
  get lookahead(): number {
    return this.#lookahead;
  }

  /** Serving (idle or busy), not about to be replaced, and its process not already gone. */
  get accepting(): boolean {
    const child = this.#child;
    // An exited child still reads 'busy' while its exit is handled: never send it more.
    const alive = child !== undefined && isAlive(child);
    return alive && (this.#state === 'ready' || this.#state === 'busy') && !this.#recycle.requested;
  }

  /**
   * Starts a worker on `model` (the current one by default). Resolves once it serves — crash
   * restarts on the way included — and rejects with the reason if it fails to load or is stopped
   * first.
   */
  start(model = this.#model): Promise<void> {
    this.#model = model;
    const started = new Promise<void>((resolve, reject) => this.#startWaiters.push({ resolve, reject }));
    this.#spawn();
    return started;
  }

  #spawn(): void {
    this.#stopping = false;
    this.#recycle.newProcess();
    clearTimeout(this.#restartTimer);
    clearInterval(this.#watchdogTimer);
    this.#setState('starting');
    const child = forkWorker(this.#entry);
    this.#child = child;
    this.#backoff.started();
    this.#watchdog.restart();
    // A replaced process's late messages concern nothing the pool still holds.
    child.on('message', (message: WorkerMessage) => { if (child === this.#child) this.#onMessage(message); });
    child.on('exit', (code, signal) => this.#onExit(child, code, signal));
    child.on('error', () => { /* 'exit' follows and carries the facts */ });
    this.#send(initMessage(this.spec, this.#model, this.#config));
    this.#watchdogTimer = setInterval(() => this.#checkHeartbeat(), this.#watchdog.checkEveryMs);
    this.#watchdogTimer.unref();
  }

  runBatch(batchId: number, tasks: readonly WireTask[], priority: PriorityClass): void {
    this.#setState('busy');
    this.#send({ type: 'run-batch', batchId, tasks, priority });
  }

  /**
   * Replace the process once its current batch is done (page count or RSS limit) — when the pool
   * lets it (one recycle at a time, never its last ready device); until then it keeps serving.
   */
  requestRecycle(reason: string): void {
    if (this.#recycle.requested || (this.#state !== 'ready' && this.#state !== 'busy')) return;
    if (!this.#recycle.begin(reason, this.#callbacks.mayRecycle(this))) return;
    this.#exitReason = `recycled: ${reason}`;
    this.#setState('draining', this.#exitReason);
    this.#afterWork();
  }

  /** A recycle that had to wait for its turn: starts it if the pool now lets it. */
  retryRecycle(): void {
    const reason = this.#recycle.waitingReason;
    if (reason !== undefined) this.requestRecycle(reason);
  }

  /** Nothing held any more: back to ready, or, when a replacement is due, exit now. */
  #afterWork(): void {
    if (this.#callbacks.heldTaskIds(this).length > 0) return;
    if (this.#recycle.requested) this.#recycle.endProcess(this.#child, (why) => { this.#exitReason = `${this.#exitReason ?? 'recycled'}; ${why}`; });
    else if (this.#state === 'busy') this.#setState('ready');
  }

  /** Graceful: asks the worker to release its session and exit; SIGKILL if it does not. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    const child = this.#child;
    if (!child || !isAlive(child)) {
      this.#setState('stopped');
      return;
    }
    await terminate(child);
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
    if (child && isAlive(child)) child.kill(signal);
  }

  #onMessage(message: WorkerMessage): void {
    this.#watchdog.heard();
    switch (message.type) {
      case 'ready':
        this.batchOk = message.batchOk;
        this.modelName = message.modelName;
        this.#lookahead = message.lookahead;
        this.#watchdog.ran(message.warmupRunMs, 1);
        this.#watchdog.ready(message.rssMb);
        this.#setState('ready');
        this.#callbacks.onReady(this);
        break;
      case 'init-error':
        this.lastError = { code: message.code, message: message.message, at: new Date().toISOString() };
        // A model or device that cannot load will not load on retry either: mark it failed.
        this.#stopping = true;
        this.#setState('failed', message.message);
        break;
      case 'heartbeat': {
        this.rssMb = message.rssMb;
        const overRss = this.#recycle.overRss(message.rssMb);
        if (overRss !== undefined) this.requestRecycle(overRss);
        // Only a worker holding nothing: one with work is replaced after it, never under it.
        const bloat = this.#watchdog.idleBloat(message.rssMb, this.#state === 'ready' && this.#callbacks.heldTaskIds(this).length === 0);
        if (bloat !== undefined) this.requestRecycle(bloat);
        if (this.#state !== 'starting') this.#killIfHung(this.#watchdog.stuckRun(message.runningForMs, message.runPages));
        break;
      }
      case 'run-started':
        this.#callbacks.onRunStarted(this, message.batchId);
        break;
      case 'result': {
        const due = this.#recycle.served(message.outcomes.length);
        this.#watchdog.ran(message.runMs, message.outcomes.length);
        this.#backoff.served();
        // Asked before the pool hears the result, so it sends nothing more to a worker on its way out.
        if (due !== undefined) this.requestRecycle(due);
        this.#callbacks.onResult(this, message.batchId, message.outcomes, message.runMs);
        this.#afterWork();
        break;
      }
    }
  }

  #checkHeartbeat(): void {
    if (this.#state === 'stopped' || this.#state === 'failed' || this.#state === 'restarting') return;
    // A recycled process told to exit stops beating: its exit timer is in charge now.
    if (this.#recycle.exiting) return;
    this.#killIfHung(this.#watchdog.silence(this.#state === 'starting'));
  }

  #killIfHung(reason: string | undefined): void {
    if (reason === undefined) return;
    this.#exitReason = reason;
    this.#kill('SIGKILL');
  }

  #onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.#child) return;
    clearInterval(this.#watchdogTimer);
    const { recycled, killed } = this.#recycle.processExited();
    const taskIds = [...this.#callbacks.heldTaskIds(this)];
    const reason = this.#exitReason ?? `code ${code}, signal ${signal}`;
    this.#exitReason = undefined;
    const error = WorkerCrashError(this.spec.id, reason, taskIds.length > 0 ? taskIds.join(',') : 'none', {
      details: { code, signal, device: this.spec.id, state: this.#state, taskIds },
    });
    if ((!recycled || killed) && !this.#stopping) this.lastError = { code: error.code, message: error.message, at: new Date().toISOString() };
    const failedInit = this.#state === 'failed';
    // A recycle that had to be killed is reported (and logged) like any other kill.
    this.#callbacks.onExit(this, error, (recycled || this.#stopping) && taskIds.length === 0 && !killed);
    if (failedInit) return;
    if (this.#stopping) {
      this.#setState('stopped');
      return;
    }
    const delayMs = this.#backoff.nextDelayMs(recycled);
    if (recycled) this.#recycle.countRecycle();
    else this.restarts += 1;
    this.#setState('restarting', reason);
    this.#restartTimer = setTimeout(() => this.#spawn(), delayMs);
  }

  #setState(state: DeviceState, reason?: string): void {
    if (this.#state === state) return;
    this.#state = state;
    if (state === 'ready' || state === 'failed' || state === 'stopped') this.#recycle.settled();
    this.#callbacks.onStateChange(this, state, reason);
    if (state === 'ready') for (const waiter of this.#startWaiters.splice(0)) waiter.resolve();
    if (state === 'failed' || state === 'stopped') {
      const error = this.lastError ? errorFromCode(this.lastError.code, this.lastError.message) : NoDeviceReadyError(this.spec.id);
      for (const waiter of this.#startWaiters.splice(0)) waiter.reject(error);
    }
  }
}

