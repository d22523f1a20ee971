/**
 * Tracing started in this process (as a server with --redis starts it), exporting to a loopback
 * OTLP receiver: the Redis instrumentation is loaded then (the off path loads none:
 * settings.test.ts) and shows keys, not values; each callback attempt is a `job.callback` span in
 * the job's trace — the receiver's host only, the attempt's number, outcome and HTTP status.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { registerHooks } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { CallbackGuard, notifyCallback } from '../../src/jobs/index.js';
import { bullmqTelemetry, startTracing, stopTracing } from '../../src/tracing/index.js';
import { waitFor } from '../helpers/serve-child.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';

const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const JOB_SPAN = 'eee19b7ec3c1b174';

/** A callback receiver that answers each POST with the next of `statuses` (the last one repeats). */
async function callbackReceiver(statuses: readonly number[]): Promise<{ url: string; hits: number; close(): Promise<void> }> {
  const state = { hits: 0 };
  const server = http.createServer((req, res) => {
    req.resume().on('end', () => res.writeHead(statuses[Math.min(state.hits++, statuses.length - 1)]!).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook/done?token=s3cret`,
    get hits() { return state.hits; },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('tracing in a process that uses Redis', { timeout: 60_000 }, () => {
  let receiver: OtlpReceiver;
  const resolved: string[] = [];
  before(async () => {
    receiver = await startOtlpReceiver();
    const hooks = registerHooks({ resolve: (specifier, ctx, next) => { resolved.push(specifier); return next(specifier, ctx); } });
    try {
      // The exporter reads its endpoint from the process's environment itself.
      Object.assign(process.env, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '50' });
      assert.equal(await startTracing('server', process.env, { redis: true }), true);
    } finally {
      hooks.deregister();
    }
  });
  after(async () => {
    await stopTracing();
    await receiver.close();
  });

  it('loads the ioredis instrumentation and gives BullMQ its telemetry', () => {
    assert.ok(resolved.includes('@opentelemetry/instrumentation-ioredis'), resolved.join(', '));
    assert.ok(resolved.includes('bullmq-otel'));
    const { telemetry } = bullmqTelemetry();
    assert.ok(telemetry);
    assert.equal(typeof telemetry.contextManager.getMetadata, 'function');
  });

  it('shows a Redis command\'s keys, never its values, a script or a password', async () => {
    // Loaded only now, as start.ts loads it: a static import would be seen by the test above.
    const { redisStatement } = await import('../../src/tracing/redis.js');
    assert.equal(redisStatement('hset', ['doc:1', 'options', '{"callbackUrl":"https://x/?t=1"}']), 'hset doc:1 [2 other arguments]');
    assert.equal(redisStatement('evalsha', ['5ab4', 2, 'k1', 'k2', 'payload']), 'evalsha 5ab4 2 k1 k2 [1 other arguments]');
    assert.equal(redisStatement('eval', ['return redis.call(...)', 1, 'k1', '{"page":1}']), 'eval <script> 1 k1 [1 other arguments]');
    assert.equal(redisStatement('set', [Buffer.from('key'), Buffer.alloc(10)]), 'set <3 bytes> [1 other arguments]');
    assert.equal(redisStatement('auth', ['user', 'hunter2']), 'auth [2 other arguments]');
    assert.equal(redisStatement('exec', []), 'exec');
  });

  it('traces each callback attempt in the job\'s trace: host, attempt, outcome and status, never the query', async () => {
    const hook = await callbackReceiver([503, 200]);
    try {
      const outcome = await notifyCallback(hook.url, { id: 'job-1' }, {
        guard: new CallbackGuard('127.0.0.1'),
        backoffMs: 1,
        trace: { traceparent: `00-${TRACE_ID}-${JOB_SPAN}-01` },
        // As the outbox counts: two tries were made before this call.
        firstAttempt: 3,
      });
      assert.equal(outcome.delivered, true);
      assert.equal(outcome.attempts, 2);
      assert.equal(hook.hits, 2);
    } finally {
      await hook.close();
    }
    const spans = (): ReceivedSpan[] => receiver.spans.filter((s) => s.name === 'job.callback' && s.traceId === TRACE_ID);
    await waitFor(() => spans().length === 2, 'two job.callback spans', 10_000);
    const [failed, delivered] = [...spans()].sort((a, b) => Number(a.attributes['doclayout.callback.attempt']) - Number(b.attributes['doclayout.callback.attempt']));
    for (const span of [failed!, delivered!]) {
      assert.equal(span.parentSpanId, JOB_SPAN);
      assert.equal(span.attributes['server.address'], '127.0.0.1');
      assert.equal(span.attributes['http.request.method'], 'POST');
      assert.ok(Object.values(span.attributes).every((v) => !String(v).includes('s3cret') && !String(v).includes('/hook')), JSON.stringify(span.attributes));
    }
    assert.equal(failed!.attributes['doclayout.callback.attempt'], 3);
    assert.equal(failed!.attributes['doclayout.callback.outcome'], 'failed');
    assert.equal(failed!.attributes['http.response.status_code'], 503);
    assert.equal(failed!.status, 2);
    assert.equal(delivered!.attributes['doclayout.callback.attempt'], 4);
    assert.equal(delivered!.attributes['doclayout.callback.outcome'], 'delivered');
    assert.equal(delivered!.attributes['http.response.status_code'], 200);
    assert.notEqual(delivered!.status, 2);
  });

  it('a refused callback (the SSRF guard) is one span, marked refused, in the active trace when the job carries none', async () => {
    const before = receiver.spans.length;
    const outcome = await notifyCallback('http://127.0.0.1:9/refused', {}, { backoffMs: 1 });
    assert.equal(outcome.refused, true);
    await waitFor(() => receiver.spans.slice(before).some((s) => s.name === 'job.callback'), 'the refused attempt\'s span', 10_000);
    const refused = receiver.spans.slice(before).filter((s) => s.name === 'job.callback');
    assert.equal(refused.length, 1);
    assert.equal(refused[0]!.attributes['doclayout.callback.outcome'], 'refused');
    assert.equal(refused[0]!.attributes['http.response.status_code'], undefined);
    assert.equal(refused[0]!.status, 2);
    // No trace was active and none was given: a root span of its own.
    assert.equal(refused[0]!.parentSpanId, undefined);
  });
});
