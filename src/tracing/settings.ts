/**
 * Whether tracing is on, read only from the standard OpenTelemetry variables: an OTLP endpoint
 * (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) or an exporter
 * (OTEL_TRACES_EXPORTER other than "none") turns it on; OTEL_SDK_DISABLED=true keeps it off.
 */
export type TraceExporterKind = 'otlp' | 'console';

export function tracesExporter(env: NodeJS.ProcessEnv = process.env): TraceExporterKind | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const named = env.OTEL_TRACES_EXPORTER?.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean) ?? [];
  if (named.includes('none')) return undefined;
  if (named.includes('console') && !named.includes('otlp')) return 'console';
  if (named.includes('otlp')) return 'otlp';
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return endpoint ? 'otlp' : undefined;
}
