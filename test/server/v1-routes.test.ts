import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { json, multipart, startServer, twoPagePdf, whitePage, type TestServer } from './helpers.js';

interface PageJson {
  model: string;
  input: { name: string; page: number; width: number; height: number };
  regions: Array<{ label: string; labelId: number; score: number; bbox: number[]; order: number | null }>;
  device: string;
  deviceIndex: number;
  timing: Record<string, number>;
  overlay?: string;
  image?: string;
}

describe('/v1 API on a real pool (CPU worker, fixture model)', { timeout: 120_000 }, () => {
  let server: TestServer;
  let page: Buffer;
  before(async () => {
    server = await startServer();
    page = await whitePage(800, 600);
  });
  after(() => server.close());

  it('POST /v1/layout (multipart) returns the page result plus device and pool timing', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/v1/layout', ...multipart([{ name: 'white.png', bytes: page }]) });
    assert.equal(res.statusCode, 200, res.body);
    const body = json<PageJson>(res.body);
    assert.equal(body.model, 'fixture-v3');
    assert.deepEqual(body.input, { name: 'white.png', page: 1, width: 800, height: 600 });
    assert.equal(body.regions.length, 7);
    assert.ok(body.regions.some((r) => r.label === 'doc_title' && r.order === 1));
    assert.match(body.device, /^cpu:\d+$/);
    assert.equal(body.deviceIndex, 0);
    const timing = body.timing;
    for (const key of ['queueMs', 'totalMs', 'inferMs', 'batchSize']) assert.ok(Number.isFinite(timing[key]) && timing[key]! >= 0, `${key}: ${timing[key]}`);
    // Parts of the request's time cannot exceed the whole; one page was sent alone.
    assert.ok(timing.queueMs! <= timing.totalMs!, JSON.stringify(timing));
    assert.ok(timing.inferMs! <= timing.totalMs!, JSON.stringify(timing));
    assert.ok(timing.queueMs! + timing.inferMs! <= timing.totalMs! + 1, JSON.stringify(timing));
    assert.equal(timing.batchSize, 1);
    assert.equal(res.headers['x-doclayout-device'], body.device);
    assert.ok(res.headers['x-request-id']);
    assert.equal(body.overlay, undefined);
  });

  it('accepts JSON base64 and raw bodies, and passes layout parameters through', async () => {
    const viaJson = await server.app.inject({ method: 'POST', url: '/v1/layout', payload: { image: page.toString('base64'), name: 'j.png', threshold: 0.92 } });
    assert.equal(viaJson.statusCode, 200, viaJson.body);
    const jsonBody = json<PageJson>(viaJson.body);
    assert.equal(jsonBody.input.name, 'j.png');
    // Only doc_title (0.95) and the brightness-scored image (1.0 on white) clear 0.92.
    assert.deepEqual(jsonBody.regions.map((r) => r.label).sort(), ['doc_title', 'image']);

    const raw = await server.app.inject({ method: 'POST', url: '/v1/layout?name=raw.png&threshold=text:0.95', headers: { 'content-type': 'image/png' }, payload: page });
    assert.equal(raw.statusCode, 200, raw.body);
    const rawBody = json<PageJson>(raw.body);
    assert.equal(rawBody.input.name, 'raw.png');
    assert.ok(!rawBody.regions.some((r) => r.label === 'text'), 'per-class threshold removes text');
    assert.ok(rawBody.regions.some((r) => r.label === 'table'));
  });

  it('visualize=true adds a PNG overlay of the page size; returnImage adds the page as JPEG', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/v1/layout?visualize=true&returnImage=true', ...multipart([{ name: 'p.png', bytes: page }]) });
    assert.equal(res.statusCode, 200, res.body);
    const body = json<PageJson>(res.body);
    const overlay = await sharp(Buffer.from(body.overlay!, 'base64')).metadata();
    assert.equal(overlay.format, 'png');
    assert.deepEqual([overlay.width, overlay.height], [800, 600]);
    const image = await sharp(Buffer.from(body.image!, 'base64')).metadata();
    assert.equal(image.format, 'jpeg');
    assert.deepEqual([image.width, image.height], [800, 600]);
  });

  it('a PDF gives per-page results; pages= selects pages', async () => {
    const pdf = await twoPagePdf();
    const res = await server.app.inject({ method: 'POST', url: '/v1/layout', ...multipart([{ name: 'doc.pdf', bytes: pdf }]) });
    assert.equal(res.statusCode, 200, res.body);
    const body = json<{ model: string; input: { name: string; pageCount: number }; pages: PageJson[] }>(res.body);
    assert.equal(body.input.name, 'doc.pdf');
    assert.equal(body.input.pageCount, 2);
    assert.deepEqual(body.pages.map((p) => p.input.page), [1, 2]);
    // 144 dpi: A4 portrait then letter landscape.
    assert.deepEqual(body.pages.map((p) => [p.input.width, p.input.height]), [[1190, 1684], [1584, 1224]]);
    for (const p of body.pages) assert.ok(p.regions.length > 0 && typeof p.device === 'string');

    const second = await server.app.inject({ method: 'POST', url: '/v1/layout?pages=2', ...multipart([{ name: 'doc.pdf', bytes: pdf }]) });
    const secondBody = json<{ pages: PageJson[]; input: { pageCount: number } }>(second.body);
    assert.deepEqual(secondBody.pages.map((p) => p.input.page), [2]);
    assert.equal(secondBody.input.pageCount, 2);

    const bad = await server.app.inject({ method: 'POST', url: '/v1/layout?pages=5', ...multipart([{ name: 'doc.pdf', bytes: pdf }]) });
    assert.equal(bad.statusCode, 400);
    assert.equal(json<{ error: { code: string } }>(bad.body).error.code, 'LAYOUT_ERR_PAGE_RANGE');
  });

  it('POST /v1/layout/batch answers in input order and reports a bad item alone', async () => {
    const small = await whitePage(400, 300, 'jpeg');
    const res = await server.app.inject({
      method: 'POST',
      url: '/v1/layout/batch',
      ...multipart([
        { field: 'files', name: 'a.png', bytes: page },
        { field: 'files', name: 'notes.txt', bytes: Buffer.from('not an image at all') },
        { field: 'files', name: 'c.jpg', bytes: small },
      ]),
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = json<{ results: Array<{ name: string; ok: boolean; result?: PageJson; error?: { code: string } }>; succeeded: number; failed: number }>(res.body);
    assert.deepEqual(body.results.map((r) => [r.name, r.ok]), [['a.png', true], ['notes.txt', false], ['c.jpg', true]]);
    assert.equal(body.results[1]!.error!.code, 'LAYOUT_ERR_UNSUPPORTED_MEDIA');
    assert.deepEqual([body.results[0]!.result!.input.width, body.results[2]!.result!.input.width], [800, 400]);
    assert.deepEqual([body.succeeded, body.failed], [2, 1]);
  });

  it('GET /v1/status has the pool snapshot and the service figures doclayout status reads', async () => {
    // Its own traffic, so it does not depend on what earlier tests left behind.
    const before = json<{ accepted: number; completed: number }>((await server.app.inject({ method: 'GET', url: '/v1/status' })).body);
    for (let i = 0; i < 3; i++) {
      const posted = await server.app.inject({ method: 'POST', url: '/v1/layout', ...multipart([{ name: `s-${i}.png`, bytes: page }]) });
      assert.equal(posted.statusCode, 200, posted.body);
    }
    const res = await server.app.inject({ method: 'GET', url: '/v1/status' });
    assert.equal(res.statusCode, 200);
    const body = json<Record<string, unknown> & { devices: Array<{ id: string; completed: number }>; throughput: { pagesPerSec: number }; latencyMs: Record<string, number | null> }>(res.body);
    for (const key of ['model', 'state', 'queueDepth', 'maxQueue', 'accepted', 'completed', 'failed', 'rejected', 'timedOut', 'aborted', 'devices', 'gpus', 'uptimeSeconds', 'version']) {
      assert.ok(key in body, key);
    }
    assert.deepEqual(body.gpus, []);
    assert.equal(body.model, 'fixture-v3');
    assert.equal((body.completed as number) - before.completed, 3);
    assert.equal((body.accepted as number) - before.accepted, 3);
    assert.equal(body.devices.reduce((n, d) => n + d.completed, 0), body.completed);
    assert.ok(body.throughput.pagesPerSec > 0);
    for (const p of ['p50', 'p95', 'p99']) assert.equal(typeof body.latencyMs[p], 'number', p);
    assert.ok(body.latencyMs.p50! <= body.latencyMs.p99!);
  });

  it('GET /v1/models lists the loaded model and the registry', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/v1/models' });
    assert.equal(res.statusCode, 200);
    const body = json<{ loaded: { name: string; path: string }; models: Array<{ name: string; installed: boolean }> }>(res.body);
    assert.equal(body.loaded.name, 'fixture-v3');
    assert.match(body.loaded.path, /fixture-v3\.onnx$/);
    assert.ok(body.models.some((m) => m.name === 'pp-doclayoutv3'));
  });
});
