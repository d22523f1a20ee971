/**
 * One trace per request, collected without a collector: `doclayout serve` runs as a child process
 * with the standard OTEL_* variables pointing at an OTLP/HTTP receiver on 127.0.0.1 (the JSON
 * protocol), a real request goes through the route, the page chain, the pool and a device worker,
 * and the spans that arrive must form one tree under the caller's `traceparent`: route → handler →
 * engine.page → pool.queue and, from the device worker process, page.prep (page.decode or
 * page.render, page.resize) → page.inference → page.postprocess → page.images. An exporter that
 * cannot export (no listener, a malformed endpoint) never fails a request.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { request } from 'undici';
import { loadSqlite } from '../../src/jobs/durable/sqlite-module.js';
import { multipart, tempDataDir, twoPagePdf, whitePage } from '../server/helpers.js';
import { startOtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';
import { killServes, post, ready, startServe, stop, waitFor } from '../helpers/serve-child.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const JOB_TRACE_ID = '3d0e2a0c7b0e4f5f9c1d2e3f4a5b6c7d';

/** An embedded job submitted with `fields`, polled until it is finished; its final state. */
async function runJob(url: string, fields: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<{ id: string; state: string }> {
  const body = multipart([{ name: 'job.png', bytes: await whitePage(300, 300) }], fields);
  const res = await request(`${url}/v1/jobs`, { method: 'POST', headers: { ...body.headers, ...headers }, body: body.payload });
  const { id } = await res.body.json() as { id: string };
  assert.equal(res.statusCode, 202);
  let state = 'queued';
  await waitFor(async () => {
    const view = await (await request(`${url}/v1/jobs/${id}`)).body.json() as { state: string };
    state = view.state;
    return state !== 'queued' && state !== 'running';
  }, `job ${id} finished`, 30_000);
  return { id, state };
}

after(killServes);

describe('tracing (OTLP/HTTP to a loopback receiver)', { timeout: 240_000 }, () => {
  it('exports one trace per request, from the route to the device worker, under the caller traceparent', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const { child, url, output } = await startServe({
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'doclayout-test',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      }, ['--data-dir', tempDataDir()]);
      await ready(url);
      const body = multipart([{ name: 'page.png', bytes: await whitePage(400, 400) }]);
      const res = await request(`${url}/v1/layout?crops=true`, { method: 'POST', headers: { ...body.headers, traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` }, body: body.payload });
      await res.body.arrayBuffer();
      assert.equal(res.statusCode, 200);
      assert.equal(await post(`${url}/v1/layout`, await twoPagePdf(), 'two.pdf'), 200);

      const inTrace = (): ReceivedSpan[] => receiver.spans.filter((s) => s.traceId === TRACE_ID);
      const named = (name: string): ReceivedSpan[] => inTrace().filter((s) => s.name === name);
      await waitFor(() => named('page.images').length === 1 && named('POST /v1/layout').length === 1, 'the image request\'s spans', 30_000);
      await waitFor(() => receiver.spans.filter((s) => s.name === 'page.render').length === 2, 'the PDF request\'s spans', 30_000);
      assert.deepEqual(receiver.rejected, []);

      const one = (name: string): ReceivedSpan => {
        const found = named(name);
        assert.equal(found.length, 1, `one ${name} span in the trace, got ${found.length}: ${inTrace().map((s) => s.name).join(', ')}`);
        return found[0]!;
      };
      // The route span continues the caller's trace.
      const route = one('POST /v1/layout');
      assert.equal(route.parentSpanId, CALLER_SPAN);
      assert.equal(route.attributes['http.route'], '/v1/layout');
      assert.equal(route.resource['service.name'], 'doclayout-test');
      assert.equal(route.resource['doclayout.process'], 'server');
      // The page chain hangs under the route (through its handler span).
      const page = one('engine.page');
      const byId = new Map(inTrace().map((s) => [s.spanId, s]));
      const ancestors = (span: ReceivedSpan): string[] => {
        const chain: string[] = [];
        for (let p = span.parentSpanId && byId.get(span.parentSpanId); p; p = p.parentSpanId ? byId.get(p.parentSpanId) : undefined) chain.push(p.name);
        return chain;
      };
      assert.ok(ancestors(page).includes('POST /v1/layout'), `engine.page under the route: ${ancestors(page).join(' ← ')}`);
      assert.equal(page.attributes['doclayout.page.name'], 'page.png');
      assert.equal(page.attributes['doclayout.cache'], 'off');
      const queue = one('pool.queue');
      assert.equal(queue.parentSpanId, page.spanId);
      assert.equal(queue.attributes['doclayout.priority'], 'interactive');
      assert.equal(queue.attributes['doclayout.tenant'], 'anonymous');
      assert.equal(queue.attributes['doclayout.device'], 'cpu:0');
      // The device worker's spans: another process, children of the page chain's span.
      const prep = one('page.prep');
      const inference = one('page.inference');
      const postprocess = one('page.postprocess');
      const images = one('page.images');
      for (const span of [prep, inference, postprocess, images]) {
        assert.equal(span.parentSpanId, page.spanId, `${span.name} is a child of engine.page`);
        assert.equal(span.resource['doclayout.process'], 'device-worker');
        assert.notEqual(span.resource['process.pid'], route.resource['process.pid']);
      }
      assert.equal(one('page.decode').parentSpanId, prep.spanId);
      assert.equal(one('page.resize').parentSpanId, prep.spanId);
      assert.equal(inference.attributes['doclayout.batch.size'], 1);
      assert.match(String(inference.attributes['doclayout.device']), /^cpu/);
      assert.ok(Number(postprocess.attributes['doclayout.regions']) > 0);
      assert.ok(Number(images.attributes['doclayout.crops']) > 0);

      // The PDF: split in the server, each page rendered in the device worker, under one route span.
      const split = receiver.spans.find((s) => s.name === 'document.split');
      assert.ok(split, 'a document.split span');
      assert.equal(split.attributes['doclayout.document.pages'], 2);
      const renders = receiver.spans.filter((s) => s.name === 'page.render');
      assert.ok(renders.every((s) => s.traceId === split.traceId && s.traceId !== TRACE_ID), 'the PDF\'s spans are one trace of their own');

      // Log lines written inside a traced request carry its ids.
      const logged = output().split('\n').filter((line) => line.includes(TRACE_ID));
      assert.ok(logged.length > 0, 'some log line carries trace_id');
      assert.ok(logged.every((line) => /"span_id":"[0-9a-f]{16}"/.test(line)));
      await stop(child);
    } finally {
      await receiver.close();
    }
  });

  it('an embedded job keeps its request\'s trace context, and its callback attempts are spans', async () => {
    const receiver = await startOtlpReceiver();
    const hook = http.createServer((req, res) => req.resume().on('end', () => res.writeHead(204).end()));
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    const dataDir = tempDataDir();
    try {
      const { child, url } = await startServe({
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100', DOCLAYOUT_CALLBACK_ALLOW: '127.0.0.1',
      }, ['--data-dir', dataDir]);
      await ready(url);
      const callbackUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/cb?sig=xyz`;
      const job = await runJob(url, { callbackUrl }, { traceparent: `00-${JOB_TRACE_ID}-${CALLER_SPAN}-01` });
      assert.equal(job.state, 'completed');
      await waitFor(() => receiver.spans.some((s) => s.name === 'job.callback'), 'the callback\'s span', 10_000);
      const callback = receiver.spans.filter((s) => s.name === 'job.callback');
      assert.equal(callback.length, 1);
      assert.equal(callback[0]!.resource['doclayout.process'], 'server');
      assert.equal(callback[0]!.attributes['doclayout.callback.outcome'], 'delivered');
      assert.equal(callback[0]!.attributes['http.response.status_code'], 204);
      assert.ok(!JSON.stringify(callback[0]!.attributes).includes('xyz'));
      // Read back by the outbox from the job's stored options: the submitter's trace, not the one that woke the outbox.
      assert.equal(callback[0]!.traceId, JOB_TRACE_ID, 'the callback joins the job\'s trace');
      await stop(child);
      // The options stored with the job (read once the server has let go of its database) name a
      // span of the request's trace: its handler's.
      const { DatabaseSync } = await loadSqlite();
      const db = new DatabaseSync(path.join(dataDir, 'jobs.db'), { readOnly: true });
      const row = db.prepare('SELECT options FROM jobs WHERE id = ?').get(job.id) as { options: string };
      db.close();
      const [, traceId, spanId] = ((JSON.parse(row.options) as { trace?: { traceparent?: string } }).trace?.traceparent ?? '').split('-');
      assert.equal(traceId, JOB_TRACE_ID, row.options);
      const handler = receiver.spans.find((s) => s.spanId === spanId);
      assert.ok(handler, 'the stored context is a span the server exported');
      assert.match(handler.name, /^handler/);
      // The job ran in that trace: one job.run span under the handler, its page under the run.
      const run = receiver.spans.find((s) => s.name === 'job.run');
      assert.ok(run, 'the job\'s run is a span');
      assert.equal(run.traceId, JOB_TRACE_ID);
      assert.equal(run.parentSpanId, spanId, 'the run is under the handler that accepted the job');
      assert.equal(run.attributes['doclayout.job.id'], job.id);
      const page = receiver.spans.find((s) => s.name === 'engine.page' && s.traceId === JOB_TRACE_ID);
      assert.ok(page, 'the job\'s page is in its trace');
      let above: ReceivedSpan | undefined = page;
      while (above && above.spanId !== run.spanId) above = receiver.spans.find((s) => s.spanId === above!.parentSpanId);
      assert.ok(above, 'the page is under the run');
    } finally {
      await new Promise<void>((resolve) => hook.close(() => resolve()));
      await receiver.close();
    }
  });

  for (const [what, endpoint] of [['unreachable', 'http://127.0.0.1:9'], ['malformed', 'not a url::']] as const) {
    it(`an ${what} OTLP endpoint never fails a request or a job`, async () => {
      const { child, url, output } = await startServe({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: '50' }, ['--data-dir', tempDataDir()]);
      await ready(url);
      for (let i = 0; i < 3; i += 1) assert.equal(await post(`${url}/v1/layout`, await whitePage(300, 300), `p${i}.png`), 200);
      // Exports were attempted (and failed) meanwhile; the server still answers, and runs jobs.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(await post(`${url}/v1/layout`, await whitePage(300, 300), 'last.png'), 200);
      assert.equal((await runJob(url, {}, { traceparent: `00-${JOB_TRACE_ID}-${CALLER_SPAN}-01` })).state, 'completed');
      assert.match(output(), /"trace_id":"[0-9a-f]{32}"/);
      await stop(child);
      assert.equal(child.exitCode, 0);
    });
  }
});
