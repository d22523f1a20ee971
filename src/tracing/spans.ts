/**
 * What the layers below the server use to trace: only @opentelemetry/api, which does nothing
 * (no allocation beyond a shared no-op span) until an SDK registers itself (start.ts). A page's
 * trace context crosses process and thread boundaries as a W3C `traceparent`/`tracestate` pair.
 */
import { context, propagation, trace, ROOT_CONTEXT, SpanStatusCode, type Attributes, type Context, type Span } from '@opentelemetry/api';

export { SpanStatusCode, type Attributes, type Context, type Span };

/** The W3C trace context of one page, as it travels in IPC messages and job data. */
export interface TraceCarrier {
  readonly traceparent?: string;
  readonly tracestate?: string;
}

const TRACER_NAME = 'doclayout';

/** Set by start.ts once an SDK is registered: lets hot paths skip even the no-op calls. */
let active = false;

export function markTracingActive(on: boolean): void {
  active = on;
}

/** An SDK is registered in this process: spans are recorded (subject to sampling). */
export function tracingActive(): boolean {
  return active;
}

export function tracer() {
  return trace.getTracer(TRACER_NAME);
}

/**
 * The active context as a W3C carrier, or undefined when tracing is off or nothing is being
 * traced (no fields are added to messages then).
 */
export function currentCarrier(ctx: Context = context.active()): TraceCarrier | undefined {
  if (!active || !trace.getSpanContext(ctx)) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier.traceparent ? carrier : undefined;
}

/** The context a carrier names (the root context when it names none or tracing is off). */
export function contextFrom(carrier: TraceCarrier | undefined): Context {
  if (!active || !carrier?.traceparent) return context.active();
  return propagation.extract(context.active(), carrier);
}

/**
 * Runs `work` inside a span that ends when it settles (an error is recorded and rethrown).
 * When tracing is off, `work` runs as is.
 */
export async function inSpan<T>(name: string, attributes: Attributes, work: (span: Span | undefined) => Promise<T>, parent?: Context): Promise<T> {
  if (!active) return work(undefined);
  const ctx = parent ?? context.active();
  const span = tracer().startSpan(name, { attributes }, ctx);
  try {
    return await context.with(trace.setSpan(ctx, span), () => work(span));
  } catch (err) {
    failSpan(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/** Marks a span failed with `err` (its code, when it has one, as an attribute). */
export function failSpan(span: Span | undefined, err: unknown): void {
  if (!span) return;
  const error = err instanceof Error ? err : new Error(String(err));
  span.recordException(error);
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') span.setAttribute('doclayout.error_code', code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}

/**
 * A span recorded after the fact, from times measured elsewhere (another thread's timings):
 * `startMs`/`endMs` are Date.now()-style epoch milliseconds.
 */
export function pastSpan(name: string, parent: Context, startMs: number, endMs: number, attributes: Attributes = {}): Span | undefined {
  if (!active) return undefined;
  const span = tracer().startSpan(name, { attributes, startTime: startMs }, parent);
  span.end(Math.max(startMs, endMs));
  return span;
}

/** Runs `work` with `ctx` as the active context (as is when tracing is off). */
export function inContext<T>(ctx: Context, work: () => T): T {
  return active ? context.with(ctx, work) : work();
}

/** Runs `work` in no trace (the root context): work fired by a timer that any traced request may have armed. */
export function detached<T>(work: () => T): T {
  return active ? context.with(ROOT_CONTEXT, work) : work();
}

/** The context of `span` under `parent` (the parent of spans made inside it). */
export function withSpan(parent: Context, span: Span | undefined): Context {
  return span ? trace.setSpan(parent, span) : parent;
}

/** pino mixin: the active span's ids on every log line written inside it. */
export function traceLogFields(): { trace_id?: string; span_id?: string } {
  const spanContext = trace.getSpanContext(context.active());
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}
