/**
 * `doclayout worker --redis redis://HOST:PORT [--devices auto] [--queue NAME]`: joins a cluster.
 * Starts the device pool, then takes document and page jobs from the queue into it. SIGTERM or
 * SIGINT stop fetching, finish the jobs held, and exit 0; a second signal exits at once (the
 * held jobs' locks lapse and other workers take them over).
 */
import type { Command } from 'commander';
import pino from 'pino';
import { createResultCache, parseCacheSpec } from '../../cache/index.js';
import type { OptionName } from '../../config.js';
import { createEngine } from '../../engine/index.js';
import { InvalidParamError } from '../../errors.js';
import { callbackSettings, Cluster, ClusterWorker, jobSettings } from '../../jobs/index.js';
import { resolveModelPath } from '../../model/index.js';
import { startTracing, stopTracing, traceLogFields } from '../../tracing/index.js';
import { addConfigOptions, configFromOptions } from '../config-options.js';

const WORKER_OPTIONS: readonly OptionName[] = [
  'redis', 'queue', 'cache', 'jobTtlS', 'jobLockMs', 'jobAttempts', 'callbackAllow', 'callbackTimeoutMs',
  'model', 'modelDir', 'devices', 'cpuThreads', 'maxBatch', 'maxQueueDelayMs', 'maxQueue', 'requestTimeoutMs',
  'maxRetries', 'heartbeatIntervalMs', 'watchdogTimeoutMs', 'restartBackoffMs', 'recycleAfterPages', 'recycleRssMb', 'idleRecycleMarginMb',
  'maxPixels', 'logLevel',
];

export function registerWorkerCommand(program: Command): void {
  addConfigOptions(
    program
      .command('worker')
      .description('Join a cluster: take page jobs from the Redis queue into this machine\'s device pool')
      .option('--worker-id <id>', 'name shown by `doclayout status --redis` (default: HOST-PID)'),
    WORKER_OPTIONS,
    ['jobStalledIntervalMs', 'jobMaxStalled', 'jobBackoffMs', 'restartBackoffMaxMs'],
  ).action(async (options: Record<string, unknown>) => {
    const config = configFromOptions(options, WORKER_OPTIONS);
    if (!config.redis) throw InvalidParamError('--redis', 'a worker needs the queue: --redis redis://HOST:PORT');
    const tracing = await startTracing('cluster-worker', process.env, { redis: true });
    const logger = pino({ level: config.logLevel, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime, ...(tracing ? { mixin: traceLogFields } : {}) }, pino.destination(2));
    const modelPath = resolveModelPath(config);
    const cluster = new Cluster(jobSettings(config));
    const cache = createResultCache(parseCacheSpec(config.cache, true), { redis: cluster.redis, ttlSeconds: config.jobTtlS });
    const engine = await createEngine({ config, modelPath, cache });
    try {
      await engine.ready();
    } catch (err) {
      await engine.destroy(err instanceof Error ? err : undefined);
      await cluster.close();
      throw err;
    }
    const worker = new ClusterWorker({
      cluster,
      engine,
      maxPixels: config.maxPixels,
      spoolMaxMb: config.spoolMaxMb,
      ...(typeof options.workerId === 'string' ? { workerId: options.workerId } : {}),
      devices: config.devices.split(','),
      callbacks: { ...callbackSettings(config), onAttempt: (a) => logger[a.outcome === 'delivered' ? 'info' : 'warn'](a, 'callback attempt') },
    });
    worker.on('error', (err: Error) => logger.warn({ err }, 'queue error'));
    cluster.onError((err) => logger.warn({ err: err.message }, 'redis connection error (reconnecting)'));
    worker.on('page', (p) => logger.debug(p, 'page'));
    worker.on('document', (d) => logger.info(d, 'document finished'));

    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) {
        logger.warn({ signal }, 'second signal, exiting without finishing held jobs');
        process.exit(1);
      }
      stopping = true;
      logger.info({ signal }, 'stopping: no new jobs, finishing held ones');
      void (async () => {
        let code = 0;
        try {
          await worker.close();
          await engine.close();
          await cluster.close();
          await stopTracing();
        } catch (err) {
          code = 1;
          logger.error({ err }, 'error while stopping');
        }
        logger.info({ ...worker.counters(), exitCode: code }, 'stopped');
        process.exitCode = code;
        // Redis clients may hold timers for a moment after quit; the work is done.
        setTimeout(() => process.exit(code), 500).unref();
      })();
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));

    worker.start();
    logger.info({ id: worker.id, queue: config.queue, capacity: engine.capacity(), cache: cache.kind, model: engine.identity.name, sha256: engine.identity.sha256 }, 'worker ready');
    process.stderr.write(`doclayout worker ${worker.id} on ${config.queue} (${config.redis}), capacity ${engine.capacity()} pages\n`);
  });
}
