/**
 * A worker's side of the cluster: BullMQ workers that take document jobs (split into page jobs,
 * then finalised when the pages are done: document-jobs.ts) and page jobs (run on this machine's
 * PageAnalyzer — its device pool — and stored idempotently), and the delivery of the cluster's
 * callbacks from their outbox in Redis. It holds no more page jobs than its devices can
 * start well within the job lock (three rounds of their capacity while pages are quick, one when
 * slow), so jobs wait in Redis, where another worker can take them, rather than here. `close()` stops fetching and
 * finishes what it holds; a worker killed outright loses its locks and BullMQ's stalled-job
 * check hands its jobs to the others.
 */
import { EventEmitter } from 'node:events';
import os from 'node:os';
import { Worker, type Job } from 'bullmq';
import type { PageChain } from '../engine/index.js';
import { toLayoutError, type LayoutError } from '../errors.js';
import { bullmqTelemetry, contextFrom, inContext, inSpan } from '../tracing/index.js';
import { Ewma } from '../util/ewma.js';
import type { CallbackOptions } from './callback.js';
import type { CallbackOutbox } from './callback-outbox.js';
import type { Cluster } from './cluster.js';
import { redisOptions } from './connection.js';
import { DocumentJobs } from './document-jobs.js';
import { BULL_PREFIX } from './names.js';
import { OpenDocuments, type OpenDocumentsOptions } from './open-documents.js';
import { Lifecycle } from './lifecycle/index.js';
import { runPage, type PageRunnerContext } from './page-runner.js';
import { waitForCapacity } from './capacity-wait.js';
import { classifyError, isInputError } from './retry-policy.js';
import { FINISHED_STATES, pageJobSchema, type DocumentRecord, type PageOutcome } from './types.js';
import { clusterOutbox } from './redis-outbox.js';
import { WorkerRegistry } from './worker-registry.js';

export interface ClusterWorkerOptions {
  readonly cluster: Cluster;
  /**
   * The engine's page chain: it follows a reload (pages are keyed by the model that ran them).
   * When its devices also serve interactive pages (`serve --cluster-worker`) and the engine says
   * such pages are waiting or were just served, the worker holds one round of capacity instead
   * of three, so fewer locked batch pages sit here that other workers could run.
   */
  readonly engine: PageChain;
  readonly maxPixels: number;
  /** `--spool-max-mb`: the most MB of PDFs spooled here at once (0 = no bound); the option's default when absent. */
  readonly spoolMaxMb?: number;
  /** Shown by `doclayout status --redis` and in /metrics. */
  readonly workerId?: string;
  readonly devices?: readonly string[];
  /** Document jobs split or finalised at once: parsing a PDF's page tree is quick. */
  readonly docConcurrency?: number;
  /** How callbacks are sent: the SSRF guard, each attempt's time, where attempts are reported. */
  readonly callbacks?: CallbackOptions;
  /** Bounds of the PDFs kept open across this worker's page jobs (defaults in open-documents.ts). */
  readonly openDocuments?: OpenDocumentsOptions;
}

export interface ClusterWorkerEvents {
  page: { docId: string; page: number; ok: boolean; stored: boolean; cached: boolean; ms: number };
  document: { docId: string; state: DocumentRecord['state'] };
  error: Error;
}

export interface WorkerCounters {
  /** Pages this worker ran on its devices. */
  pagesRun: number;
  /** Results it stored (a page run twice is stored once, by whoever finished first). */
  pagesStored: number;
  cacheHits: number;
  /** Page jobs that failed for good (every attempt). */
  failedPages: number;
  /** Page runs and document splits refused for capacity (a full pool, a draining server, a full spool disk…) and put back with a delay. */
  capacityRetries: number;
  /** Documents read from Redis (or the shared path), and their bytes: what re-reading costs. */
  documentFetches: number;
  documentBytesRead: number;
  /** PDFs spooled to a temp file, and PDF page trees parsed, by this worker. */
  spools: number;
  pageTreeParses: number;
  /** PDFs held open for the page jobs here (spool files on disk). */
  openDocuments: number;
}

/** Weight of the newest page in the page-time average. */
const PAGE_MS_EWMA_WEIGHT = 0.2;
/**
 * Rounds of device capacity held as page jobs: the pages running, the ones queued behind them,
 * and one more round on its way from Redis, so completing a job and fetching the next never
 * leaves a device waiting. Measured (bench:cluster, one CPU worker): two rounds starved the
 * device (0.89–0.92 of the pool called directly), three did not.
 */
const HELD_ROUNDS = 3;
/** Document jobs in progress at once per worker. */
const DEFAULT_DOC_CONCURRENCY = 2;

export class ClusterWorker extends EventEmitter {
  readonly id: string;
  readonly #cluster: Cluster;
  readonly #ctx: PageRunnerContext;
  readonly #docWorker: Worker;
  readonly #pageWorker: Worker;
  readonly #registry: WorkerRegistry;
  /** The cluster's callbacks: every worker delivers from the one outbox in Redis. */
  readonly #outbox: CallbackOutbox;
  /** Document jobs: split, then the document's end through the job lifecycle (the embedded store's too). */
  readonly #documents: DocumentJobs;
  readonly #counters = { pagesRun: 0, pagesStored: 0, cacheHits: 0, failedPages: 0, capacityRetries: 0 };
  readonly #documentCounters = { spools: 0, pageTreeParses: 0 };
  /** The PDFs open here: a document's split and page jobs on this worker fetch, spool and parse it once. */
  readonly #open: OpenDocuments;
  #activePages = 0;
  /** Average wall time of a page run here (device pages, not cache hits), ms. */
  readonly #pageMs = new Ewma(PAGE_MS_EWMA_WEIGHT);
  #closing: Promise<void> | undefined;

  constructor(options: ClusterWorkerOptions) {
    super();
    const { cluster } = options;
    this.#cluster = cluster;
    this.#outbox = clusterOutbox(cluster, options.callbacks);
    this.id = options.workerId ?? `${os.hostname()}-${process.pid}`;
    this.#open = new OpenDocuments(options.openDocuments);
    this.#ctx = { engine: options.engine, maxPixels: options.maxPixels, ...(options.spoolMaxMb !== undefined ? { spoolMaxMb: options.spoolMaxMb } : {}), counters: this.#documentCounters, documents: this.#open };
    this.#documents = new DocumentJobs({
      cluster,
      pages: this.#ctx,
      open: this.#open,
      lifecycle: new Lifecycle(cluster.records, this.#outbox),
      finished: (docId, state) => this.emit('document', { docId, state }),
      capacityWait: () => { this.#counters.capacityRetries += 1; },
    });
    const connection = redisOptions(cluster.settings.redisUrl);
    const common = {
      connection,
      prefix: BULL_PREFIX,
      lockDuration: cluster.settings.lockMs,
      stalledInterval: cluster.settings.stalledIntervalMs,
      maxStalledCount: cluster.settings.maxStalled,
      autorun: false,
      ...bullmqTelemetry(),
    };
    // A job queued by an older doclayout carries its trace context in its data (read, no longer written).
    this.#docWorker = new Worker(cluster.names.docs, (job, token) => inContext(contextFrom(job.data), () => this.#documents.process(job, token)), {
      ...common,
      concurrency: options.docConcurrency ?? DEFAULT_DOC_CONCURRENCY,
    });
    this.#pageWorker = new Worker(cluster.names.pages, (job, token) => this.#processPage(job, token), {
      ...common,
      concurrency: this.#pageConcurrency(),
    });
    for (const worker of [this.#docWorker, this.#pageWorker]) {
      worker.on('error', (err) => this.emit('error', err));
      worker.on('stalled', () => void cluster.redis.hincrby(cluster.documents.keys.counters, 'stalled', 1).catch(() => undefined));
    }
    this.#pageWorker.on('failed', (job) => {
      if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) this.#counters.failedPages += 1;
    });
    // A document job out of attempts (its split or its finalising kept failing): the document
    // ends failed with the last error, so its submission counts it and `submit --wait` returns.
    this.#docWorker.on('failed', (job, err) => {
      if (!job || job.attemptsMade < (job.opts.attempts ?? 1)) return;
      void this.#documents.outOfAttempts(job, err).catch((e: unknown) => this.emit('error', toLayoutError(e)));
    });
    this.#registry = new WorkerRegistry(cluster, this.id, () => ({
      devices: options.devices ?? [],
      capacity: this.#ctx.engine.capacity(),
      concurrency: this.#pageWorker.concurrency,
      active: this.#activePages,
      ...this.counters(),
    }));
  }

  /**
   * Page jobs held at once: HELD_ROUNDS × what the devices can start now — but only while the
   * last held job would start well within its lock (by the measured average page time). Pages
   * slower than that are held one round at a time, so no job waits in this worker that another
   * worker could start sooner.
   */
  #pageConcurrency(): number {
    const capacity = Math.max(1, this.#ctx.engine.capacity());
    const pageMs = this.#pageMs.value;
    const quick = pageMs === undefined || (HELD_ROUNDS - 1) * pageMs < this.#cluster.settings.lockMs / 2;
    const rounds = quick && !this.#ctx.engine.interactiveActive() ? HELD_ROUNDS : 1;
    return capacity * rounds;
  }

  /** Re-sizes what this worker fetches (after each page: interactive load comes and goes). */
  #resize(): void {
    const wanted = this.#pageConcurrency();
    if (this.#pageWorker.concurrency !== wanted) this.#pageWorker.concurrency = wanted;
  }

  /** Folds one page's run time into the average and re-sizes what this worker fetches. */
  #observePageMs(ms: number): void {
    this.#pageMs.add(ms);
  }

  start(): void {
    void this.#docWorker.run().catch((err: unknown) => this.emit('error', toLayoutError(err)));
    void this.#pageWorker.run().catch((err: unknown) => this.emit('error', toLayoutError(err)));
    this.#registry.start();
    this.#outbox.start();
  }

  /** Page jobs this worker holds at most right now. */
  get pageJobLimit(): number {
    return this.#pageWorker.concurrency;
  }

  counters(): Readonly<WorkerCounters> {
    const reads = this.#cluster.documents.reads();
    return { ...this.#counters, documentFetches: reads.fetches, documentBytesRead: reads.bytes, ...this.#documentCounters, openDocuments: this.#open.size };
  }

  /**
   * A page job, in a `cluster.page` span under BullMQ's span of it (which continues the
   * submitter's trace), or under the context an older doclayout put in its data.
   */
  #processPage(job: Job, token: string | undefined): Promise<string> {
    const data = pageJobSchema.parse(job.data);
    return inSpan('cluster.page', { 'doclayout.job.doc_id': data.docId, 'doclayout.page.number': data.page, 'doclayout.job.attempt': job.attemptsMade + 1 }, async (span) => {
      const outcome = await this.#runPageJob(job, token, data);
      span?.setAttribute('doclayout.job.outcome', outcome);
      return outcome;
    }, contextFrom(data));
  }

  async #runPageJob(job: Job, token: string | undefined, data: { docId: string; page: number }): Promise<string> {
    const { docId, page } = data;
    const { documents, results } = this.#cluster;
    const doc = await documents.getDocument(docId);
    // Canceled or finished documents, and pages stored by an earlier delivery, cost nothing.
    if (!doc || FINISHED_STATES.includes(doc.state)) {
      // Canceled or finished elsewhere: its open PDF here is of no more use.
      this.#open.finish(docId);
      return 'skipped';
    }
    if (await results.has(docId, page)) return 'duplicate';
    const started = Date.now();
    this.#activePages += 1;
    try {
      let outcome: PageOutcome & { cached?: boolean };
      try {
        outcome = await runPage(this.#ctx, doc, () => documents.getBytes(doc), page);
      } catch (err) {
        const error = classifyError(err, `page ${page} of ${doc.name}`);
        if (!isInputError(error)) return await this.#retryPage(job, token, error);
        outcome = { page, ok: false, error: { code: error.code, message: error.message } };
      }
      const { cached, ...stored } = outcome;
      const wrote = await results.write(doc, stored);
      this.#counters.pagesRun += cached ? 0 : 1;
      this.#counters.cacheHits += cached ? 1 : 0;
      this.#counters.pagesStored += wrote ? 1 : 0;
      if (this.#ctx.engine.cache.kind !== 'off') {
        // Cluster-wide hit/miss counters for /metrics on any server of the cluster.
        await this.#cluster.redis.hincrby(this.#cluster.documents.keys.counters, cached ? 'cacheHits' : 'cacheMisses', 1);
      }
      const ms = Date.now() - started;
      if (!cached) this.#observePageMs(ms);
      this.#resize();
      this.emit('page', { docId, page, ok: outcome.ok, stored: wrote, cached: Boolean(cached), ms });
      return wrote ? 'stored' : 'duplicate';
    } finally {
      this.#activePages -= 1;
    }
  }

  /**
   * A page that failed for a reason other than its input is run again (retry-policy.ts): refused
   * for capacity (a full pool, a tenant's limit, a draining server, a full disk) it waits (see
   * capacity-wait.ts); any other failure is thrown, so BullMQ spends an attempt.
   */
  async #retryPage(job: Job, token: string | undefined, error: LayoutError): Promise<never> {
    await waitForCapacity(job, token, error, () => { this.#counters.capacityRetries += 1; });
    throw error;
  }

  /**
   * Stops fetching, finishes the jobs it holds and the callback attempts in flight (undelivered
   * ones stay in Redis for the other workers), closes its open PDFs (spool files removed), then
   * leaves the registry. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.all([this.#pageWorker.close(), this.#docWorker.close()]);
      await this.#outbox.close();
      await this.#open.close();
      await this.#registry.stop();
    })();
    return this.#closing;
  }
}
