/**
 * A page analysed by a Redis cluster worker appears in the submitter's trace: `POST /v1/jobs` with
 * a `traceparent` and a callbackUrl on a `serve --redis` server, the page run by a separate
 * `doclayout worker` process; both export (OTLP/HTTP JSON) to one receiver on 127.0.0.1. BullMQ's
 * telemetry carries the context in the jobs' options: the server's `add` span → the worker's
 * `process` of the document job → `addBulk` of its pages → `process` of the page job →
 * cluster.page → engine.page → the device worker's spans; the Redis commands of each (ioredis)
 * and the callback delivery (`job.callback`) are in the same trace. A job queued the way older
 * versions queued it (the context in its data) still joins its trace.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { request } from 'undici';
import { Cluster, documentId, JobClient, jobSettings } from '../../src/jobs/index.js';
import { RedisServer, skipWithoutRedis } from '../fixtures/redis-server.js';
import { clusterEnv, startWorker, stopWorker, type WorkerProcess } from '../jobs/helpers.js';
import { multipart, tempDataDir, testConfig, whitePage } from '../server/helpers.js';
import { startOtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';
import { killServes, ready, startServe, stop, waitFor } from '../helpers/serve-child.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';
const OLD_TRACE_ID = '1f2e3d4c5b6a79880f1e2d3c4b5a6978';
const OLD_SPAN = 'a1b2c3d4e5f60718';

/** A loopback callback receiver that answers 200 and counts what it was sent. */
async function callbackReceiver(): Promise<{ url: string; bodies: unknown[]; close(): Promise<void> }> {
  const bodies: unknown[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/done?key=secret`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('tracing across a Redis cluster worker', { skip: skipWithoutRedis(), timeout: 240_000 }, () => {
  let redis: RedisServer | undefined;
  let worker: WorkerProcess | undefined;
  after(async () => {
    killServes();
    if (worker) await stopWorker(worker, 'SIGKILL');
    await redis?.destroy();
  });

  it('a page job run on another process joins the submitter\'s trace, with its Redis, BullMQ and callback spans', async () => {
    redis = await RedisServer.start();
    const receiver = await startOtlpReceiver();
    const hook = await callbackReceiver();
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100' };
    // The callback goes to loopback: both the server (checks it) and the worker (sends it) allow it.
    const allow = { DOCLAYOUT_CALLBACK_ALLOW: '127.0.0.1' };
    try {
      worker = await startWorker(clusterEnv(redis.url, { ...otel, ...allow }));
      const { child, url } = await startServe({ ...otel, ...allow }, ['--redis', redis.url, '--data-dir', tempDataDir()]);
      await ready(url);
      const body = multipart([{ name: 'page.png', bytes: await whitePage(300, 300) }], { callbackUrl: hook.url });
      const res = await request(`${url}/v1/jobs`, { method: 'POST', headers: { ...body.headers, traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` }, body: body.payload });
      assert.equal(res.statusCode, 202, await res.body.text());
      const inTrace = (): ReceivedSpan[] => receiver.spans.filter((s) => s.traceId === TRACE_ID);
      await waitFor(() => inTrace().some((s) => s.name === 'page.inference') && inTrace().some((s) => s.name === 'job.callback'), 'the cluster worker\'s spans in the trace', 60_000);
      assert.equal(hook.bodies.length, 1);

      // Looked up afresh each time: a parent ends (and is exported) after its children.
      const byId = { get: (id: string) => inTrace().find((s) => s.spanId === id) };
      const parentOf = (span: ReceivedSpan): ReceivedSpan | undefined => (span.parentSpanId ? byId.get(span.parentSpanId) : undefined);
      const ancestors = (span: ReceivedSpan): ReceivedSpan[] => {
        const chain: ReceivedSpan[] = [];
        for (let p = parentOf(span); p; p = parentOf(p)) chain.push(p);
        return chain;
      };
      const describeChain = (span: ReceivedSpan): string => [span, ...ancestors(span)].map((s) => `${s.name} (${s.resource['doclayout.process']})`).join(' ← ');
      const bull = (operation: string, job?: string) => (s: ReceivedSpan): boolean => s.attributes['bullmq.queue.operation'] === operation && (job === undefined || s.attributes['bullmq.job.name'] === job);

      // The page's chain, span by span, from the worker back to the caller.
      const clusterPage = inTrace().find((s) => s.name === 'cluster.page')!;
      assert.equal(clusterPage.resource['doclayout.process'], 'cluster-worker');
      assert.equal(clusterPage.attributes['doclayout.page.number'], 1);
      await waitFor(() => ancestors(clusterPage).at(-1)?.parentSpanId === CALLER_SPAN, `the whole chain (${describeChain(clusterPage)})`, 10_000);
      const chain = ancestors(clusterPage);
      const at = (predicate: (s: ReceivedSpan) => boolean, what: string): ReceivedSpan => {
        const found = chain.find(predicate);
        assert.ok(found, `${what} in ${describeChain(clusterPage)}`);
        return found;
      };
      const pageProcess = at(bull('process', 'page'), 'BullMQ process of the page job');
      assert.equal(clusterPage.parentSpanId, pageProcess.spanId);
      assert.equal(pageProcess.resource['doclayout.process'], 'cluster-worker');
      const addBulk = at(bull('addBulk'), 'BullMQ addBulk of the pages');
      assert.equal(addBulk.resource['doclayout.process'], 'cluster-worker');
      const docProcess = at(bull('process', 'document'), 'BullMQ process of the document job');
      const add = at(bull('add'), 'BullMQ add of the document job');
      assert.equal(add.resource['doclayout.process'], 'server');
      const route = at((s) => s.name === 'POST /v1/jobs', 'the route span');
      assert.equal(route.parentSpanId, CALLER_SPAN);
      assert.ok(chain.indexOf(docProcess) < chain.indexOf(add) && chain.indexOf(add) < chain.indexOf(route));

      // The device worker's spans under this machine's page chain.
      const inference = inTrace().find((s) => s.name === 'page.inference')!;
      assert.equal(inference.resource['doclayout.process'], 'device-worker');
      const enginePage = byId.get(inference.parentSpanId!)!;
      assert.equal(enginePage.name, 'engine.page');
      assert.equal(enginePage.parentSpanId, clusterPage.spanId);
      assert.equal(enginePage.attributes['doclayout.cache'], 'miss');

      // Redis commands (ioredis) in both processes, in the trace, each under a span of it.
      const commands = inTrace().filter((s) => s.attributes['db.system.name'] === 'redis');
      for (const process of ['server', 'cluster-worker']) {
        assert.ok(commands.some((s) => s.resource['doclayout.process'] === process), `Redis command spans from the ${process}: ${commands.map((s) => s.name).join(', ')}`);
      }
      assert.ok(commands.some((s) => s.parentSpanId === add.spanId), 'the add\'s own Redis commands under it');
      assert.ok(commands.some((s) => ancestors(s).some((a) => a.spanId === clusterPage.spanId)), 'the page\'s Redis commands (its result stored) under cluster.page');
      // Keys, never values: the stored options (the callbackUrl's query), results and job payloads stay out.
      for (const span of inTrace()) assert.ok(!JSON.stringify(span.attributes).includes('secret'), `${span.name}: ${JSON.stringify(span.attributes)}`);
      assert.ok(commands.every((s) => !String(s.attributes['db.query.text']).includes('regions')));

      // The callback: one delivered attempt, in the worker, under the document job's processing.
      const callback = inTrace().filter((s) => s.name === 'job.callback');
      assert.equal(callback.length, 1);
      assert.equal(callback[0]!.resource['doclayout.process'], 'cluster-worker');
      assert.equal(callback[0]!.attributes['doclayout.callback.outcome'], 'delivered');
      assert.equal(callback[0]!.attributes['doclayout.callback.attempt'], 1);
      assert.equal(callback[0]!.attributes['http.response.status_code'], 200);
      assert.equal(callback[0]!.attributes['server.address'], '127.0.0.1');
      assert.ok(!JSON.stringify(callback[0]!.attributes).includes('secret'));
      await waitFor(() => ancestors(callback[0]!).some(bull('process', 'document')), `the callback under the document job's processing (${describeChain(callback[0]!)})`, 10_000);
      assert.equal(ancestors(callback[0]!).at(-1)?.parentSpanId, CALLER_SPAN);
      await stop(child);
    } finally {
      await hook.close();
      await receiver.close();
    }
  });

  it('a document job queued with its context in its data (older versions) still joins that trace', async () => {
    assert.ok(redis && worker, 'runs after the first test');
    const receiver = await startOtlpReceiver();
    // The worker exports to the first test's receiver, which is closed: start a fresh worker on this one.
    await stopWorker(worker, 'SIGTERM');
    worker = await startWorker(clusterEnv(redis.url, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100' }));
    // This process does not trace: the job carries no BullMQ telemetry, only the old data fields.
    const cluster = new Cluster(jobSettings(testConfig(), redis.url));
    try {
      const submissionId = 'old-trace';
      await new JobClient(cluster).createSubmission(submissionId);
      const docId = documentId(submissionId, 'old.png');
      await cluster.documents.addDocument({ docId, submissionId, name: 'old.png', options: { params: {}, pdfDpi: 150, maxPdfPages: 0 }, bytes: await whitePage(200, 200) });
      await cluster.docsQueue.add('document', { batchId: submissionId, docId, traceparent: `00-${OLD_TRACE_ID}-${OLD_SPAN}-01` }, cluster.docJobOptions(docId));
      const inTrace = (): ReceivedSpan[] => receiver.spans.filter((s) => s.traceId === OLD_TRACE_ID);
      await waitFor(() => inTrace().some((s) => s.name === 'cluster.page') && inTrace().some((s) => s.name === 'page.inference'), 'the old job\'s page in its trace', 60_000);
      // The first span of the trace made here hangs under the context the job's data named.
      assert.ok(inTrace().some((s) => s.parentSpanId === OLD_SPAN && s.attributes['bullmq.queue.operation'] === 'addBulk'), inTrace().map((s) => s.name).join(', '));
    } finally {
      await cluster.close();
      await receiver.close();
    }
  });
});
