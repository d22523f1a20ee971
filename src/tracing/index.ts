/**
 * Tracing (OpenTelemetry), on only when the standard OTEL_* variables ask for it. The layers below
 * the server import only the api helpers here (spans.ts: no-ops without an SDK); start.ts loads the
 * SDK, the route instrumentation and (for the processes that use Redis) the ioredis and BullMQ
 * instrumentation on demand.
 */
export { bullmqTelemetry, startTracing, stopTracing, routeTracing, type TracingOptions } from './start.js';
export { tracesExporter } from './settings.js';
export {
  contextFrom, currentCarrier, detached, failSpan, inContext, inSpan, pastSpan, traceLogFields, tracer, tracingActive, withSpan,
  SpanStatusCode, type Attributes, type Context, type Span, type TraceCarrier,
} from './spans.js';
