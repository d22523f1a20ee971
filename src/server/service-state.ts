/**
 * The service's state, built in one place: the engine (the device pool behind the one page chain,
 * the model's identity, reloads), the page-result cache it keys by producing model, the /v1/jobs
 * service (embedded, or on the Redis cluster with --redis) and, with --cluster-worker, the worker
 * that runs the cluster's pages on this engine. `doclayout serve`, the tests and the benches build
 * it here and hand it to `buildServer`, which only wires routes around it.
 *
 * Ownership: the state owns the engine (and its pool) and everything built here, and `close()`
 * releases them in order. buildServer calls `close()` from its onClose hook, so closing the server
 * closes the state.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { createResultCache, parseCacheSpec, type ResultCache } from '../cache/index.js';
import { createEngine, type Engine, type EngineOptions } from '../engine/index.js';
import {
  callbackSettings, Cluster, ClusterWorker, EmbeddedJobService, jobSettings, RedisJobService, SqliteJobStore,
  type CallbackAttempt, type CallbackGuard, type JobService,
} from '../jobs/index.js';

export interface ServiceStateOptions {
  readonly config: Config;
  /** The model file the devices start on; the engine hashes it (cache keys) and owns it from then on. */
  readonly modelPath: string;
  /** Explicit device specs instead of config.devices (tests, benches). */
  readonly devices?: EngineOptions['devices'];
  /** Worker programs other than the real one, by device index (test fixtures that crash or hang). */
  readonly workerEntry?: EngineOptions['workerEntry'];
  /** pino logger for callback attempts and Redis/queue errors; none = silent (tests). */
  readonly logger?: Logger;
}

export interface ServiceState {
  readonly config: Config;
  /** The one engine: sync routes, embedded jobs and the cluster worker all page through it. */
  readonly engine: Engine;
  /** Page results of jobs run in this process (embedded jobs, or the cluster worker); undefined with --redis and no cluster worker. */
  readonly cache: ResultCache | undefined;
  /** /v1/jobs: on the Redis cluster (--redis) or embedded in this process. */
  readonly jobs: JobService;
  /** Which addresses a job's callbackUrl may reach (--callback-allow), and each attempt's time. */
  readonly callbacks: { readonly guard: CallbackGuard; readonly timeoutMs: number };
  /** --redis --cluster-worker: takes the cluster's page jobs into this engine once started (`start()`, after the engine is ready). */
  readonly clusterWorker: ClusterWorker | undefined;
  /** Cluster worker (held pages finish), then jobs (embedded documents still need the pool), then the engine. Idempotent. */
  close(): Promise<void>;
}

/** How often a failing cache (a full disk) is logged at most: one line per interval, with a count. */
const CACHE_ERROR_LOG_MS = 60_000;

/** Logs the store cache's skipped reads and writes, at most once a minute, so a full disk is one line, not one per page. */
function cacheErrorLog(logger: Logger | undefined): (err: unknown, action: 'read' | 'write') => void {
  let lastAt = -Infinity;
  let skipped = 0;
  return (err, action) => {
    skipped += 1;
    const now = Date.now();
    if (now - lastAt < CACHE_ERROR_LOG_MS) return;
    logger?.warn({ err, action, skipped }, 'page-result cache: skipped (the page itself is unaffected)');
    lastAt = now;
    skipped = 0;
  };
}

export async function createServiceState(options: ServiceStateOptions): Promise<ServiceState> {
  const { config, logger } = options;
  const callbacks = callbackSettings(config);
  const onAttempt = (a: CallbackAttempt): void => logger?.[a.outcome === 'delivered' ? 'info' : 'warn'](a, 'callback attempt');
  const cluster = config.redis ? new Cluster(jobSettings(config)) : undefined;
  cluster?.onError((err) => logger?.warn({ err: err.message }, 'redis connection error (reconnecting)'));
  const runsJobsHere = !cluster || config.clusterWorker;
  // Embedded jobs live in the data directory: a second server on it, or a corrupt database, stops
  // the start here, before any device starts.
  const store = cluster ? undefined : await SqliteJobStore.open(config.dataDir);
  let engine: Engine;
  try {
    // Embedded, the cache's default is a table in the job store's database: a restart keeps it.
    const cache = runsJobsHere ? createResultCache(parseCacheSpec(config.cache, cluster !== undefined, store !== undefined), {
      redis: cluster?.redis,
      database: store?.database,
      ttlSeconds: config.jobTtlS,
      onError: cacheErrorLog(logger),
    }) : undefined;
    engine = await createEngine({
      config,
      modelPath: options.modelPath,
      ...(cache ? { cache } : {}),
      ...(options.devices ? { devices: options.devices } : {}),
      ...(options.workerEntry ? { workerEntry: options.workerEntry } : {}),
    });
  } catch (err) {
    await cluster?.close();
    await store?.close();
    throw err;
  }
  const cache = runsJobsHere ? engine.cache : undefined;

  const jobs: JobService = cluster ? new RedisJobService(cluster) : new EmbeddedJobService({
    store: store!,
    engine,
    maxPixels: config.maxPixels,
    spoolMaxMb: config.spoolMaxMb,
    ttlSeconds: config.jobTtlS,
    callbacks: { ...callbacks, onAttempt },
  });
  let clusterWorker: ClusterWorker | undefined;
  if (cluster && config.clusterWorker) {
    // Batch class behind this server's interactive pages; callbacks as `doclayout worker` sends them.
    clusterWorker = new ClusterWorker({
      cluster,
      engine,
      maxPixels: config.maxPixels,
      spoolMaxMb: config.spoolMaxMb,
      devices: config.devices.split(','),
      callbacks: { ...callbacks, onAttempt },
    });
    clusterWorker.on('error', (err: Error) => logger?.warn({ err }, 'queue error'));
  }
  let closing: Promise<void> | undefined;
  return {
    config, engine, cache, jobs, callbacks, clusterWorker,
    close: () => {
      closing ??= (async () => {
        try {
          await clusterWorker?.close();
          await jobs.close();
        } finally {
          await engine.close();
        }
      })();
      return closing;
    },
  };
}
