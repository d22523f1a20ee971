/**
 * Tracing is off unless the standard OTEL_* variables ask for it, and with it off the api helpers
 * the lower layers call add nothing to a page's messages.
 */
import assert from 'node:assert/strict';
import { createRequire, registerHooks } from 'node:module';
import { describe, it } from 'node:test';
import { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace';
import { samplerFromEnv } from '../../src/tracing/sampler.js';
import { bullmqTelemetry, currentCarrier, inSpan, startTracing, tracesExporter, tracingActive } from '../../src/tracing/index.js';

describe('tracing settings', () => {
  it('is on only with an OTLP endpoint or a named exporter', () => {
    assert.equal(tracesExporter({}), undefined);
    assert.equal(tracesExporter({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on' }), undefined);
    assert.equal(tracesExporter({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }), 'otlp');
    assert.equal(tracesExporter({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' }), 'otlp');
    assert.equal(tracesExporter({ OTEL_TRACES_EXPORTER: 'otlp' }), 'otlp');
    assert.equal(tracesExporter({ OTEL_TRACES_EXPORTER: 'console' }), 'console');
    assert.equal(tracesExporter({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }), undefined);
    assert.equal(tracesExporter({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }), undefined);
  });

  it('reads OTEL_TRACES_SAMPLER and its argument', () => {
    assert.ok(samplerFromEnv({}) instanceof ParentBasedSampler);
    assert.ok(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'always_on' }) instanceof AlwaysOnSampler);
    assert.ok(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'always_off' }) instanceof AlwaysOffSampler);
    const ratio = samplerFromEnv({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' });
    assert.ok(ratio instanceof TraceIdRatioBasedSampler);
    assert.match(ratio.toString(), /0\.25/);
  });

  it('without an SDK, pages carry no trace context and spans are skipped', async () => {
    assert.equal(tracingActive(), false);
    assert.equal(currentCarrier(), undefined);
    assert.equal(await inSpan('x', {}, async (span) => span), undefined);
  });

  it('off, a Redis process loads no instrumentation and gives BullMQ no telemetry', async () => {
    // Every module resolved from here on (the on path's is checked in callback-trace.test.ts).
    const resolved: string[] = [];
    const hooks = registerHooks({ resolve: (specifier, ctx, next) => { resolved.push(specifier); return next(specifier, ctx); } });
    try {
      assert.equal(await startTracing('server', {}, { redis: true }), false);
      // What the cluster's queues and workers spread into their options: nothing.
      assert.deepEqual(bullmqTelemetry(), {});
    } finally {
      hooks.deregister();
    }
    assert.deepEqual(resolved.filter((s) => /instrumentation|bullmq-otel|sdk-trace|exporter/.test(s)), []);
    // Nor before it, by a static import somewhere (bullmq-otel and the instrumentations' hook are CommonJS).
    const cached = Object.keys(createRequire(import.meta.url).cache);
    assert.deepEqual(cached.filter((file) => /bullmq-otel|require-in-the-middle|instrumentation-ioredis/.test(file)), []);
  });
});
