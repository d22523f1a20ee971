import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { json, multipart, startServer, whitePage, type TestServer } from './helpers.js';

type ErrorJson = { error: { code: string; message: string } };

/** Blocks the event loop for `ms`, as a long synchronous task would. */
function blockEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy wait on purpose
  }
}

describe('error statuses and their JSON shape', { timeout: 120_000 }, () => {
  let server: TestServer;
  before(async () => {
    // 0.05 MB uploads and 250 000-pixel images keep the limits cheap to hit.
    server = await startServer({ config: { maxUploadMb: 0.05, maxPixels: 250_000, eventLoopLagMs: 1000 } });
  });
  after(() => server.close());

  const code = (body: string): string => json<ErrorJson>(body).error.code;

  it('400 for bad parameters, naming the parameter', async () => {
    const page = await whitePage(100, 100);
    for (const [query, param] of [['threshold=abc', 'threshold'], ['shapeMode=circle', 'shapeMode'], ['layoutNms=maybe', 'layoutNms'], ['timeoutMs=0', 'timeoutMs'], ['unclipRatio=-1', 'unclipRatio']] as const) {
      const res = await server.app.inject({ method: 'POST', url: `/v1/layout?${query}`, ...multipart([{ name: 'p.png', bytes: page }]) });
      assert.equal(res.statusCode, 400, query);
      assert.equal(code(res.body), 'LAYOUT_ERR_INVALID_PARAM', query);
      assert.match(json<ErrorJson>(res.body).error.message, new RegExp(param), query);
    }
    const noFile = await server.app.inject({ method: 'POST', url: '/v1/layout', payload: { name: 'nothing' } });
    assert.equal(noFile.statusCode, 400);
    const badBase64 = await server.app.inject({ method: 'POST', url: '/v1/layout', payload: { image: 'not base64 !!!' } });
    assert.equal(badBase64.statusCode, 400);
    const badJson = await server.app.inject({ method: 'POST', url: '/v1/layout', headers: { 'content-type': 'application/json' }, payload: '{"image": ' });
    assert.equal(badJson.statusCode, 400);
    assert.equal(code(badJson.body), 'LAYOUT_ERR_INVALID_PARAM');
  });

  it('413 for an upload above maxUploadMb, whatever the encoding', async () => {
    const big = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(80_000)]);
    const viaMultipart = await server.app.inject({ method: 'POST', url: '/v1/layout', ...multipart([{ name: 'big.png', bytes: big }]) });
    assert.equal(viaMultipart.statusCode, 413, viaMultipart.body);
    assert.equal(code(viaMultipart.body), 'LAYOUT_ERR_UPLOAD_TOO_LARGE');
    const viaRaw = await server.app.inject({ method: 'POST', url: '/v1/layout', headers: { 'content-type': 'image/png' }, payload: big });
    assert.equal(viaRaw.statusCode, 413);
    assert.equal(code(viaRaw.body), 'LAYOUT_ERR_UPLOAD_TOO_LARGE');
    const viaJson = await server.app.inject({ method: 'POST', url: '/v1/layout', payload: { image: big.toString('base64') } });
    assert.equal(viaJson.statusCode, 413);
    assert.equal(code(viaJson.body), 'LAYOUT_ERR_UPLOAD_TOO_LARGE');
  });

  it('413 for an image above maxPixels (decompression-bomb guard)', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/v1/layout', ...multipart([{ name: 'wide.png', bytes: await whitePage(1000, 400) }]) });
    assert.equal(res.statusCode, 413, res.body);
    assert.equal(code(res.body), 'LAYOUT_ERR_IMAGE_TOO_LARGE');
  });

  it('415 for a text file (sniffed, whatever its name) and for unsupported content types', async () => {
    const text = await server.app.inject({ method: 'POST', url: '/v1/layout', ...multipart([{ name: 'page.png', bytes: Buffer.from('just some text, not a PNG'), type: 'image/png' }]) });
    assert.equal(text.statusCode, 415);
    assert.equal(code(text.body), 'LAYOUT_ERR_UNSUPPORTED_MEDIA');
    const plain = await server.app.inject({ method: 'POST', url: '/v1/layout', headers: { 'content-type': 'text/plain' }, payload: 'hello' });
    assert.equal(plain.statusCode, 415);
    assert.equal(code(plain.body), 'LAYOUT_ERR_UNSUPPORTED_MEDIA');
    const xml = await server.app.inject({ method: 'POST', url: '/v1/layout', headers: { 'content-type': 'application/xml' }, payload: '<a/>' });
    assert.equal(xml.statusCode, 415);
    assert.equal(code(xml.body), 'LAYOUT_ERR_UNSUPPORTED_MEDIA');
  });

  it('503 with Retry-After while the event loop lags, and readiness stays truthful', async () => {
    // Well above the 1000 ms limit. The delay is recorded once the loop runs again; whichever
    // sample sees it (ours or the server's periodic one), shedding holds for the next period too.
    blockEventLoop(1_500);
    await new Promise((r) => setTimeout(r, 5));
    server.app.doclayout.shedder.sample();
    assert.ok(server.app.doclayout.shedder.overloaded);
    const res = await server.app.inject({ method: 'POST', url: '/v1/layout', ...multipart([{ name: 'p.png', bytes: await whitePage(100, 100) }]) });
    assert.equal(res.statusCode, 503);
    assert.equal(code(res.body), 'LAYOUT_ERR_OVERLOADED');
    assert.ok(Number(res.headers['retry-after']) >= 1);
    // Probes are never shed.
    assert.equal((await server.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    // Recovers once two calm periods have passed.
    await new Promise((r) => setTimeout(r, 30));
    server.app.doclayout.shedder.sample();
    await new Promise((r) => setTimeout(r, 30));
    server.app.doclayout.shedder.sample();
    assert.equal(server.app.doclayout.shedder.overloaded, false);
  });

  it('503 while draining: new work is refused, readiness fails, liveness holds', async () => {
    server.app.doclayout.draining = true;
    try {
      const res = await server.app.inject({ method: 'POST', url: '/v1/layout', ...multipart([{ name: 'p.png', bytes: await whitePage(100, 100) }]) });
      assert.equal(res.statusCode, 503);
      assert.equal(code(res.body), 'LAYOUT_ERR_POOL_CLOSED');
      assert.ok(res.headers['retry-after']);
      assert.equal(res.headers.connection, 'close');
      const ready = await server.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 503);
      assert.equal(code(ready.body), 'LAYOUT_ERR_POOL_CLOSED');
      assert.equal((await server.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    } finally {
      server.app.doclayout.draining = false;
    }
  });
});
