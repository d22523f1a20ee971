/**
 * A page analysed by a Redis cluster worker appears in the submitter's trace: `POST /v1/jobs` with
 * a `traceparent` on a `serve --redis` server, the page run by a separate `doclayout worker`
 * process; both export (OTLP/HTTP JSON) to one receiver on 127.0.0.1. The worker's cluster.page
 * span continues the server's trace (the context rides in the document and page jobs' data), and
 * its device worker's spans hang under it.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { request } from 'undici';
import { RedisServer, skipWithoutRedis } from '../fixtures/redis-server.js';
import { clusterEnv, startWorker, stopWorker, type WorkerProcess } from '../jobs/helpers.js';
import { multipart, whitePage } from '../server/helpers.js';
import { startOtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';
import { killServes, ready, startServe, stop, waitFor } from '../helpers/serve-child.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';

describe('tracing across a Redis cluster worker', { skip: skipWithoutRedis(), timeout: 240_000 }, () => {
  let redis: RedisServer | undefined;
  let worker: WorkerProcess | undefined;
  after(async () => {
    killServes();
    if (worker) await stopWorker(worker, 'SIGKILL');
    await redis?.destroy();
  });

  it('a page job run on another process joins the submitter\'s trace', async () => {
    redis = await RedisServer.start();
    const receiver = await startOtlpReceiver();
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100' };
    try {
      worker = await startWorker(clusterEnv(redis.url, otel));
      const { child, url } = await startServe(otel, ['--redis', redis.url]);
      await ready(url);
      const body = multipart([{ name: 'page.png', bytes: await whitePage(300, 300) }]);
      const res = await request(`${url}/v1/jobs`, { method: 'POST', headers: { ...body.headers, traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` }, body: body.payload });
      assert.equal(res.statusCode, 202, await res.body.text());
      const inTrace = (): ReceivedSpan[] => receiver.spans.filter((s) => s.traceId === TRACE_ID);
      await waitFor(() => inTrace().some((s) => s.name === 'page.inference') && inTrace().some((s) => s.name === 'cluster.page'), 'the cluster worker\'s spans in the trace', 60_000);

      const byId = new Map(inTrace().map((s) => [s.spanId, s]));
      const clusterPage = inTrace().find((s) => s.name === 'cluster.page')!;
      assert.equal(clusterPage.resource['doclayout.process'], 'cluster-worker');
      assert.equal(clusterPage.attributes['doclayout.page.number'], 1);
      // Its parent is a span of the server's request (the route's handler), not a local root.
      await waitFor(() => byId.has(clusterPage.parentSpanId ?? '') || receiver.spans.some((s) => s.spanId === clusterPage.parentSpanId), 'the server\'s spans', 10_000);
      const parent = receiver.spans.find((s) => s.spanId === clusterPage.parentSpanId)!;
      assert.equal(parent.resource['doclayout.process'], 'server');
      const inference = inTrace().find((s) => s.name === 'page.inference')!;
      assert.equal(inference.resource['doclayout.process'], 'device-worker');
      const enginePage = receiver.spans.find((s) => s.spanId === inference.parentSpanId)!;
      assert.equal(enginePage.name, 'engine.page');
      assert.equal(enginePage.parentSpanId, clusterPage.spanId);
      assert.equal(enginePage.attributes['doclayout.cache'], 'miss');
      await stop(child);
    } finally {
      await receiver.close();
    }
  });
});
