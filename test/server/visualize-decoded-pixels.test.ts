/**
 * Issue #10.1: /layout-parsing (visualize on by default) answered 500 for inputs every other route
 * accepts — any BMP, and JPEGs with harmless corruption the model path decodes — because the
 * page image was made by decoding the raw upload a second time. Overlay and page image now come
 * from the pixels the model path decoded, in the worker.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { json, startServer, type TestServer } from './helpers.js';

/** A 24-bit bottom-up BMP, written by hand (sharp cannot write BMP). */
function bmp(width: number, height: number, rgb: [number, number, number]): Buffer {
  const stride = Math.ceil((width * 3) / 4) * 4;
  const out = Buffer.alloc(54 + stride * height);
  out.write('BM', 0, 'latin1');
  out.writeUInt32LE(out.length, 2);
  out.writeUInt32LE(54, 10);
  out.writeUInt32LE(40, 14);
  out.writeInt32LE(width, 18);
  out.writeInt32LE(height, 22);
  out.writeUInt16LE(1, 26);
  out.writeUInt16LE(24, 28);
  out.writeUInt32LE(stride * height, 34);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = 54 + y * stride + x * 3;
      out[o] = rgb[2];
      out[o + 1] = rgb[1];
      out[o + 2] = rgb[0];
    }
  }
  return out;
}

/**
 * A JPEG with two stray bytes before its scan: libjpeg warns "Corrupt JPEG data: 2 extraneous
 * bytes before marker 0xda" (sharp's default refuses it), the pixels are intact.
 */
async function corruptJpeg(): Promise<Buffer> {
  const jpeg = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#f0f0f0' } }).jpeg().toBuffer();
  const scan = jpeg.indexOf(Buffer.from([0xff, 0xda]));
  const bad = Buffer.concat([jpeg.subarray(0, scan), Buffer.from([0x12, 0x34]), jpeg.subarray(scan)]);
  await assert.rejects(sharp(bad).jpeg().toBuffer(), /Corrupt JPEG data/, 'the fixture must be one a second (default) decode refuses');
  return bad;
}

interface LayoutParsing {
  errorCode: number;
  errorMsg: string;
  result: { layoutParsingResults: Array<{ prunedResult: { width: number; height: number }; outputImages?: { layout_det_res: string }; inputImage?: string }> };
}

describe('/layout-parsing draws from the decoded pixels', { timeout: 120_000 }, () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  const parse = (bytes: Buffer) => server.app.inject({ method: 'POST', url: '/layout-parsing', payload: { file: bytes.toString('base64'), fileType: 1 } });

  for (const [label, make, size] of [
    ['a BMP', async () => bmp(300, 200, [250, 250, 250]), [300, 200]],
    ['a JPEG with harmless corrupt data', corruptJpeg, [320, 240]],
  ] as const) {
    it(`answers ${label} with an overlay and the page image, both JPEGs of the page's size`, async () => {
      const res = await parse(await make());
      assert.equal(res.statusCode, 200, res.body);
      const body = json<LayoutParsing>(res.body);
      assert.equal(body.errorCode, 0);
      const [page] = body.result.layoutParsingResults;
      assert.deepEqual([page!.prunedResult.width, page!.prunedResult.height], size);
      for (const image of [page!.outputImages?.layout_det_res, page!.inputImage]) {
        assert.ok(image, 'image missing');
        const meta = await sharp(Buffer.from(image, 'base64')).metadata();
        assert.equal(meta.format, 'jpeg');
        assert.deepEqual([meta.width, meta.height], size);
      }
    });
  }

  it('answers a JPEG cut in half with a 4xx corrupt-image error, never a 500', async () => {
    const whole = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#808080' } }).jpeg().toBuffer();
    const res = await parse(whole.subarray(0, Math.floor(whole.length / 2)));
    assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${res.statusCode} ${res.body}`);
    assert.match(res.body, /LAYOUT_ERR_IMAGE_CORRUPT|Cannot decode/);
  });
});
