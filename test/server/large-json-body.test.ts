/**
 * Large JSON bodies (a base64 file of a MiB or more) are parsed and decoded on a body thread, not
 * on the event loop: the off-loop path is taken, gives the same result as the raw upload, and
 * refuses bad bodies with the same codes as the loop's parser. The stall itself is measured by
 * `npm run bench:json-body` (a timing, so a benchmark, not a test).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { OFF_LOOP_BODY_BYTES } from '../../src/server/json-body-parser.js';
import { json, startServer, type TestServer } from './helpers.js';

/** A noisy JPEG: incompressible, so its base64 is well over the off-loop threshold. */
async function bigJpeg(): Promise<Buffer> {
  const side = 900;
  const pixels = Buffer.alloc(side * side * 3);
  let seed = 11;
  for (let i = 0; i < pixels.length; i++) pixels[i] = (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
  return sharp(pixels, { raw: { width: side, height: side, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
}

describe('large JSON bodies are decoded off the event loop', { timeout: 120_000 }, () => {
  let server: TestServer;
  let jpeg: Buffer;
  before(async () => {
    server = await startServer({ config: { eventLoopLagMs: 0 } });
    jpeg = await bigJpeg();
    assert.ok(jpeg.toString('base64').length > OFF_LOOP_BODY_BYTES, `${jpeg.length} bytes is too small for the test`);
  });
  after(() => server.close());

  const offLoop = (): number => server.app.doclayout.jsonBodies.offLoopBodies;

  it('/v1/layout: a base64 body past the threshold takes the thread, with the raw upload\'s result', async () => {
    const before = offLoop();
    const res = await server.app.inject({ method: 'POST', url: '/v1/layout', payload: { image: jpeg.toString('base64'), name: 'noise.jpg' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(offLoop(), before + 1);
    const raw = await server.app.inject({ method: 'POST', url: '/v1/layout?name=noise.jpg', headers: { 'content-type': 'image/jpeg' }, payload: jpeg });
    assert.deepEqual(json<{ regions: unknown[] }>(res.body).regions, json<{ regions: unknown[] }>(raw.body).regions);
  });

  it('/layout-parsing (PaddleX, schema-validated body) takes the thread too', async () => {
    const before = offLoop();
    const res = await server.app.inject({ method: 'POST', url: '/layout-parsing', payload: { file: `data:image/jpeg;base64,${jpeg.toString('base64')}`, fileType: 1, visualize: false } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(json<{ errorCode: number }>(res.body).errorCode, 0);
    assert.equal(offLoop(), before + 1);
  });

  it('a small body stays on the loop', async () => {
    const before = offLoop();
    const res = await server.app.inject({ method: 'POST', url: '/v1/layout', payload: { image: 'not base64!' } });
    assert.equal(res.statusCode, 400);
    assert.equal(offLoop(), before);
  });

  it('bad large bodies get the loop parser\'s codes: bad base64, bad JSON, a __proto__ key', async () => {
    const filler = 'A'.repeat(OFF_LOOP_BODY_BYTES + 10);
    const cases: Array<[string, string, RegExp]> = [
      ['bad base64', JSON.stringify({ image: `${filler}!!` }), /image.*not valid base64/],
      ['bad JSON', `{"image": "${filler}"`, /JSON/],
      ['__proto__', `{"image": "${filler}", "__proto__": {"x": 1}}`, /prototype/],
    ];
    for (const [name, payload, message] of cases) {
      const before = offLoop();
      const res = await server.app.inject({ method: 'POST', url: '/v1/layout', headers: { 'content-type': 'application/json' }, payload });
      assert.equal(res.statusCode, 400, `${name}: ${res.body}`);
      const { error } = json<{ error: { code: string; message: string } }>(res.body);
      assert.equal(error.code, 'LAYOUT_ERR_INVALID_PARAM', name);
      assert.match(error.message, message, name);
      assert.equal(offLoop(), before + 1, name);
    }
  });
});
