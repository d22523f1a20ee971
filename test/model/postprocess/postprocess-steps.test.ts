import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyThreshold, filterLargeImages, iouPlusOne, isContained, layoutNms, mergeBoxes, readDetections,
  roundHalfEven, sortByOrder, type Detection,
} from '../../../src/model/postprocess/postprocess.js';
import { DOCLAYOUT_V3_LABELS as LABELS } from '../../../src/model/labels.js';
import type { PageGeometry, RawOutputs } from '../../../src/model/types.js';

const TEXT = LABELS.indexOf('text');
const TABLE = LABELS.indexOf('table');
const IMAGE = LABELS.indexOf('image');
const INLINE = LABELS.indexOf('inline_formula');

let nextRow = 0;
function det(classId: number, score: number, box: readonly [number, number, number, number], order: number[] = []): Detection {
  const [x1, y1, x2, y2] = box;
  return { classId, score: Math.fround(score), x1, y1, x2, y2, order, row: nextRow++ };
}
const boxes = (ds: readonly Detection[]) => ds.map((d) => [d.x1, d.y1, d.x2, d.y2]);

describe('roundHalfEven', () => {
  it('rounds halves to the even neighbour like numpy.round', () => {
    assert.deepEqual([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, 2.4999, 2.5001, 7].map(roundHalfEven), [0, 2, 2, 4, 0, -2, -2, 2, 3, 7]);
  });
});

describe('readDetections', () => {
  const geometry: PageGeometry = { width: 1000, height: 500, resizedWidth: 800, resizedHeight: 800, scaleX: 0.8, scaleY: 1.6 };
  const rows = [
    [22, 0.9, 1, 2, 3, 4, 0], [22, 0.8, 5, 6, 7, 8, 1], // image 0
    [21, 0.7, 80, 160, 400, 480, 3], [6, 0.6, 0.5, 1.5, 2.5, 3.5, 9], [-1, 0, 0, 0, 0, 0, 0], // image 1
  ];
  const raw = (inOriginal: boolean): RawOutputs => ({
    detections: Float32Array.from(rows.flat()), rowWidth: 7, rowsPerImage: [2, 3],
    masks: undefined, maskHeight: 0, maskWidth: 0, boxesInOriginalPixels: inOriginal,
  });

  it("reads only the requested image's rows and remembers their batch row index", () => {
    const ds = readDetections(raw(true), 1, geometry);
    assert.deepEqual(ds.map((d) => d.row), [2, 3, 4]);
    assert.deepEqual(ds.map((d) => d.classId), [21, 6, -1]);
    assert.deepEqual(ds.map((d) => d.order), [[3], [9], [0]]);
  });

  it('rounds coordinates half-to-even', () => {
    assert.deepEqual(boxes(readDetections(raw(true), 1, geometry))[1], [0, 2, 2, 4]);
  });

  it('divides model-input boxes by the x and y scales separately on a non-square page', () => {
    // x / 0.8 and y / 1.6: (80, 160, 400, 480) → (100, 100, 500, 300).
    assert.deepEqual(boxes(readDetections(raw(false), 1, geometry))[0], [100, 100, 500, 300]);
  });

  it('rejects an image index outside the batch', () => {
    assert.throws(() => readDetections(raw(true), 2, geometry), { code: 'LAYOUT_ERR_INFERENCE' });
  });
});

describe('applyThreshold', () => {
  it('keeps scores strictly above a global threshold and drops padding rows', () => {
    const ds = [det(TEXT, 0.6, [0, 0, 1, 1]), det(TEXT, 0.5, [0, 0, 1, 1]), det(TEXT, 0.4, [0, 0, 1, 1]), det(-1, 0.9, [0, 0, 1, 1])];
    assert.deepEqual(applyThreshold(ds, 0.5, LABELS).map((d) => d.score), [Math.fround(0.6)]);
  });

  it('compares in float32, so a score of float32(0.3) does not pass 0.3', () => {
    const ds = [det(TEXT, 0.3, [0, 0, 1, 1])];
    assert.equal(applyThreshold(ds, 0.3, LABELS).length, 0);
    assert.equal(applyThreshold(ds, 0.2999, LABELS).length, 1);
  });

  it('uses per-label thresholds, 0.5 for labels missing from the map, and groups by class id', () => {
    const ds = [det(TEXT, 0.35, [0, 0, 1, 1]), det(TABLE, 0.45, [0, 0, 1, 1]), det(TABLE, 0.55, [0, 0, 1, 1]), det(TEXT, 0.25, [0, 0, 1, 1])];
    const kept = applyThreshold(ds, { text: 0.3 }, LABELS);
    // table (21) before text (22), as PaddleX's np.unique loop orders them.
    assert.deepEqual(kept.map((d) => [LABELS[d.classId], d.score]), [['table', Math.fround(0.55)], ['text', Math.fround(0.35)]]);
  });
});

describe('layoutNms', () => {
  it('computes IoU with the +1 pixel convention', () => {
    // (10·6) / (10·10) = 0.6 with +1; without it 45 / 81 = 0.56.
    assert.equal(iouPlusOne(det(TEXT, 1, [0, 0, 9, 9]), det(TEXT, 1, [0, 0, 9, 5])), 0.6);
  });

  it('suppresses a same-class box at IoU ≥ 0.6 (with +1) and keeps it below', () => {
    const big = det(TEXT, 0.9, [0, 0, 9, 9]);
    assert.deepEqual(layoutNms([det(TEXT, 0.8, [0, 0, 9, 5]), big], 0.6, 0.98), [big]);
    const lower = det(TEXT, 0.8, [0, 0, 9, 4]); // 50 / 100 = 0.5
    assert.deepEqual(layoutNms([lower, big], 0.6, 0.98), [big, lower]);
  });

  it('suppresses a box of another class only at IoU ≥ 0.98', () => {
    const text = det(TEXT, 0.9, [0, 0, 9, 9]);
    const table = det(TABLE, 0.8, [0, 0, 9, 5]);
    assert.deepEqual(layoutNms([table, text], 0.6, 0.98), [text, table]);
    const same = det(TABLE, 0.8, [0, 0, 9, 9]);
    assert.deepEqual(layoutNms([same, text], 0.6, 0.98), [text]);
  });

  it('returns kept boxes by descending score, equal scores later row first', () => {
    const a = det(TEXT, 0.5, [0, 0, 10, 10]);
    const b = det(TEXT, 0.7, [100, 0, 110, 10]);
    const c = det(TEXT, 0.5, [200, 0, 210, 10]);
    assert.deepEqual(layoutNms([a, b, c], 0.6, 0.98), [b, c, a]);
  });
});

describe('filterLargeImages', () => {
  const text = det(TEXT, 0.9, [10, 10, 50, 50]);

  it('drops an image above 93 % of a portrait page and keeps one below', () => {
    const huge = det(IMAGE, 0.9, [0, 0, 1000, 1900]); // 95 %
    const large = det(IMAGE, 0.9, [0, 0, 1000, 1850]); // 92.5 %
    assert.deepEqual(filterLargeImages([huge, large, text], 1000, 2000, LABELS), [large, text]);
  });

  it('uses 82 % on a landscape page', () => {
    const huge = det(IMAGE, 0.9, [0, 0, 1700, 1000]); // 85 %
    const large = det(IMAGE, 0.9, [0, 0, 1600, 1000]); // 80 %
    assert.deepEqual(filterLargeImages([huge, large, text], 2000, 1000, LABELS), [large, text]);
  });

  it('measures the image after clamping it to the page', () => {
    const overhanging = det(IMAGE, 0.9, [-500, -500, 600, 1300]); // 600 × 1300 of 1000 × 2000 = 39 %
    assert.deepEqual(filterLargeImages([overhanging, text], 1000, 2000, LABELS), [overhanging, text]);
  });

  it('keeps everything when only huge images are left, and a lone box whatever its size', () => {
    const a = det(IMAGE, 0.9, [0, 0, 1000, 2000]);
    const b = det(IMAGE, 0.8, [0, 10, 1000, 2000]);
    assert.deepEqual(filterLargeImages([a, b], 1000, 2000, LABELS), [a, b]);
    assert.deepEqual(filterLargeImages([a], 1000, 2000, LABELS), [a]);
  });

  it('ignores large boxes of other labels', () => {
    const table = det(TABLE, 0.9, [0, 0, 1000, 2000]);
    assert.deepEqual(filterLargeImages([table, text], 1000, 2000, LABELS), [table, text]);
  });
});

describe('mergeBoxes', () => {
  const outer = det(TEXT, 0.9, [0, 0, 100, 100]);
  const inner = det(INLINE, 0.8, [10, 10, 50, 50]);
  const partial = det(TEXT, 0.7, [90, 90, 150, 150]);
  const all = [outer, inner, partial];

  it('counts a box as contained when at least 90 % of its area is inside', () => {
    const container = det(TEXT, 1, [0, 1, 100, 200]);
    assert.equal(isContained(det(TEXT, 1, [0, 0, 100, 10]), det(TEXT, 1, [0, 0, 100, 200])), true); // 1000 / 1000
    assert.equal(isContained(det(TEXT, 1, [0, 0, 100, 100]), det(TEXT, 1, [0, 9, 100, 200])), true); // 9100 / 10000
    assert.equal(isContained(det(TEXT, 1, [0, 0, 100, 10]), det(TEXT, 1, [0, 2, 100, 200])), false); // 800 / 1000
  });

  it('compares the float32 ratio with 0.9 in float64, as NumPy 1.x does for a float32 scalar', () => {
    // 900 / 1000 is float32(0.9) = 0.89999998, below the double 0.9: not contained.
    assert.equal(isContained(det(TEXT, 1, [0, 0, 100, 10]), det(TEXT, 1, [0, 1, 100, 200])), false);
  });

  it('union keeps everything', () => {
    assert.deepEqual(mergeBoxes(all, 'union', LABELS), all);
  });

  it('large drops boxes inside another', () => {
    assert.deepEqual(mergeBoxes(all, 'large', LABELS), [outer, partial]);
  });

  it('small drops boxes that contain another', () => {
    assert.deepEqual(mergeBoxes(all, 'small', LABELS), [inner, partial]);
  });

  it('per-label large drops boxes inside a box of that label only', () => {
    assert.deepEqual(mergeBoxes(all, { text: 'large' }, LABELS), [outer, partial]);
    assert.deepEqual(mergeBoxes(all, { inline_formula: 'large' }, LABELS), all);
  });

  it('per-label small drops boxes that contain a box of that label only', () => {
    assert.deepEqual(mergeBoxes(all, { inline_formula: 'small' }, LABELS), [inner, partial]);
    assert.deepEqual(mergeBoxes(all, { text: 'small', table: 'large' }, LABELS), all);
  });

  it('never counts a formula as inside a non-formula box (models with a formula label)', () => {
    const labels = ['text', 'formula'];
    const text = det(0, 0.9, [0, 0, 100, 100]);
    const formula = det(1, 0.9, [10, 10, 50, 50]);
    assert.deepEqual(mergeBoxes([text, formula], 'large', labels), [text, formula]);
  });
});

describe('sortByOrder', () => {
  it('sorts V3 by ascending rank, gaps and all', () => {
    const ds = [det(TEXT, 0.9, [0, 0, 1, 1], [73]), det(TEXT, 0.8, [0, 0, 1, 1], [0]), det(TEXT, 0.7, [0, 0, 1, 1], [15])];
    assert.deepEqual(sortByOrder(ds).map((d) => d.order[0]), [0, 15, 73]);
  });

  it('sorts V2 by column 6 ascending, then column 7 descending', () => {
    const ds = [[1, 0], [0, -2], [1, 3], [0, 5]].map((o) => det(TEXT, 0.9, [0, 0, 1, 1], o));
    assert.deepEqual(sortByOrder(ds).map((d) => d.order), [[0, 5], [0, -2], [1, 3], [1, 0]]);
  });

  it('keeps the incoming order for models without order columns and for equal ranks', () => {
    const ds = [det(TEXT, 0.9, [0, 0, 1, 1]), det(TEXT, 0.3, [0, 0, 1, 1]), det(TEXT, 0.6, [0, 0, 1, 1])];
    assert.deepEqual(sortByOrder(ds), ds);
    const tied = [det(TEXT, 0.9, [0, 0, 1, 1], [4]), det(TEXT, 0.8, [0, 0, 1, 1], [4])];
    assert.deepEqual(sortByOrder(tied), tied);
  });
});
