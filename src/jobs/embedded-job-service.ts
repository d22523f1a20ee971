/**
 * /v1/jobs without Redis: jobs run inside the server process, on its own analyzer (the device
 * pool), through the same document layer as /v1/layout, with the result cache in front — and
 * live in a JobStore (SQLite in the data directory), so nothing accepted is lost:
 *
 * - a 202 is sent once the upload and the job are on disk;
 * - each page's outcome is stored as it arrives, once; a job run again (after a restart, or a
 *   retryable error) skips the pages it has, and runs again a page that was in flight;
 * - stopping (SIGTERM) lets the pages in flight finish and leaves unfinished jobs queued, to go on
 *   at the next start; after kill -9 the next start finds them the same way;
 * - what a run's end means — retried or failed, the failed-page rule, cancel, the callback woken —
 *   is the job lifecycle's (lifecycle/), shared with the cluster; this is its scheduler;
 * - callbacks leave through the store's outbox (callback-outbox.ts);
 * - finished jobs are removed TTL after they finish, rows and files.
 */
import { randomBytes } from 'node:crypto';
import type { UploadedFile } from '../document/index.js';
import type { PageChain } from '../engine/index.js';
import { contextFrom, detached, inSpan } from '../tracing/index.js';
import { JobCanceledError, PoolClosedError, QueueFullError } from '../errors.js';
import { sha256Hex } from './document-store.js';
import type { CallbackOptions } from './callback.js';
import { CallbackOutbox } from './callback-outbox.js';
import type { JobStore, StoredJob } from './durable/job-store.js';
import { runEmbeddedJob, type EmbeddedRunContext } from './embedded-run.js';
import type { JobMetrics, JobProgress, JobService, JobView } from './job-service.js';
import { isFinalState, jobView, Lifecycle } from './lifecycle/index.js';
import type { DocumentOptions } from './types.js';

/** Jobs accepted and not finished (queued or running) at most; more gets 429 until some finish. */
export const MAX_JOBS = 10_000;
/** Documents analysed at once; their pages share the pool with /v1/layout. */
const CONCURRENT_DOCUMENTS = 2;
/** How often finished jobs past their TTL are looked for, ms (at most). */
const EXPIRE_EVERY_MS = 60_000;
/** Pages a follower reads per look. */
const FOLLOW_PAGES = 200;
/** Bounded tries of a run that failed for a fault (a crashed device, a lost spool). */
const FAULT_ATTEMPTS = 3;

export interface EmbeddedJobServiceOptions {
  /** Where jobs, uploads, results and callbacks live; the service closes it. */
  readonly store: JobStore;
  /** The engine's page chain (cache → admission → pool); each page is keyed by the model that ran it. */
  readonly engine: PageChain;
  readonly maxPixels: number;
  /** `--spool-max-mb`: the most MB of PDFs spooled at once (0 = no bound); the option's default when absent. */
  readonly spoolMaxMb?: number;
  readonly ttlSeconds: number;
  /** How callbacks are sent: the SSRF guard, each attempt's time, where attempts are reported. */
  readonly callbacks?: CallbackOptions;
}

export class EmbeddedJobService implements JobService {
  readonly backend = 'embedded' as const;
  readonly #options: EmbeddedJobServiceOptions;
  readonly #store: JobStore;
  readonly #outbox: CallbackOutbox;
  readonly #lifecycle: Lifecycle;
  /** What a run of a job needs: the store, the engine's page chain, the limits, whether the service stops. */
  readonly #runContext: EmbeddedRunContext;
  /** Job ids waiting for a turn, oldest first. */
  readonly #queue: string[] = [];
  readonly #running = new Map<string, { readonly abort: AbortController; readonly done: Promise<void> }>();
  /** Runs waiting out a retry's backoff. */
  readonly #retryTimers = new Set<NodeJS.Timeout>();
  readonly #expireTimer: NodeJS.Timeout;
  readonly #counters = { pagesStored: 0 };
  #closing = false;
  #closed: Promise<void> | undefined;

  constructor(options: EmbeddedJobServiceOptions) {
    this.#options = options;
    this.#store = options.store;
    // An embedded job keeps its submitter's trace context with its options (POST /v1/jobs).
    this.#outbox = new CallbackOutbox(this.#store, (id) => this.get(id), options.callbacks, async (id) => (await this.#store.job(id))?.options.trace);
    this.#lifecycle = new Lifecycle(this.#store, this.#outbox);
    const { engine, maxPixels, spoolMaxMb } = options;
    this.#runContext = {
      store: this.#store, engine, maxPixels, ...(spoolMaxMb !== undefined ? { spoolMaxMb } : {}),
      stopping: () => this.#closing,
      onStored: () => void (this.#counters.pagesStored += 1),
    };
    const expireMs = Math.min(EXPIRE_EVERY_MS, Math.max(50, options.ttlSeconds * 250));
    this.#expireTimer = setInterval(() => void this.#expire(), expireMs);
    this.#expireTimer.unref();
    void this.#recover();
  }

  /** Jobs a previous run of the server left queued or running go on, oldest first. */
  async #recover(): Promise<void> {
    await this.#expire();
    try {
      this.#queue.push(...(await this.#store.runnable()));
    } catch {
      // Closed before it started: nothing to run.
      return;
    }
    this.#outbox.start();
    this.#pump();
  }

  async submit(file: UploadedFile, options: DocumentOptions): Promise<JobView> {
    if (this.#closing) throw PoolClosedError();
    const counts = await this.#store.counts();
    if (counts.queued + counts.running >= MAX_JOBS) throw QueueFullError(counts.queued, { details: { retryAfterSeconds: 5 } });
    const id = `job-${randomBytes(8).toString('hex')}`;
    const job = await this.#store.accept({ id, name: file.name, sha256: sha256Hex(file.bytes), options, createdAt: Date.now() }, file.bytes);
    this.#queue.push(id);
    this.#pump();
    return jobView(job);
  }

  async get(id: string): Promise<JobView | undefined> {
    const job = await this.#store.job(id);
    if (!job) return undefined;
    return jobView(job, isFinalState(job.state) ? await this.#lifecycle.outcomes(id) : undefined);
  }

  async follow(id: string, afterSeq: number): Promise<JobProgress | undefined> {
    const job = await this.#store.job(id);
    if (!job) return undefined;
    return { view: jobView(job), pages: await this.#store.pagesAfter(id, afterSeq, FOLLOW_PAGES) };
  }

  async cancel(id: string): Promise<JobView | undefined> {
    const job = await this.#store.job(id);
    if (!job) return undefined;
    if (await this.#lifecycle.cancel(id)) {
      const at = this.#queue.indexOf(id);
      if (at >= 0) this.#queue.splice(at, 1);
      this.#running.get(id)?.abort.abort(JobCanceledError(id));
    }
    return this.get(id);
  }

  async metrics(): Promise<JobMetrics> {
    const counts = await this.#store.counts();
    const stats = this.#options.engine.cache.stats();
    return {
      backend: 'embedded',
      waiting: counts.queued,
      active: counts.running,
      completed: counts.completed,
      failed: counts.failed,
      stalled: 0,
      cacheHits: stats.hits,
      cacheMisses: stats.misses,
      workers: [{ id: 'embedded', pagesStored: this.#counters.pagesStored, active: counts.running, pagesPerSec: 0 }],
    };
  }

  /**
   * Stops taking jobs; the pages in flight finish and are stored, and their jobs go back to the
   * queue (never canceled) to go on at the next start. Then the outbox and the store close.
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing = true;
      clearInterval(this.#expireTimer);
      for (const timer of this.#retryTimers) clearTimeout(timer);
      this.#queue.length = 0;
      await Promise.allSettled([...this.#running.values()].map((r) => r.done));
      await this.#outbox.close();
      await this.#store.close();
    })();
    return this.#closed;
  }

  #pump(): void {
    while (!this.#closing && this.#running.size < CONCURRENT_DOCUMENTS && this.#queue.length > 0) {
      const id = this.#queue.shift()!;
      if (this.#running.has(id)) continue;
      const abort = new AbortController();
      // In no trace: the run joins its own job's trace (#run), not the request that pumped it.
      const done = detached(() => this.#run(id, abort.signal))
        .catch(() => undefined)
        .finally(() => {
          this.#running.delete(id);
          this.#pump();
        });
      this.#running.set(id, { abort, done });
    }
  }

  async #run(id: string, signal: AbortSignal): Promise<void> {
    if (!(await this.#store.start(id))) return;
    const job = (await this.#store.job(id))!;
    try {
      // One `job.run` span per run, in the submitter's trace (kept with the job, so also after a restart).
      const attributes = { 'doclayout.job.id': id, 'doclayout.job.attempt': job.attempts + 1 };
      const outcomes = await inSpan('job.run', attributes, () => runEmbeddedJob(this.#runContext, job, signal), contextFrom(job.options.trace));
      await this.#lifecycle.pagesDone(id, outcomes);
    } catch (err) {
      await this.#failedRun(job, err);
    }
  }

  /** A run that threw: canceled, stopping (back to the queue), or what the lifecycle decides: retried later, or failed. */
  async #failedRun(job: StoredJob, err: unknown): Promise<void> {
    const current = await this.#store.job(job.id).catch(() => undefined);
    if (!current || current.state !== 'running') return;
    if (this.#closing) return this.#store.requeue(job.id);
    const decision = await this.#lifecycle.runFailed(job.id, err, { attempts: current.attempts + 1, faultAttempts: FAULT_ATTEMPTS, what: `job ${job.id}`, where: this.#store.location });
    if (!decision.retry) return;
    // On a full disk even this may not be written: the job is tried again all the same.
    if (decision.counted) await this.#store.requeue(job.id, { code: decision.error.code, message: decision.error.message }).catch(() => undefined);
    const timer = setTimeout(() => {
      this.#retryTimers.delete(timer);
      this.#queue.push(job.id);
      this.#pump();
    }, decision.delayMs);
    this.#retryTimers.add(timer);
  }

  async #expire(): Promise<void> {
    try {
      while ((await this.#store.expire(Date.now(), this.#options.ttlSeconds * 1000)) > 0) {
        // In slices of a few hundred jobs, so the event loop is never held long.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch {
      // A full disk or a closing store: the next round tries again.
    }
  }
}
