/**
 * /v1/jobs without Redis: jobs queue and run inside the server process, on its own analyzer
 * (the device pool), through the same document layer as /v1/layout, with the result cache in
 * front. Jobs are kept in memory — a restart loses them (documented) — and forgotten TTL after
 * they finish; at most MAX_JOBS are held, the oldest finished going first.
 */
import { randomBytes } from 'node:crypto';
import { analyzeDocument, type UploadedFile } from '../document/index.js';
import type { PageChain } from '../engine/index.js';
import { JobCanceledError, PoolClosedError, QueueFullError, toLayoutError } from '../errors.js';
import { sha256Hex } from './document-store.js';
import { notifyCallback, type CallbackOptions } from './callback.js';
import type { JobMetrics, JobService, JobState, JobView } from './job-service.js';
import { iso } from './job-service.js';
import { pageCacheKey } from './page-runner.js';
import type { DocumentOptions, JobErrorInfo, PageOutcome } from './types.js';

/** Jobs held in memory (queued, running and finished not yet expired). */
export const MAX_JOBS = 1_000;
/** Documents analysed at once; their pages share the pool with /v1/layout. */
const CONCURRENT_DOCUMENTS = 2;

interface EmbeddedJob {
  readonly id: string;
  /** The upload; its bytes are dropped once the job finishes. */
  file: UploadedFile;
  readonly options: DocumentOptions;
  readonly sha256: string;
  readonly createdAt: number;
  readonly abort: AbortController;
  state: JobState;
  pagesTotal: number | null;
  pages: PageOutcome[];
  error?: JobErrorInfo;
  finishedAt?: number;
}

export interface EmbeddedJobServiceOptions {
  /** The engine's page chain (cache → admission → pool); each page is keyed by the model that ran it. */
  readonly engine: PageChain;
  readonly maxPixels: number;
  readonly ttlSeconds: number;
  /** How callbacks are sent: the SSRF guard, each attempt's time, where attempts are reported. */
  readonly callbacks?: CallbackOptions;
}

export class EmbeddedJobService implements JobService {
  readonly backend = 'embedded' as const;
  readonly #options: EmbeddedJobServiceOptions;
  readonly #jobs = new Map<string, EmbeddedJob>();
  readonly #queue: EmbeddedJob[] = [];
  readonly #running = new Set<Promise<void>>();
  readonly #counters = { completed: 0, failed: 0, cacheHits: 0, pagesStored: 0 };
  #closed = false;

  constructor(options: EmbeddedJobServiceOptions) {
    this.#options = options;
  }

  async submit(file: UploadedFile, options: DocumentOptions): Promise<JobView> {
    if (this.#closed) throw PoolClosedError();
    this.#expire();
    if (this.#jobs.size >= MAX_JOBS) throw QueueFullError(this.#queue.length, { details: { retryAfterSeconds: 5 } });
    const job: EmbeddedJob = {
      id: `job-${randomBytes(8).toString('hex')}`,
      file,
      options,
      sha256: sha256Hex(file.bytes),
      createdAt: Date.now(),
      abort: new AbortController(),
      state: 'queued',
      pagesTotal: null,
      pages: [],
    };
    this.#jobs.set(job.id, job);
    this.#queue.push(job);
    this.#pump();
    return this.#view(job);
  }

  get(id: string): Promise<JobView | undefined> {
    this.#expire();
    const job = this.#jobs.get(id);
    return Promise.resolve(job ? this.#view(job) : undefined);
  }

  cancel(id: string): Promise<JobView | undefined> {
    const job = this.#jobs.get(id);
    if (!job) return Promise.resolve(undefined);
    if (job.state === 'queued' || job.state === 'running') {
      const at = this.#queue.indexOf(job);
      if (at >= 0) this.#queue.splice(at, 1);
      job.abort.abort(JobCanceledError(id));
      this.#finish(job, 'canceled');
    }
    return Promise.resolve(this.#view(job));
  }

  metrics(): Promise<JobMetrics> {
    const jobs = [...this.#jobs.values()];
    const stats = this.#options.engine.cache.stats();
    return Promise.resolve({
      backend: 'embedded',
      waiting: this.#queue.length,
      active: jobs.filter((j) => j.state === 'running').length,
      completed: this.#counters.completed,
      failed: this.#counters.failed,
      stalled: 0,
      cacheHits: stats.hits,
      cacheMisses: stats.misses,
      workers: [{ id: 'embedded', pagesStored: this.#counters.pagesStored, active: jobs.filter((j) => j.state === 'running').length, pagesPerSec: 0 }],
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) this.#finish(job, 'canceled');
    await Promise.allSettled([...this.#running]);
  }

  #pump(): void {
    while (!this.#closed && this.#running.size < CONCURRENT_DOCUMENTS && this.#queue.length > 0) {
      const job = this.#queue.shift()!;
      const run = this.#run(job).finally(() => {
        this.#running.delete(run);
        this.#pump();
      });
      this.#running.add(run);
    }
  }

  async #run(job: EmbeddedJob): Promise<void> {
    const { engine, maxPixels } = this.#options;
    job.state = 'running';
    const limits = { maxPixels, pdfDpi: job.options.pdfDpi, maxPdfPages: job.options.maxPdfPages };
    try {
      // Whether it is a PDF is known once the document is opened (onOpen), before any page runs.
      let pdf = false;
      // The cache in front of the pool, as for a cluster's page jobs (page-runner.ts).
      const cached = engine.cached((page, modelSha256) => pageCacheKey({ sha256: job.sha256, pdf, options: job.options }, page, modelSha256));
      // The document is opened once (a PDF spooled and counted off this, the HTTP server's, event loop).
      const doc = await analyzeDocument({ analyzer: cached, limits }, job.file, {
        params: job.options.params,
        ...(job.options.pages ? { pages: job.options.pages } : {}),
        signal: job.abort.signal,
        // Nobody waits on a job's pages: interactive requests go ahead of them.
        admission: { priority: 'batch', ...(job.options.tenant ? { tenant: job.options.tenant } : {}) },
        onOpen: (opened) => {
          job.pagesTotal = opened.selected.length;
          pdf = opened.mediaType === 'pdf';
        },
        onResult: (page) => {
          job.pages.push({ page: page.result.input.page ?? 1, ok: true, result: page.result });
          this.#counters.pagesStored += 1;
        },
      });
      // A PDF page that failed alone (LAYOUT_ERR_PDF) is a page error, and fails the job as the cluster's would.
      for (const failed of doc.failedPages) job.pages.push({ page: failed.page, ok: false, error: { code: failed.error.code, message: failed.error.message } });
      job.pages.sort((a, b) => a.page - b.page);
      const firstFailed = doc.failedPages[0];
      if (firstFailed) job.error = { code: firstFailed.error.code, message: firstFailed.error.message };
      this.#finish(job, firstFailed ? 'failed' : 'completed');
    } catch (err) {
      if ((job.state as JobState) === 'canceled') return;
      const error = toLayoutError(err);
      job.error = { code: error.code, message: error.message };
      // Unlike the cluster, nothing here outlives the process to retry from: any error fails the job.
      this.#finish(job, 'failed');
    }
  }

  #finish(job: EmbeddedJob, state: JobState): void {
    if (job.state === 'completed' || job.state === 'failed' || job.state === 'canceled') return;
    job.state = state;
    job.finishedAt = Date.now();
    job.file = { name: job.file.name, bytes: new Uint8Array(0) };
    if (state === 'completed') this.#counters.completed += 1;
    if (state === 'failed') this.#counters.failed += 1;
    if (job.options.callbackUrl) void notifyCallback(job.options.callbackUrl, this.#view(job), this.#options.callbacks).catch(() => undefined);
  }

  #view(job: EmbeddedJob): JobView {
    const finished = job.state === 'completed' || job.state === 'failed';
    return {
      id: job.id,
      state: job.state,
      name: job.file.name,
      pagesDone: job.pages.length,
      pagesTotal: job.pagesTotal,
      pagesFailed: job.pages.filter((p) => !p.ok).length + (job.state === 'failed' && job.pagesTotal !== null ? job.pagesTotal - job.pages.length : 0),
      createdAt: iso(job.createdAt)!,
      ...(job.options.tenant ? { tenant: job.options.tenant } : {}),
      ...(job.finishedAt ? { finishedAt: iso(job.finishedAt)! } : {}),
      ...(job.error ? { error: job.error } : {}),
      ...(finished ? { pages: job.pages } : {}),
    };
  }

  /** Forgets finished jobs past their TTL. */
  #expire(now = Date.now()): void {
    const ttlMs = this.#options.ttlSeconds * 1000;
    for (const [id, job] of this.#jobs) {
      if (job.finishedAt !== undefined && now - job.finishedAt > ttlMs) this.#jobs.delete(id);
    }
  }
}
