import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import ort from 'onnxruntime-node';
import { postprocess, type PostprocessModelInfo } from '../../../src/model/postprocess/postprocess.js';
import { DOCLAYOUT_V3_LABELS as LABELS } from '../../../src/model/labels.js';
import type { PageGeometry, RawOutputs, Region } from '../../../src/model/types.js';
import { writeFixtureModel } from '../../fixtures/fixture-model.js';

const id = (label: string) => LABELS.indexOf(label);
const M = 200;
const square: PageGeometry = { width: 800, height: 800, resizedWidth: 800, resizedHeight: 800, scaleX: 1, scaleY: 1 };
const v3: PostprocessModelInfo = { labels: LABELS, variant: 'pp-doclayoutv3', hasOrder: true, hasMasks: true, rowWidth: 7 };
const summary = (regions: readonly Region[]) => regions.map((r) => [r.label, r.bbox.join(','), r.order]);

/** Rows `[label, score, x1, y1, x2, y2, ...order]`; masks[i] lists cell rectangles of row i. */
function rawOf(rows: ReadonlyArray<readonly [string, number, ...number[]]>, options: { rowsPerImage?: number[]; masks?: Array<Array<readonly [number, number, number, number]>>; inOriginal?: boolean } = {}): RawOutputs {
  const width = rows[0]!.length;
  const masks = options.masks ? new Uint8Array(rows.length * M * M) : undefined;
  options.masks?.forEach((rects, r) => {
    for (const [x0, y0, x1, y1] of rects) for (let y = y0; y < y1; y++) masks!.fill(1, r * M * M + y * M + x0, r * M * M + y * M + x1);
  });
  return {
    detections: Float32Array.from(rows.flatMap(([label, ...rest]) => [id(label), ...rest])),
    rowWidth: width,
    rowsPerImage: options.rowsPerImage ?? [rows.length],
    masks,
    maskHeight: masks ? M : 0,
    maskWidth: masks ? M : 0,
    boxesInOriginalPixels: options.inOriginal ?? true,
  };
}

describe('postprocess', () => {
  it('orders V2 (8-column) rows by column 6, then column 7 descending, on a non-square page in input pixels', () => {
    const page: PageGeometry = { width: 1000, height: 500, resizedWidth: 800, resizedHeight: 800, scaleX: 0.8, scaleY: 1.6 };
    const raw = rawOf([
      ['text', 0.9, 80, 480, 400, 640, 1, 0],
      ['paragraph_title', 0.8, 80, 160, 400, 320, 0, -3],
      ['table', 0.7, 480, 160, 720, 640, 0, 2],
    ], { inOriginal: false });
    const info: PostprocessModelInfo = { ...v3, variant: 'pp-doclayoutv2', hasMasks: false, rowWidth: 8 };
    assert.deepEqual(summary(postprocess(raw, 0, page, info)), [
      ['table', '600,100,900,400', null],
      ['paragraph_title', '100,100,500,200', 1],
      ['text', '100,300,500,400', 2],
    ]);
  });

  it('keeps NMS score order for 6-column models and gives them no polygons', () => {
    const raw = rawOf([
      ['text', 0.6, 10, 10, 100, 50],
      ['doc_title', 0.9, 10, 200, 100, 250],
      ['image', 0.7, 10, 300, 100, 400],
    ]);
    const regions = postprocess(raw, 0, square, { ...v3, variant: 'pp-doclayout', hasOrder: false, hasMasks: false, rowWidth: 6 });
    assert.deepEqual(summary(regions), [['doc_title', '10,200,100,250', 1], ['image', '10,300,100,400', null], ['text', '10,10,100,50', 2]]);
    assert.ok(regions.every((r) => r.polygon === undefined));
  });

  it("reads masks by the row's index in the whole batch", () => {
    const l: Array<readonly [number, number, number, number]> = [[20, 30, 100, 75], [100, 53, 180, 75]];
    const raw = rawOf([
      ['text', 0.9, 80, 120, 720, 300, 0],
      ['text', 0.9, 80, 120, 720, 300, 0],
    ], { rowsPerImage: [1, 1], masks: [[], l] });
    const [first] = postprocess(raw, 0, square, v3);
    const [second] = postprocess(raw, 1, square, v3);
    assert.deepEqual(first!.polygon, [[80, 120], [720, 120], [720, 300], [80, 300]]);
    assert.deepEqual(second!.polygon, [[80, 120], [80, 299], [719, 299], [719, 212], [400, 212], [399, 120]]);
  });

  it('computes polygons before unclip and gives the final box as polygon in rect mode', () => {
    const raw = rawOf([['text', 0.9, 100, 100, 200, 150, 0]], { masks: [[[25, 25, 50, 38]]] });
    const [auto] = postprocess(raw, 0, square, v3, { unclipRatio: 1.5 });
    assert.deepEqual(auto!.bbox, [75, 87, 225, 162]);
    assert.deepEqual(auto!.polygon, [[100, 100], [200, 100], [200, 150], [100, 150]]);
    const [rect] = postprocess(raw, 0, square, v3, { unclipRatio: 1.5, shapeMode: 'rect' });
    assert.deepEqual(rect!.polygon, [[75, 87], [225, 87], [225, 162], [75, 162]]);
  });

  it('applies the parameters it is given and returns nothing when nothing passes', () => {
    const raw = rawOf([['text', 0.4, 10, 10, 100, 50, 0], ['table', 0.45, 10, 100, 100, 200, 1]]);
    assert.deepEqual(postprocess(raw, 0, square, { ...v3, hasMasks: false }), []);
    const lowered = postprocess(raw, 0, square, { ...v3, hasMasks: false }, { threshold: { text: 0.3 } });
    assert.deepEqual(summary(lowered), [['text', '10,10,100,50', 1]]);
  });
});

describe('postprocess on the fixture model', () => {
  const file = writeFixtureModel({ variant: 'v3' });
  after(() => fs.rmSync(path.dirname(file), { recursive: true, force: true }));

  it('removes the duplicate and low-score rows, numbers the text flow and keeps the L polygon', { timeout: 60_000 }, async () => {
    const session = await ort.InferenceSession.create(file);
    try {
      const white = new Float32Array(3 * 800 * 800).fill(1);
      const out = await session.run({
        im_shape: new ort.Tensor('float32', Float32Array.from([800, 800]), [1, 2]),
        image: new ort.Tensor('float32', white, [1, 3, 800, 800]),
        scale_factor: new ort.Tensor('float32', Float32Array.from([1, 1]), [1, 2]),
      });
      const dets = out.fetch_name_0!;
      const masks = out.fetch_name_2!;
      const raw: RawOutputs = {
        detections: dets.data as Float32Array,
        rowWidth: dets.dims[1]!,
        rowsPerImage: Array.from(out.fetch_name_1!.data as Int32Array),
        masks: masks.data as Int32Array,
        maskHeight: masks.dims[1]!,
        maskWidth: masks.dims[2]!,
        boxesInOriginalPixels: true,
      };
      const regions = postprocess(raw, 0, square, v3);
      assert.deepEqual(summary(regions), [
        ['header', '600,4,780,28', null],
        ['doc_title', '100,40,700,90', 1],
        ['text', '80,120,720,300', 2],
        ['table', '80,320,720,560', null],
        ['paragraph_title', '80,580,400,610', 3],
        ['text', '80,620,720,740', 4],
        ['image', '300,756,500,792', null],
      ]);
      // Row 6 (near-duplicate of row 1) went to NMS, row 8 (score 0.3) to the threshold.
      assert.ok(!regions.some((r) => r.bbox.join(',') === '82,122,718,298'));
      assert.ok(!regions.some((r) => r.bbox.join(',') === '420,580,720,610'));
      assert.equal(regions[2]!.polygon!.length, 6);
      assert.deepEqual(regions[2]!.polygon, [[80, 120], [80, 299], [719, 299], [719, 212], [400, 212], [399, 120]]);
    } finally {
      await session.release();
    }
  });
});
