/**
 * Starts and stops tracing in one process (the server, a cluster worker, a device worker). When
 * no OTEL_* variable turns it on, nothing of the SDK is loaded: the api calls in the layers below
 * stay no-ops and `tracingActive()` lets hot paths skip them.
 */
import type { Telemetry } from 'bullmq';
import type { FastifyPluginCallback } from 'fastify';
import type { RedisTracing } from './redis.js';
import { markTracingActive } from './spans.js';
import { tracesExporter } from './settings.js';
import type { TracingSdk } from './sdk.js';

let sdk: TracingSdk | undefined;
let routes: FastifyPluginCallback | undefined;
let redis: RedisTracing | undefined;

export interface TracingOptions {
  /** The process talks to Redis (a server, a cluster worker): trace its ioredis commands and BullMQ jobs too. */
  readonly redis?: boolean;
}

/** Loads the SDK when the env asks for tracing; `processRole` names the process in the resource. Idempotent. */
export async function startTracing(processRole: string, env: NodeJS.ProcessEnv = process.env, options: TracingOptions = {}): Promise<boolean> {
  if (sdk) return true;
  const kind = tracesExporter(env);
  if (!kind) return false;
  const { startSdk } = await import('./sdk.js');
  sdk = await startSdk(kind, processRole, env);
  if (options.redis) {
    const { traceRedis } = await import('./redis.js');
    redis = traceRedis(sdk.provider);
  }
  markTracingActive(true);
  return true;
}

/**
 * BullMQ's `telemetry` option for a Queue or Worker: spread into its options. Empty when tracing
 * is off (or the process did not ask for Redis tracing): BullMQ then traces nothing.
 */
export function bullmqTelemetry(): { telemetry?: Telemetry } {
  return redis ? { telemetry: redis.telemetry } : {};
}

/**
 * The route-span plugin to register on the server before its routes, or undefined when tracing
 * is off (then nothing is registered).
 */
export async function routeTracing(): Promise<FastifyPluginCallback | undefined> {
  if (!sdk) return undefined;
  if (!routes) {
    const { routeSpansPlugin } = await import('./routes.js');
    routes = routeSpansPlugin(sdk.provider);
  }
  return routes;
}

/** Exports what is batched (at most `timeoutMs`) and stops; a no-op when tracing is off. */
export async function stopTracing(timeoutMs = 2_000): Promise<void> {
  const running = sdk;
  if (!running) return;
  sdk = undefined;
  redis?.stop();
  redis = undefined;
  markTracingActive(false);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([running.shutdown(), new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs); timer.unref(); })]);
  clearTimeout(timer);
}
