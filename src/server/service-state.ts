/**
 * The service's state, built in one place: the pool as a page analyzer, the page-result cache,
 * the /v1/jobs service (embedded, or on the Redis cluster with --redis) and, with
 * --cluster-worker, the worker that runs the cluster's pages on this pool. `doclayout serve`,
 * the tests and the benches build it here and hand it to `buildServer`, which only wires routes
 * around it.
 *
 * Ownership: the caller creates the pool and hands it over; from then on the state owns the pool
 * and everything built here, and `close()` releases them in order. buildServer calls `close()`
 * from its onClose hook, so closing the server closes the state.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { createResultCache, parseCacheSpec, type ResultCache } from '../cache/index.js';
import { poolAnalyzer, type PageAnalyzer } from '../document/index.js';
import {
  callbackSettings, Cluster, ClusterWorker, EmbeddedJobService, interactiveActivity, jobSettings, modelIdentity, RedisJobService, SqliteJobStore,
  type CallbackAttempt, type CallbackGuard, type JobService,
} from '../jobs/index.js';
import { sha256File } from '../model/index.js';
import type { LayoutPool, PoolResult } from '../pool/index.js';

export interface ServiceStateOptions {
  readonly config: Config;
  /** Handed over: the state closes it. */
  readonly pool: LayoutPool;
  /** The model file the pool runs: cache keys hash it, /v1/models reports it, reload reuses it. */
  readonly modelPath?: string;
  /** pino logger for callback attempts and Redis/queue errors; none = silent (tests). */
  readonly logger?: Logger;
}

export interface ServiceState {
  readonly config: Config;
  readonly pool: LayoutPool;
  /** The pool as the document layer's page analyzer: sync routes and the embedded jobs share it. */
  readonly analyzer: PageAnalyzer<PoolResult>;
  /** Page results of jobs run in this process (embedded jobs, or the cluster worker); undefined with --redis and no cluster worker. */
  readonly cache: ResultCache | undefined;
  /** /v1/jobs: on the Redis cluster (--redis) or embedded in this process. */
  readonly jobs: JobService;
  /** Which addresses a job's callbackUrl may reach (--callback-allow), and each attempt's time. */
  readonly callbacks: { readonly guard: CallbackGuard; readonly timeoutMs: number };
  /** --redis --cluster-worker: takes the cluster's page jobs into this pool once started (`start()`, after the pool is ready). */
  readonly clusterWorker: ClusterWorker | undefined;
  /** The model file the pool runs; a reload from another file updates it. */
  modelPath: string | undefined;
  /** Cluster worker (held pages finish), then jobs (embedded documents still need the pool), then the pool. Idempotent. */
  close(): Promise<void>;
}

export async function createServiceState(options: ServiceStateOptions): Promise<ServiceState> {
  const { config, pool, logger } = options;
  const joinsCluster = config.redis !== undefined && config.clusterWorker;
  if (joinsCluster && !options.modelPath) throw new Error('--cluster-worker needs the model file (its sha256 keys the cluster cache)');
  // Before any connection opens, so a failure here leaves nothing behind.
  const clusterModelSha256 = joinsCluster ? await sha256File(options.modelPath!) : undefined;
  const analyzer = poolAnalyzer(pool);
  const callbacks = callbackSettings(config);
  const onAttempt = (a: CallbackAttempt): void => logger?.[a.outcome === 'delivered' ? 'info' : 'warn'](a, 'callback attempt');
  const cluster = config.redis ? new Cluster(jobSettings(config)) : undefined;
  cluster?.onError((err) => logger?.warn({ err: err.message }, 'redis connection error (reconnecting)'));
  const runsJobsHere = !cluster || config.clusterWorker;
  const cache = runsJobsHere ? createResultCache(parseCacheSpec(config.cache, cluster !== undefined), cluster?.redis, config.jobTtlS) : undefined;

  // Embedded jobs live in the data directory; a second server on it, or a corrupt database, stops
  // the start here — with the pool handed over released, so the process can exit.
  const store = cluster ? undefined : await SqliteJobStore.open(config.dataDir).catch(async (err: unknown) => {
    await pool.close();
    throw err;
  });
  // `state` is read later, when a job runs: the embedded jobs' model identity follows a reload's new path.
  let state: ServiceState | undefined;
  const jobs: JobService = cluster ? new RedisJobService(cluster) : new EmbeddedJobService({
    store: store!,
    analyzer,
    cache: cache!,
    modelSha256: modelIdentity(() => state?.modelPath ?? options.modelPath, () => pool.snapshot().model),
    maxPixels: config.maxPixels,
    ttlSeconds: config.jobTtlS,
    callbacks: { ...callbacks, onAttempt },
  });
  let clusterWorker: ClusterWorker | undefined;
  if (cluster && clusterModelSha256 !== undefined) {
    // Batch class behind this server's interactive pages; callbacks as `doclayout worker` sends them.
    clusterWorker = new ClusterWorker({
      cluster,
      analyzer,
      cache: cache!,
      modelSha256: clusterModelSha256,
      maxPixels: config.maxPixels,
      devices: config.devices.split(','),
      interactiveActive: interactiveActivity(() => pool.snapshot()),
      callbacks: { ...callbacks, onAttempt },
    });
    clusterWorker.on('error', (err: Error) => logger?.warn({ err }, 'queue error'));
  }
  let closing: Promise<void> | undefined;
  state = {
    config, pool, analyzer, cache, jobs, callbacks, clusterWorker,
    modelPath: options.modelPath,
    close: () => {
      closing ??= (async () => {
        try {
          await clusterWorker?.close();
          await jobs.close();
        } finally {
          await pool.close();
        }
      })();
      return closing;
    },
  };
  return state;
}
