/**
 * Issue #8: four concurrent /layout-parsing requests (visualize on) with a legal 100 Mpx PNG took
 * the server process to ≈ 3 GB RSS, because it decoded every upload and drew every overlay itself.
 * Pixels now live only in the device workers (bounded by pages in flight there): the server holds
 * encoded bytes, so its memory grows by a few times the uploads and answers, not by 4 × 300 MB of
 * RGB. The pool's workers are child processes, so this process's RSS is the server's (plus the
 * test's own copies of requests and answers, which are small: the page compresses well).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { json, startServer, type TestServer } from './helpers.js';

const SIDE = 10_000; // 100 Mpx: the default maxPixels, so the page is legal
const MB = 1024 * 1024;

interface LayoutParsing {
  errorCode: number;
  result: { layoutParsingResults: Array<{ prunedResult: { width: number; height: number }; outputImages?: { layout_det_res: string } }> };
}

describe('four concurrent 100 Mpx pages with visualize', { timeout: 300_000 }, () => {
  let server: TestServer;
  let png: string;
  before(async () => {
    // A scan-like page: light paper with a dark block, PNG-compressed to a small upload.
    const block = await sharp({ create: { width: 4000, height: 1500, channels: 3, background: '#202020' } }).png().toBuffer();
    const bytes = await sharp({ create: { width: SIDE, height: SIDE, channels: 3, background: '#f4f4f4' }, limitInputPixels: false })
      .composite([{ input: block, left: 1000, top: 1000 }])
      .png({ compressionLevel: 6 })
      .toBuffer();
    png = bytes.toString('base64');
    server = await startServer({ config: { requestTimeoutMs: 240_000 } });
  });
  after(() => server.close());

  it('answers all four with full-size overlays while the server process grows by well under one page of RGB per request', async (t) => {
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    let responses;
    try {
      responses = await Promise.all(
        Array.from({ length: 4 }, () => server.app.inject({ method: 'POST', url: '/layout-parsing', payload: { file: png, fileType: 1, visualize: true } })),
      );
    } finally {
      clearInterval(sampler);
    }
    for (const res of responses) {
      assert.equal(res.statusCode, 200, res.body.slice(0, 300));
      const body = json<LayoutParsing>(res.body);
      const [page] = body.result.layoutParsingResults;
      assert.deepEqual([page!.prunedResult.width, page!.prunedResult.height], [SIDE, SIDE]);
      const meta = await sharp(Buffer.from(page!.outputImages!.layout_det_res, 'base64'), { limitInputPixels: false }).metadata();
      assert.deepEqual([meta.width, meta.height], [SIDE, SIDE]);
    }
    const grewMb = (peak - baseline) / MB;
    t.diagnostic(`server process RSS grew by ${grewMb.toFixed(0)} MB (baseline ${(baseline / MB).toFixed(0)} MB)`);
    // One page's RGB is 286 MB; decoding the four here (as before) cost ≈ 3 GB.
    assert.ok(grewMb < 400, `the server process grew by ${grewMb.toFixed(0)} MB`);
  });
});
