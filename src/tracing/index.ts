/**
 * Tracing (OpenTelemetry), on only when the standard OTEL_* variables ask for it. The layers below
 * the server import only the api helpers here (spans.ts: no-ops without an SDK); start.ts loads the
 * SDK and the route instrumentation on demand.
 */
export { startTracing, stopTracing, routeTracing } from './start.js';
export { tracesExporter } from './settings.js';
export {
  contextFrom, currentCarrier, failSpan, inSpan, pastSpan, traceLogFields, tracer, tracingActive, withSpan,
  SpanStatusCode, type Attributes, type Context, type Span, type TraceCarrier,
} from './spans.js';
