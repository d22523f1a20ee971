/**
 * A piscina pool whose tasks can have a time budget that measures their run, not their wait: our
 * own FIFO sits in front of piscina and hands it no more tasks than it has threads, so a task
 * starts the moment it is submitted. A task over budget has its thread terminated (piscina does
 * that on abort; the next task gets a fresh thread) and resolves to 'timeout'. Two lanes: an
 * urgent task (one that completes work and frees memory) goes before any ordinary one.
 * Memory: a thread's heap can be capped (maxHeapMb), and a thread whose reply says its heap is
 * above recycleAboveHeapMb (a hostile PDF parsed there) gets all threads replaced as soon as none
 * is running, so that heap is let go now rather than kept for the next task.
 */
import { Piscina } from 'piscina';
import type { HeapReport } from './thread-reply.js';

interface BudgetedThreadsOptions {
  /** The thread module (a file path); its default export runs one task. */
  readonly filename: string;
  readonly threads: number;
  /** Threads kept when idle: `threads` keeps them all (no cold start under a budget), 0 lets them go. */
  readonly minThreads?: number;
  /** An idle thread above minThreads ends after this long, ms. */
  readonly idleTimeoutMs?: number;
  /** Old-generation heap cap of each thread, MiB: a task over it kills its thread (rejects with ERR_WORKER_OUT_OF_MEMORY). */
  readonly maxHeapMb?: number;
  /** Replace the threads once idle after a reply reports a heap above this, MiB. */
  readonly recycleAboveHeapMb?: number;
}

interface RunOptions {
  readonly transferList?: ArrayBuffer[];
  /** The task's run may take this long, ms; none when absent. */
  readonly timeoutMs?: number;
  /** Goes before every ordinary task still waiting. */
  readonly urgent?: boolean;
}

interface Job {
  readonly task: unknown;
  readonly options: RunOptions;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

export class BudgetedThreads<Task, Reply> {
  readonly threads: number;
  readonly #options: BudgetedThreadsOptions;
  #piscina: Piscina;
  #recyclePending = false;
  readonly #waiting: Job[] = [];
  readonly #waitingUrgent: Job[] = [];
  #running = 0;
  /** Threads terminated for overrunning a budget (for tests and logs). */
  terminations = 0;
  /** Times the threads were replaced because one reported a heap above recycleAboveHeapMb. */
  recycles = 0;

  constructor(options: BudgetedThreadsOptions) {
    this.threads = options.threads;
    this.#options = options;
    this.#piscina = this.#newPiscina();
  }

  /** Threads alive now. */
  get liveThreads(): number {
    return this.#piscina.threads.length;
  }

  #newPiscina(): Piscina {
    const options = this.#options;
    return new Piscina({
      filename: options.filename,
      minThreads: options.minThreads ?? options.threads,
      maxThreads: options.threads,
      idleTimeout: options.idleTimeoutMs ?? Number.POSITIVE_INFINITY,
      concurrentTasksPerWorker: 1,
      ...(options.maxHeapMb ? { resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb } } : {}),
    });
  }

  /**
   * After a heavy reply, once nothing runs: new threads for the next tasks, the old ones ended
   * before the caller hears back (so what it measures next is the memory given back).
   */
  #maybeRecycle(reply: unknown): Promise<void> | undefined {
    const limit = this.#options.recycleAboveHeapMb;
    const heapMb = (reply as HeapReport | null)?.threadHeapMb;
    if (limit !== undefined && heapMb !== undefined && heapMb > limit) this.#recyclePending = true;
    if (!this.#recyclePending || this.#running > 0) return undefined;
    this.#recyclePending = false;
    this.recycles += 1;
    const old = this.#piscina;
    this.#piscina = this.#newPiscina();
    return old.destroy().catch(() => undefined);
  }

  /** The thread's reply, or 'timeout' when the run overran its budget; rejects if the thread died. */
  run(task: Task, options: RunOptions = {}): Promise<Reply | 'timeout'> {
    return new Promise((resolve, reject) => {
      (options.urgent ? this.#waitingUrgent : this.#waiting).push({ task, options, resolve: resolve as (value: unknown) => void, reject });
      this.#next();
    });
  }

  async close(): Promise<void> {
    await this.#piscina.destroy();
  }

  #next(): void {
    while (this.#running < this.threads && (this.#waitingUrgent.length > 0 || this.#waiting.length > 0)) {
      const job = (this.#waitingUrgent.shift() ?? this.#waiting.shift())!;
      this.#running += 1;
      const { timeoutMs, transferList } = job.options;
      const signal = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
      // The thread is free again before its caller hears back, so whatever the caller submits
      // next queues behind tasks already waiting, in lane order.
      const done = (settle: () => void, reply?: unknown): void => {
        this.#running -= 1;
        const recycling = this.#maybeRecycle(reply);
        this.#next();
        if (recycling) void recycling.then(settle);
        else settle();
      };
      this.#piscina.run(job.task, { transferList, signal }).then(
        (reply: unknown) => done(() => job.resolve(reply), reply),
        (err: unknown) => {
          if (signal?.aborted) this.terminations += 1;
          done(() => (signal?.aborted ? job.resolve('timeout') : job.reject(err)));
        },
      );
    }
  }
}
