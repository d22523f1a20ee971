/**
 * `doclayout serve`: config → model path → the service's state (createServiceState: the engine and
 * its pool, cache, jobs, cluster worker) → server → listen, and the teardown. Every option of config.ts is a flag here, generated from its table.
 * SIGTERM/SIGINT drain (readiness 503, in-flight work finishes, exit 0; a second signal or the
 * drain timeout fails what is left, exit 1); SIGHUP reloads the model device by device.
 */
import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import pino, { type Logger } from 'pino';
import { optionSpecs, removedOptions, type Config, type OptionName, type RemovedOptionName } from '../../config.js';
import { DeadlineExceededError } from '../../errors.js';
import { resolveModelPath } from '../../model/index.js';
import { buildServer, createServiceState, reloadServerModel, startDraining } from '../../server/index.js';
import { createGpuTelemetry, type GpuTelemetry } from '../../telemetry/gpu.js';
import { startTracing, stopTracing, traceLogFields } from '../../tracing/index.js';
import { addConfigOptions, configFromOptions } from '../config-options.js';
import { listenLine, localUrl } from '../listen-line.js';

const ALL_OPTIONS = Object.keys(optionSpecs) as OptionName[];

/** After the last log line, how long we let stdout flush before forcing the exit, ms. */
const EXIT_GRACE_MS = 2_000;

export function registerServeCommand(program: Command): void {
  addConfigOptions(
    program
      .command('serve')
      .description('Run the HTTP service and web UI (API /v1, /analyze, /object-detection, /layout-parsing; UI at /; docs at /docs)'),
    ALL_OPTIONS,
    Object.keys(removedOptions) as RemovedOptionName[],
  ).action(async (options: Record<string, unknown>) => {
    await runServe(configFromOptions(options, ALL_OPTIONS));
  });
}

export async function runServe(config: Config): Promise<void> {
  // Before anything that makes spans; off (nothing loaded) unless OTEL_* asks for it. With
  // --redis, before the cluster's queues are made: they take BullMQ's telemetry option then.
  const tracing = await startTracing('server', process.env, { redis: Boolean(config.redis) });
  const logger: Logger = pino({ level: config.logLevel, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime, ...(tracing ? { mixin: traceLogFields } : {}) });
  const modelPath = resolveModelPath(config);
  const gpuTelemetry: GpuTelemetry | undefined = config.gpuTelemetryMs > 0 ? createGpuTelemetry({ intervalMs: config.gpuTelemetryMs }) : undefined;
  logger.info({ modelPath, devices: config.devices, maxBatch: config.maxBatch, maxQueue: config.maxQueue }, 'starting pool');
  // With --redis, /v1/jobs lives in Redis and runs on the cluster's workers (`doclayout worker`);
  // with --cluster-worker too, this server's devices also run the cluster's pages, behind its own interactive ones.
  const state = await createServiceState({ config, modelPath, logger });
  const { engine, clusterWorker: worker } = state;
  engine.on('identity', (identity) => logger.info({ model: identity.name, modelPath: identity.path, sha256: identity.sha256 }, 'model identity changed'));
  const app = await buildServer({ state, logger, gpuTelemetry });

  let shuttingDown = false;
  const shutdown = async (signal: string, failed = false): Promise<void> => {
    if (shuttingDown) {
      // A second Ctrl-C / SIGTERM: stop waiting for in-flight work.
      logger.warn({ signal }, 'second signal, failing in-flight work');
      await engine.destroy(DeadlineExceededError(0));
      process.exit(1);
    }
    shuttingDown = true;
    startDraining(app);
    logger.info({ signal, drainTimeoutMs: config.drainTimeoutMs }, 'draining');
    let exitCode = failed ? 1 : 0;
    const drainTimer = setTimeout(() => {
      exitCode = 1;
      logger.error({ drainTimeoutMs: config.drainTimeoutMs }, 'drain timeout, failing in-flight work');
      void engine.destroy(DeadlineExceededError(config.drainTimeoutMs));
      app.server.closeAllConnections();
    }, config.drainTimeoutMs);
    drainTimer.unref();
    try {
      // The cluster's pages first (held ones finish; the rest stay in Redis), then the HTTP side.
      await worker?.close();
      // Stops accepting, waits for in-flight requests, then closes the state: jobs, pool (onClose hook).
      await app.close();
    } catch (err) {
      exitCode = 1;
      logger.error({ err }, 'error while closing');
    }
    clearTimeout(drainTimer);
    gpuTelemetry?.close();
    await stopTracing();
    logger.info({ exitCode }, 'stopped');
    process.exitCode = exitCode;
    // Nothing should be left running; if something is, do not hang the orchestrator.
    setTimeout(() => process.exit(exitCode), EXIT_GRACE_MS).unref();
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGHUP', () => {
    logger.info({ signal: 'SIGHUP' }, 'reloading model');
    reloadServerModel(app).then(
      (identity) => logger.info({ model: identity.name, sha256: identity.sha256 }, 'model reloaded'),
      (err: unknown) => logger.error({ err }, 'model reload failed'),
    );
  });

  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address() as AddressInfo;
  const apiKeysRequired = config.apiKeys !== undefined;
  logger.info({ url: localUrl(address), host: address.address, port: address.port, apiKeysRequired }, 'listening');
  process.stderr.write(listenLine(address, apiKeysRequired));

  engine.ready().then(
    (identity) => {
      logger.info({ devices: engine.load().devices.map((d) => d.id), model: identity.name, sha256: identity.sha256 }, 'pool ready');
      worker?.start();
    },
    (err: unknown) => {
      logger.fatal({ err }, 'no device could start');
      void shutdown('pool-failed', true);
    },
  );
}
