/**
 * Redis and BullMQ spans, loaded (by start.ts) only when tracing is on in a process that uses
 * Redis: @opentelemetry/instrumentation-ioredis makes a client span per command, only inside a
 * trace (`requireParentSpan`: a worker's idle polling makes none) and showing keys, not values
 * (redisStatement); BullMQ's own telemetry (bullmq-otel) makes producer spans where a job is
 * added and a consumer span where it is processed, and carries the adder's W3C context to the
 * worker in the job's options — the one way a cluster job's trace crosses Redis.
 *
 * BullMQ also traces its background loops (polling for a job, the stalled-job check, close…).
 * Outside a trace those would be a root trace every few seconds per queue, so such spans are
 * dropped, together with the Redis commands under them; a job's processing always gets its span.
 */
import { createRequire } from 'node:module';
import { context, ROOT_CONTEXT, trace, type Context, type TracerProvider } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { SpanKind, type Span as BullSpan, type Telemetry } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';

export interface RedisTracing {
  /** BullMQ's `telemetry` option (Queue, Worker). */
  readonly telemetry: Telemetry<Context>;
  /** Unpatches ioredis. */
  stop(): void;
}

/** A span BullMQ started outside any trace: not recorded, and nothing under it is either. */
const droppedSpan: BullSpan<Context> = {
  setSpanOnContext: (ctx) => suppressTracing(ctx),
  setAttribute: () => undefined,
  setAttributes: () => undefined,
  addEvent: () => undefined,
  recordException: () => undefined,
  end: () => undefined,
};

/** Commands whose arguments are credentials. */
const SECRET_ARGS = new Set(['auth', 'hello', 'migrate']);

function shown(arg: unknown): string {
  return typeof arg === 'string' || typeof arg === 'number' ? String(arg) : `<${Buffer.isBuffer(arg) ? `${arg.byteLength} bytes` : typeof arg}>`;
}

/**
 * A command as its span's db.query.text shows it: the command and the keys it names, never a
 * value — a document's stored options carry its callbackUrl (tokens in its query), results and
 * job payloads run to kilobytes — and never a script's body.
 */
export function redisStatement(name: string, args: readonly unknown[]): string {
  const command = name.toLowerCase();
  let parts: unknown[] = [];
  if (command === 'eval' || command === 'evalsha') {
    const keys = Number(args[1]);
    parts = [command === 'evalsha' ? args[0] : '<script>', ...(Number.isInteger(keys) && keys >= 0 ? [keys, ...args.slice(2, 2 + keys)] : [])];
  } else if (!SECRET_ARGS.has(command) && args.length > 0) {
    parts = [args[0]];
  }
  const rest = args.length - parts.length;
  return [name, ...parts.map(shown), ...(rest > 0 ? [`[${rest} other arguments]`] : [])].join(' ');
}

function inTrace(ctx: Context): boolean {
  const parent = trace.getSpanContext(ctx);
  return parent !== undefined && trace.isSpanContextValid(parent);
}

/** bullmq-otel, with its background spans kept to traces, and a root context for its long-lived loops. */
function bullmqTelemetry(): Telemetry<Context> {
  const otel = new BullMQOtel({ tracerName: 'bullmq' });
  return {
    tracer: {
      startSpan(name, options, ctx) {
        const parent = ctx ?? context.active();
        if (options?.kind !== SpanKind.CONSUMER && !inTrace(parent)) return droppedSpan;
        return otel.tracer.startSpan(name, options, ctx);
      },
    },
    contextManager: {
      with: (ctx, fn) => otel.contextManager.with(ctx, fn),
      active: () => otel.contextManager.active(),
      // The stalled-job checker runs for the process's lifetime: detached, not under the span that started it.
      root: () => ROOT_CONTEXT,
      getMetadata: (ctx) => otel.contextManager.getMetadata(ctx),
      fromMetadata: (active, metadata) => otel.contextManager.fromMetadata(active, metadata),
    },
  };
}

export function traceRedis(provider: TracerProvider): RedisTracing {
  const ioredis = new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: redisStatement });
  ioredis.setTracerProvider(provider);
  // ioredis is already loaded (the jobs layer imports it statically): requiring it once more,
  // through the hook the instrumentation has just installed, patches that one copy — the
  // prototype every client, ours and BullMQ's, shares.
  createRequire(import.meta.url)('ioredis');
  return { telemetry: bullmqTelemetry(), stop: () => ioredis.disable() };
}
