import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignReadingOrder, clampBoxes, filterOverlaps, overlapOverSmaller, unclip, type Detection, type LayoutBox } from '../../../src/model/postprocess/postprocess.js';
import { DOCLAYOUT_V3_LABELS as LABELS } from '../../../src/model/labels.js';
import type { Point } from '../../../src/model/postprocess/polygon.js';

const id = (label: string) => LABELS.indexOf(label);

function det(label: string, box: readonly [number, number, number, number]): Detection {
  const [x1, y1, x2, y2] = box;
  return { classId: id(label), score: 0.9, x1, y1, x2, y2, order: [], row: 0 };
}

function layoutBox(label: string, bbox: readonly [number, number, number, number], polygon?: Point[]): LayoutBox {
  return polygon ? { classId: id(label), label, score: 0.9, bbox, polygon } : { classId: id(label), label, score: 0.9, bbox };
}

const clampedBoxes = (ds: readonly Detection[]) => clampBoxes(ds, LABELS, 1000, 1000).map((b) => b.bbox);

describe('unclip', () => {
  const text = det('text', [100, 100, 200, 150]);

  it('scales a box about its centre by a single ratio', () => {
    const [d] = unclip([text], 1.5, LABELS);
    assert.deepEqual([d!.x1, d!.y1, d!.x2, d!.y2], [75, 87.5, 225, 162.5]);
  });

  it('computes in float32 as numpy does, which decides the truncation', () => {
    // float32: 150 − 120.0000076/2 ties to 90; float64 would give 89.99999999999999 → 89.
    assert.deepEqual(clampedBoxes(unclip([text], 1.2, LABELS)), [[90, 95, 210, 155]]);
  });

  it('takes a (width, height) pair', () => {
    const [d] = unclip([text], [2, 1], LABELS);
    assert.deepEqual([d!.x1, d!.y1, d!.x2, d!.y2], [50, 100, 250, 150]);
  });

  it('takes a per-label map of numbers or pairs and leaves other labels alone', () => {
    const table = det('table', [0, 0, 10, 10]);
    const image = det('image', [0, 0, 10, 10]);
    const out = unclip([text, table, image], { text: [1, 2], table: 3 }, LABELS);
    assert.deepEqual(out.map((d) => [d.x1, d.y1, d.x2, d.y2]), [[100, 75, 200, 175], [-10, -10, 20, 20], [0, 0, 10, 10]]);
  });

  it('skips the step for a zero ratio or an empty map, as PaddleX does for falsy values', () => {
    assert.deepEqual(unclip([text], 0, LABELS), [text]);
    assert.deepEqual(unclip([text], {}, LABELS), [text]);
  });
});

describe('clampBoxes', () => {
  it('clamps to the page and truncates toward zero', () => {
    const boxes = clampBoxes([det('text', [-5.7, 10.2, 805.3, 20.9])], LABELS, 800, 600);
    assert.deepEqual(boxes.map((b) => b.bbox), [[0, 10, 800, 20]]);
    assert.equal(boxes[0]!.label, 'text');
  });

  it('drops boxes that end up empty', () => {
    assert.deepEqual(clampedBoxes([det('text', [100, 50, 100.9, 60]), det('text', [1100, 10, 1150, 20]), det('text', [1, 1, 3, 3])]), [[1, 1, 3, 3]]);
  });

  it('keeps each polygon with its own box', () => {
    const poly: Point[] = [[1, 1], [3, 1], [3, 3]];
    const boxes = clampBoxes([det('text', [5, 5, 5, 9]), det('text', [1, 1, 3, 3])], LABELS, 100, 100, [[], poly]);
    assert.deepEqual(boxes.map((b) => b.polygon), [poly]);
  });
});

describe('filterOverlaps', () => {
  const labelsOf = (boxes: readonly LayoutBox[]) => boxes.map((b) => `${b.label}:${b.bbox.join(',')}`);

  it('measures overlap over the smaller area', () => {
    assert.equal(overlapOverSmaller([0, 0, 100, 100], [30, 0, 130, 100]), 0.7);
    assert.equal(overlapOverSmaller([0, 0, 10, 10], [5, 5, 5, 20]), 0);
  });

  it('removes reference boxes and boxes under 6 px wide or high', () => {
    const out = filterOverlaps([
      layoutBox('reference', [0, 0, 100, 100]), layoutBox('text', [200, 0, 205, 100]),
      layoutBox('text', [300, 0, 400, 5]), layoutBox('text', [500, 0, 506, 6]),
    ], 'auto');
    assert.deepEqual(labelsOf(out), ['text:500,0,506,6']);
  });

  it('drops an inline formula overlapping another box by more than half', () => {
    // 15·10 of the formula's 20·10 = 0.75.
    const out = filterOverlaps([layoutBox('inline_formula', [85, 10, 105, 20]), layoutBox('text', [0, 0, 100, 100])], 'auto');
    assert.deepEqual(labelsOf(out), ['text:0,0,100,100']);
  });

  it('keeps an inline formula overlapping by exactly half', () => {
    // 5·10 of 10·10 = 0.5.
    const out = filterOverlaps([layoutBox('text', [0, 0, 100, 100]), layoutBox('inline_formula', [95, 10, 105, 20])], 'auto');
    assert.deepEqual(labelsOf(out), ['text:0,0,100,100', 'inline_formula:95,10,105,20']);
  });

  it('drops the smaller of two boxes overlapping by more than 0.7, not at exactly 0.7', () => {
    const big = layoutBox('text', [0, 0, 100, 100]);
    assert.deepEqual(labelsOf(filterOverlaps([layoutBox('text', [10, 10, 100, 95]), big], 'auto')), ['text:0,0,100,100']);
    const shifted = layoutBox('paragraph_title', [30, 0, 130, 100]);
    assert.deepEqual(filterOverlaps([big, shifted], 'auto'), [big, shifted]);
  });

  it('keeps image, chart and seal boxes overlapping other labels, and visual pairs with tables', () => {
    const text = layoutBox('text', [0, 0, 100, 100]);
    const image = layoutBox('image', [0, 0, 100, 90]);
    assert.deepEqual(filterOverlaps([text, image], 'auto'), [text, image]);
    const table = layoutBox('table', [0, 0, 100, 100]);
    assert.deepEqual(filterOverlaps([table, image], 'auto'), [table, image]);
  });

  it('filters a table against a text-flow label like any pair', () => {
    const table = layoutBox('table', [0, 0, 100, 100]);
    assert.deepEqual(filterOverlaps([table, layoutBox('text', [0, 0, 100, 90])], 'auto'), [table]);
  });

  it('keeps both boxes when their polygons barely overlap, except in rect mode', () => {
    const a = layoutBox('text', [0, 0, 100, 100], [[0, 0], [30, 0], [30, 100], [0, 100]]);
    const b = layoutBox('text', [0, 0, 100, 80], [[50, 0], [100, 0], [100, 80], [50, 80]]);
    assert.deepEqual(filterOverlaps([a, b], 'auto'), [a, b]);
    assert.deepEqual(filterOverlaps([a, b], 'rect'), [a]);
  });
});

describe('assignReadingOrder', () => {
  it('numbers text-flow regions 1..n and gives the others null', () => {
    const labels = ['text', 'table', 'header', 'paragraph_title', 'image', 'text', 'figure_title', 'footnote', 'doc_title'];
    assert.deepEqual(assignReadingOrder(labels.map((label) => ({ label }))), [1, null, null, 2, null, 3, null, null, 4]);
  });
});
