import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { json, multipart, startServer, twoPagePdf, whitePage, type TestServer } from './helpers.js';

describe('seed-compatible API (/analyze, /gpu_status)', { timeout: 120_000 }, () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('POST /analyze answers { status, gpu_used, regions_count, regions }', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/analyze', ...multipart([{ name: 'page.jpg', bytes: await whitePage(800, 800, 'jpeg') }]) });
    assert.equal(res.statusCode, 200, res.body);
    const body = json<{ status: string; gpu_used: number; regions_count: number; regions: Array<{ label: string; bbox: number[] }> }>(res.body);
    assert.equal(body.status, 'success');
    assert.equal(body.gpu_used, 0);
    assert.equal(body.regions_count, body.regions.length);
    assert.equal(body.regions_count, 7);
    assert.ok(body.regions.every((r) => r.bbox.length === 4 && typeof r.label === 'string'));
  });

  it('POST /analyze errors keep the seed shape (status: error) with the error object', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/analyze', ...multipart([{ name: 'a.png', bytes: Buffer.from('hello, I am text') }]) });
    assert.equal(res.statusCode, 415);
    const body = json<{ status: string; error: { code: string; message: string } }>(res.body);
    assert.equal(body.status, 'error');
    assert.equal(body.error.code, 'LAYOUT_ERR_UNSUPPORTED_MEDIA');
  });

  it('GET /gpu_status lists one engine per device, CPU workers named CPU_n_State', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/gpu_status' });
    assert.equal(res.statusCode, 200);
    const body = json<{ gpu_count: number; gpu_loads: number[]; inference_engines: string[] }>(res.body);
    const devices = server.pool.snapshot().devices;
    assert.equal(body.gpu_count, devices.length);
    assert.equal(body.gpu_loads.length, devices.length);
    assert.ok(body.gpu_loads.every((n) => Number.isInteger(n) && n >= 0));
    assert.deepEqual(body.inference_engines, ['CPU_0_Ready']);
  });
});

describe('PaddleX-compatible API (/object-detection, /layout-parsing)', { timeout: 120_000 }, () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('POST /object-detection answers PaddleX InferResult with detectedObjects and the annotated image', async () => {
    const image = (await whitePage(800, 800)).toString('base64');
    const res = await server.app.inject({ method: 'POST', url: '/object-detection', payload: { image, threshold: 0.5 } });
    assert.equal(res.statusCode, 200, res.body);
    const body = json<{ logId: string; errorCode: number; errorMsg: string; result: { detectedObjects: Array<{ bbox: number[]; categoryId: number; categoryName: string; score: number }>; image?: string } }>(res.body);
    assert.equal(body.errorCode, 0);
    assert.equal(body.errorMsg, 'Success');
    assert.match(body.logId, /\S/);
    assert.equal(body.result.detectedObjects.length, 7);
    const title = body.result.detectedObjects.find((o) => o.categoryName === 'doc_title')!;
    assert.equal(title.categoryId, 6);
    assert.deepEqual(title.bbox, [100, 40, 700, 90]);
    // PaddleX serving visualises by default; its images are JPEGs.
    assert.equal((await sharp(Buffer.from(body.result.image!, 'base64')).metadata()).format, 'jpeg');
  });

  it('POST /object-detection maps a per-class-id threshold and can skip the image', async () => {
    const image = (await whitePage(800, 800)).toString('base64');
    // 22 = text in PP-DocLayoutV3's label list.
    const res = await server.app.inject({ method: 'POST', url: '/object-detection', payload: { image, threshold: { 22: 0.99 }, visualize: false } });
    assert.equal(res.statusCode, 200, res.body);
    const body = json<{ result: { detectedObjects: Array<{ categoryName: string }>; image?: string } }>(res.body);
    assert.ok(!body.result.detectedObjects.some((o) => o.categoryName === 'text'));
    assert.ok(body.result.detectedObjects.some((o) => o.categoryName === 'table'));
    assert.equal(body.result.image, undefined);
  });

  it('POST /layout-parsing with a 2-page PDF answers per-page prunedResult and PDF dataInfo', async () => {
    const file = (await twoPagePdf()).toString('base64');
    const res = await server.app.inject({ method: 'POST', url: '/layout-parsing', payload: { file, fileType: 0, layoutNms: true, layoutShapeMode: 'rect', logId: 'my-log-id' } });
    assert.equal(res.statusCode, 200, res.body);
    const body = json<{
      logId: string;
      errorCode: number;
      result: {
        layoutParsingResults: Array<{ prunedResult: { page_index: number; width: number; height: number; layout_det_res: { boxes: Array<{ cls_id: number; label: string; score: number; coordinate: number[]; polygon_points?: unknown }> } }; outputImages?: Record<string, string>; inputImage?: string }>;
        dataInfo: { type: string; numPages: number; pages: Array<{ width: number; height: number }> };
      };
    }>(res.body);
    assert.equal(body.logId, 'my-log-id');
    assert.equal(body.errorCode, 0);
    const results = body.result.layoutParsingResults;
    assert.equal(results.length, 2);
    assert.deepEqual(results.map((r) => r.prunedResult.page_index), [0, 1]);
    assert.deepEqual(body.result.dataInfo, { type: 'pdf', numPages: 2, pages: [{ width: 1190, height: 1684 }, { width: 1584, height: 1224 }] });
    for (const r of results) {
      assert.ok(r.prunedResult.layout_det_res.boxes.length > 0);
      const box = r.prunedResult.layout_det_res.boxes[0]!;
      assert.equal(box.coordinate.length, 4);
      assert.equal(typeof box.cls_id, 'number');
      // shapeMode rect: any polygon is just the box's four corners.
      for (const b of r.prunedResult.layout_det_res.boxes) {
        if (b.polygon_points === undefined) continue;
        const [x1, y1, x2, y2] = b.coordinate;
        assert.deepEqual(b.polygon_points, [[x1, y1], [x2, y1], [x2, y2], [x1, y2]]);
      }
      assert.ok(r.outputImages?.layout_det_res && r.inputImage, 'visualize defaults to true');
    }
  });

  it('POST /layout-parsing with an image answers image dataInfo; visualize=false drops images', async () => {
    const file = (await whitePage(640, 480, 'jpeg')).toString('base64');
    const res = await server.app.inject({ method: 'POST', url: '/layout-parsing', payload: { file, fileType: 1, visualize: false } });
    assert.equal(res.statusCode, 200, res.body);
    const body = json<{ result: { layoutParsingResults: Array<{ prunedResult: { page_index: null }; outputImages?: unknown; inputImage?: unknown }>; dataInfo: unknown } }>(res.body);
    assert.deepEqual(body.result.dataInfo, { type: 'image', width: 640, height: 480 });
    assert.equal(body.result.layoutParsingResults[0]!.prunedResult.page_index, null);
    assert.equal(body.result.layoutParsingResults[0]!.outputImages, undefined);
    assert.equal(body.result.layoutParsingResults[0]!.inputImage, undefined);
  });

  it('failures use the PaddleX envelope: 422 for invalid requests, 415 for a wrong file type', async () => {
    const missing = await server.app.inject({ method: 'POST', url: '/object-detection', payload: { threshold: 0.5 } });
    assert.equal(missing.statusCode, 422);
    const missingBody = json<{ logId: string; errorCode: number; errorMsg: string }>(missing.body);
    assert.equal(missingBody.errorCode, 422);
    assert.match(missingBody.errorMsg, /image/);
    assert.match(missingBody.logId, /\S/);

    const badThreshold = await server.app.inject({ method: 'POST', url: '/object-detection', payload: { image: 'aGk=', threshold: 3 } });
    assert.equal(badThreshold.statusCode, 422);

    const image = (await whitePage(100, 100)).toString('base64');
    const mismatch = await server.app.inject({ method: 'POST', url: '/layout-parsing', payload: { file: image, fileType: 0 } });
    assert.equal(mismatch.statusCode, 415);
    assert.equal(json<{ errorCode: number }>(mismatch.body).errorCode, 415);
  });
});
