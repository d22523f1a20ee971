import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { labelColor } from '../../src/visualize/overlay.js';
import { json, multipart, startServer, whitePage, type TestServer } from './helpers.js';

const ADMIN_TOKEN = 'probe-test-admin-token';
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe('probes, OpenAPI, metrics, web UI and admin routes', { timeout: 120_000 }, () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ config: { adminToken: ADMIN_TOKEN } });
  });
  after(() => server.close());

  it('/healthz and /v2/health/live answer 200 while the process runs', async () => {
    for (const url of ['/healthz', '/v2/health/live']) {
      const res = await server.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, url);
      assert.equal(json<{ live: boolean }>(res.body).live, true);
    }
  });

  it('/readyz and /v2/health/ready answer 200 with a ready device and room in the queue', async () => {
    for (const url of ['/readyz', '/v2/health/ready']) {
      const res = await server.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, url);
      const body = json<{ ready: boolean; devicesReady: number }>(res.body);
      assert.equal(body.ready, true);
      assert.equal(body.devicesReady, 1);
    }
  });

  it('serves the OpenAPI document at /openapi.json and Swagger UI at /docs', async () => {
    const spec = await server.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(spec.statusCode, 200);
    const doc = json<{ openapi: string; paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> } }>> }>(spec.body);
    assert.match(doc.openapi, /^3\./);
    for (const path of ['/v1/layout', '/v1/layout/batch', '/v1/status', '/v1/models', '/analyze', '/gpu_status', '/object-detection', '/layout-parsing', '/healthz', '/readyz', '/metrics', '/v1/admin/reload']) {
      assert.ok(doc.paths[path], path);
    }
    assert.ok(doc.paths['/v1/layout']!.post!.requestBody!.content['multipart/form-data'], 'multipart upload documented');
    assert.ok(doc.paths['/object-detection']!.post!.requestBody!.content['application/json'], 'PaddleX body documented');
    const ui = await server.app.inject({ method: 'GET', url: '/docs' });
    assert.ok([200, 302].includes(ui.statusCode));
    const page = await server.app.inject({ method: 'GET', url: ui.statusCode === 302 ? String(ui.headers.location) : '/docs' });
    assert.match(page.body, /swagger/i);
  });

  it('/metrics exposes requests, latency, queue, devices and batches in Prometheus format', async () => {
    await server.app.inject({ method: 'POST', url: '/v1/layout', ...multipart([{ name: 'w.png', bytes: await whitePage(400, 400) }]) });
    await server.app.inject({ method: 'POST', url: '/v1/layout?threshold=7', ...multipart([{ name: 'w.png', bytes: await whitePage(400, 400) }]) });
    const res = await server.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /text\/plain/);
    const text = res.body;
    assert.match(text, /doclayout_http_requests_total\{route="\/v1\/layout",method="POST",status="200"\} 1/);
    assert.match(text, /doclayout_http_requests_total\{route="\/v1\/layout",method="POST",status="400"\} 1/);
    assert.match(text, /doclayout_http_request_duration_seconds_bucket\{le="[^"]+",route="\/v1\/layout",method="POST"\}/);
    assert.match(text, /^doclayout_queue_depth 0$/m);
    assert.match(text, /^doclayout_queue_capacity \d+$/m);
    assert.match(text, /^doclayout_pdf_threads \d+$/m);
    assert.match(text, /^doclayout_pdf_thread_heap_recycles_total \d+$/m);
    assert.match(text, /doclayout_device_inflight\{device="cpu:0"\} 0/);
    assert.match(text, /doclayout_device_completed_total\{device="cpu:0"\} [1-9]/);
    assert.match(text, /doclayout_batch_size_count\{device="cpu:0"\} [1-9]/);
    assert.match(text, /doclayout_worker_restarts_total\{device="cpu:0"\} 0/);
    assert.match(text, /doclayout_worker_recycles_total\{device="cpu:0"\} 0/);
    assert.match(text, /doclayout_worker_recycle_kills_total\{device="cpu:0"\} 0/);
    assert.match(text, /doclayout_pool_rejected_total 0/);
    assert.match(text, /doclayout_pool_timed_out_total 0/);
    assert.match(text, /doclayout_event_loop_lag_seconds/);
    // No GPU telemetry was given: no GPU series.
    assert.doesNotMatch(text, /doclayout_gpu_/);
  });

  it('serves the web UI at / and /dashboard, same-origin only, and the palette from labelColor', async () => {
    for (const url of ['/', '/dashboard']) {
      const res = await server.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, url);
      assert.match(String(res.headers['content-type']), /text\/html/);
      assert.match(String(res.headers['content-security-policy']), /default-src 'self'/);
      assert.doesNotMatch(res.body, /https?:\/\//, `${url} loads nothing from elsewhere`);
      for (const asset of res.body.matchAll(/(?:src|href)="(\/ui\/[^"]+)"/g)) {
        const got = await server.app.inject({ method: 'GET', url: asset[1]! });
        assert.equal(got.statusCode, 200, asset[1]);
      }
    }
    const palette = await server.app.inject({ method: 'GET', url: '/ui/palette.json?labels=my_custom_class' });
    const colors = json<Record<string, string>>(palette.body);
    assert.equal(colors.text, labelColor('text'));
    assert.equal(colors.doc_title, labelColor('doc_title'));
    assert.equal(colors.my_custom_class, labelColor('my_custom_class'));
  });

  it('unknown routes get 404 in the error shape', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/v1/nope' });
    assert.equal(res.statusCode, 404);
    assert.equal(json<{ error: { code: string } }>(res.body).error.code, 'LAYOUT_ERR_NOT_FOUND');
  });

  it('POST /v1/admin/reload reloads the model and keeps serving; a bad model name is a 400', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/v1/admin/reload', headers: admin });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(json<{ status: string; model: string }>(res.body).model, 'fixture-v3');
    const after = await server.app.inject({ method: 'POST', url: '/v1/layout', ...multipart([{ name: 'w.png', bytes: await whitePage(300, 300) }]) });
    assert.equal(after.statusCode, 200);
    const bad = await server.app.inject({ method: 'POST', url: '/v1/admin/reload', headers: admin, payload: { model: 'no-such-model-name' } });
    assert.equal(bad.statusCode, 400, bad.body);
    assert.equal(json<{ error: { code: string } }>(bad.body).error.code, 'LAYOUT_ERR_MODEL_REFUSED');
  });
});
