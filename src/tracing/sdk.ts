/**
 * The OpenTelemetry trace SDK of one process, loaded (dynamically, by start.ts) only when tracing
 * is on: a tracer provider with the env's sampler, a batch span processor, the OTLP/HTTP exporter
 * (JSON, or protobuf when OTEL_EXPORTER_OTLP[_TRACES]_PROTOCOL=http/protobuf; endpoint, headers,
 * timeout and compression read by the exporter itself from OTEL_EXPORTER_OTLP_*), the W3C
 * propagators, and the async-local-storage context manager. Exports never fail a request: the
 * exporter drops what it cannot send, and says so only at OTEL_LOG_LEVEL.
 */
import { context, diag, DiagConsoleLogger, DiagLogLevel, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter, TracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace';
import { samplerFromEnv } from './sampler.js';
import type { TraceExporterKind } from './settings.js';

export interface TracingSdk {
  readonly provider: TracerProvider;
  /** Flushes what is batched and stops exporting. */
  shutdown(): Promise<void>;
}

function envNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const value = Number(env[name]);
  return env[name] !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}

async function exporterFor(kind: TraceExporterKind, env: NodeJS.ProcessEnv): Promise<SpanExporter> {
  if (kind === 'console') return new ConsoleSpanExporter();
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/json').trim().toLowerCase();
  if (protocol === 'http/protobuf') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
    return new OTLPTraceExporter();
  }
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  return new OTLPTraceExporter();
}

const LOG_LEVELS: Record<string, DiagLogLevel> = {
  none: DiagLogLevel.NONE, error: DiagLogLevel.ERROR, warn: DiagLogLevel.WARN, info: DiagLogLevel.INFO, debug: DiagLogLevel.DEBUG, verbose: DiagLogLevel.VERBOSE, all: DiagLogLevel.ALL,
};

export async function startSdk(kind: TraceExporterKind, processRole: string, env: NodeJS.ProcessEnv = process.env): Promise<TracingSdk> {
  const logLevel = LOG_LEVELS[env.OTEL_LOG_LEVEL?.trim().toLowerCase() ?? ''];
  if (logLevel !== undefined) diag.setLogger(new DiagConsoleLogger(), logLevel);
  const resource = resourceFromAttributes({ 'service.name': 'doclayout', 'doclayout.process': processRole, 'process.pid': process.pid })
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over the defaults.
    .merge(detectResources({ detectors: [envDetector] }));
  const processor = new BatchSpanProcessor({
    exporter: await exporterFor(kind, env),
    scheduledDelayMillis: envNumber(env, 'OTEL_BSP_SCHEDULE_DELAY'),
    exportTimeoutMillis: envNumber(env, 'OTEL_BSP_EXPORT_TIMEOUT'),
    maxQueueSize: envNumber(env, 'OTEL_BSP_MAX_QUEUE_SIZE'),
    maxExportBatchSize: envNumber(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE'),
  });
  const provider = new TracerProvider({ resource, sampler: samplerFromEnv(env), spanProcessors: [processor] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  trace.setGlobalTracerProvider(provider);
  return {
    provider,
    async shutdown() {
      await provider.shutdown().catch(() => undefined);
    },
  };
}
