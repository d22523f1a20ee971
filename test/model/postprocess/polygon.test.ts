import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskToPolygon, regionPolygon, type Point } from '../../../src/model/postprocess/polygon.js';
import { ResampledMask, traceOuterBorder } from '../../../src/model/postprocess/polygon-contour.js';
import { approxPolyDpClosed } from '../../../src/model/postprocess/polygon-simplify.js';
import { polygonIntersectionArea, polygonOverlapRatio, polygonToQuad } from '../../../src/model/postprocess/polygon-geometry.js';
import type { PageGeometry } from '../../../src/model/types.js';

const M = 200;
/** 800×800 page fed at 800×800: one 200×200 mask cell is 4×4 page pixels. */
const page: PageGeometry = { width: 800, height: 800, resizedWidth: 800, resizedHeight: 800, scaleX: 1, scaleY: 1 };
type Rect = readonly [number, number, number, number];

/** A 200×200 mask with cells [x0, x1) × [y0, y1) set, minus the `holes`. */
function mask(fill: readonly Rect[], holes: readonly Rect[] = []): Uint8Array {
  const m = new Uint8Array(M * M);
  const paint = ([x0, y0, x1, y1]: Rect, v: number) => {
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * M + x] = v;
  };
  fill.forEach((r) => paint(r, 1));
  holes.forEach((r) => paint(r, 0));
  return m;
}

const box: Rect = [80, 120, 720, 300]; // cells [20, 180) × [30, 75)
const boxCells: Rect = [20, 30, 180, 75];
const boxCorners = [[80, 120], [720, 120], [720, 300], [80, 300]];

describe('maskToPolygon', () => {
  it('gives the box corners for a rectangular mask in auto mode', () => {
    assert.deepEqual(maskToPolygon(mask([boxCells]), M, M, box, page, 'auto'), boxCorners);
  });

  it("traces pixel centres in poly mode, as OpenCV's contours do", () => {
    assert.deepEqual(maskToPolygon(mask([boxCells]), M, M, box, page, 'poly'), [[80, 120], [80, 299], [719, 299], [719, 120]]);
  });

  it('keeps the notch of an L-shaped mask: 6 points in auto mode', () => {
    // Top-right quarter missing: cells x ≥ 100 (px 400), y < 53 (px 212).
    const l = mask([boxCells], [[100, 30, 180, 53]]);
    const expected = [[80, 120], [80, 299], [719, 299], [719, 212], [400, 212], [399, 120]];
    assert.deepEqual(maskToPolygon(l, M, M, box, page, 'auto'), expected);
    assert.deepEqual(maskToPolygon(Int32Array.from(l), M, M, box, page, 'poly'), expected);
  });

  it('cleans up a small notch: the lone concave corner goes and auto mode keeps the box', () => {
    // Cells x ≥ 170, y < 40 missing: a 40×40 px bite out of the top-right corner.
    const bitten = mask([boxCells], [[170, 30, 180, 40]]);
    assert.deepEqual(maskToPolygon(bitten, M, M, box, page, 'poly'), [[80, 120], [80, 299], [719, 299], [719, 160], [679, 120]]);
    assert.deepEqual(maskToPolygon(bitten, M, M, box, page, 'auto'), boxCorners);
  });

  it('follows the largest of several mask components', () => {
    const two = mask([[20, 30, 40, 40], [100, 30, 180, 75]]);
    assert.deepEqual(maskToPolygon(two, M, M, box, page, 'poly'), [[400, 120], [400, 299], [719, 299], [719, 120]]);
  });

  it('gives the box for an empty mask or rect mode', () => {
    for (const mode of ['auto', 'poly', 'quad', 'rect'] as const) {
      assert.deepEqual(maskToPolygon(new Uint8Array(M * M), M, M, box, page, mode), boxCorners, mode);
    }
    assert.deepEqual(maskToPolygon(mask([boxCells], [[100, 30, 180, 53]]), M, M, box, page, 'rect'), boxCorners);
  });

  it('maps boxes to mask cells per axis on a non-square page', () => {
    // 1000×500 page: x cells = px · 0.8 / 4, y cells = px · 1.6 / 4.
    const wide: PageGeometry = { width: 1000, height: 500, resizedWidth: 800, resizedHeight: 800, scaleX: 0.8, scaleY: 1.6 };
    const m = mask([[20, 40, 100, 120]]);
    assert.deepEqual(maskToPolygon(m, M, M, [100, 100, 500, 300], wide, 'poly'), [[100, 100], [100, 299], [499, 299], [499, 100]]);
    assert.deepEqual(maskToPolygon(m, M, M, [100, 100, 500, 300], wide, 'auto'), [[100, 100], [500, 100], [500, 300], [100, 300]]);
  });

  it('clamps points to the page', () => {
    const m = mask([[175, 175, 200, 200]]);
    assert.deepEqual(maskToPolygon(m, M, M, [700, 700, 820, 820], page, 'auto'), [[700, 700], [800, 700], [800, 800], [700, 800]]);
  });
});

describe('quads', () => {
  /** A 300 px square centred at (400, 400) px, turned by `deg` degrees. */
  function turnedSquare(deg: number): Uint8Array {
    const m = new Uint8Array(M * M);
    const t = (deg * Math.PI) / 180;
    for (let y = 0; y < M; y++) {
      for (let x = 0; x < M; x++) {
        const dx = x + 0.5 - 100, dy = y + 0.5 - 100;
        const u = dx * Math.cos(t) + dy * Math.sin(t);
        const v = -dx * Math.sin(t) + dy * Math.cos(t);
        if (Math.abs(u) <= 37.5 && Math.abs(v) <= 37.5) m[y * M + x] = 1;
      }
    }
    return m;
  }
  const squareBox: Rect = [208, 208, 592, 592];

  it('orders the minimum-area rectangle from the corner with the smallest x + y', () => {
    const quad = polygonToQuad([[50, 0], [75, 25], [100, 50], [50, 100], [0, 50]])!;
    const expected = [[50, 0], [100, 50], [50, 100], [0, 50]];
    // OpenCV's float32 corners of a 45° rectangle carry float noise (50, 7.6e-6).
    quad.forEach((p, i) => {
      assert.ok(Math.abs(p[0] - expected[i]![0]!) < 1e-4 && Math.abs(p[1] - expected[i]![1]!) < 1e-4, `${p} vs ${expected[i]}`);
    });
  });

  it('breaks an exact area tie between the box and a slanted rectangle as OpenCV does', () => {
    // A trapezoid from parity case 106: the axis-aligned box (1381 × 378) and the rectangle along
    // the slanted top edge have the same area, 522018. OpenCV's float32 caliper walk keeps the box.
    const quad = polygonToQuad([[1821, 986], [440, 1041], [459, 1364], [1821, 1364]])!;
    const expected = [[440, 986], [1821, 986], [1821, 1364], [440, 1364]];
    quad.forEach((p, i) => assert.ok(Math.hypot(p[0] - expected[i]![0]!, p[1] - expected[i]![1]!) < 1e-3, `${p} vs ${expected[i]}`));
  });

  it('fits a rectangle to a turned square in quad mode', () => {
    const quad = maskToPolygon(turnedSquare(20), M, M, squareBox, page, 'quad');
    assert.equal(quad.length, 4);
    for (let i = 0; i < 4; i++) {
      const [ax, ay] = quad[i]!;
      const [bx, by] = quad[(i + 1) % 4]!;
      assert.ok(Math.abs(Math.hypot(bx - ax, by - ay) - 300) < 8, `side ${i}: ${Math.hypot(bx - ax, by - ay)}`);
      const angle = ((((Math.atan2(by - ay, bx - ax) * 180) / Math.PI) % 90) + 90) % 90;
      assert.ok(Math.abs(angle - 20) < 2, `edge angle ${angle}`);
    }
  });

  it('auto mode picks the quad for a turned square, but the polygon when the previous region reaches into the box', () => {
    const m = turnedSquare(20);
    const quad = regionPolygon(m, M, M, squareBox, page, 'quad');
    const poly = regionPolygon(m, M, M, squareBox, page, 'poly');
    assert.notDeepEqual(quad, poly);
    assert.deepEqual(regionPolygon(m, M, M, squareBox, page, 'auto'), quad);
    const previous: Point[] = [[200, 200], [300, 200], [300, 300], [200, 300]];
    assert.deepEqual(regionPolygon(m, M, M, squareBox, page, 'auto', { previous }), poly);
    const farAway: Point[] = [[0, 0], [100, 0], [100, 100], [0, 100]];
    assert.deepEqual(regionPolygon(m, M, M, squareBox, page, 'auto', { previous: farAway }), quad);
  });
});

describe('contour tracing and simplification', () => {
  const grid = (rows: string[]) => {
    const w = rows[0]!.length;
    const m = Uint8Array.from(rows.join('').split('').map((c) => (c === '#' ? 1 : 0)));
    return new ResampledMask(m, w, 0, 0, w, rows.length, w, rows.length);
  };

  it('starts at the top-left pixel and goes down the left side first, corners only', () => {
    assert.deepEqual(traceOuterBorder(grid(['....', '.###', '.###']), 1, 1), [1, 1, 1, 2, 3, 2, 3, 1]);
  });

  it('returns an isolated pixel as one point', () => {
    assert.deepEqual(traceOuterBorder(grid(['...', '.#.', '...']), 1, 1), [1, 1]);
  });

  it('resizes with nearest neighbour while tracing (2×2 cells blown up to 4×4 pixels)', () => {
    const m = Uint8Array.from([1, 0, 1, 1]);
    const img = new ResampledMask(m, 2, 0, 0, 2, 2, 4, 4);
    assert.deepEqual(traceOuterBorder(img, 0, 0), [0, 0, 0, 3, 3, 3, 3, 2, 2, 2, 1, 1, 1, 0]);
  });

  it('drops points on straight runs and keeps corners', () => {
    const square = [0, 0, 0, 5, 0, 10, 5, 10, 10, 10, 10, 5, 10, 0, 5, 0];
    assert.deepEqual(approxPolyDpClosed(square, 0.5), [0, 0, 0, 10, 10, 10, 10, 0]);
  });
});

describe('polygon overlap', () => {
  const l: Point[] = [[0, 0], [0, 10], [10, 10], [10, 5], [5, 5], [5, 0]];

  it('computes intersection areas of non-convex polygons in either orientation', () => {
    assert.equal(polygonIntersectionArea([[0, 0], [10, 0], [10, 10], [0, 10]], [[5, 5], [15, 5], [15, 15], [5, 15]]), 25);
    assert.equal(polygonIntersectionArea(l, [[0, 0], [10, 0], [10, 10], [0, 10]]), 75);
    assert.equal(polygonIntersectionArea(l, [[5, 0], [10, 0], [10, 5], [5, 5]]), 0);
    assert.equal(polygonIntersectionArea([...l].reverse(), [[0, 0], [0, 10], [10, 10], [10, 0]]), 75);
  });

  it('gives union and smaller-area ratios', () => {
    const square: Point[] = [[0, 0], [10, 0], [10, 10], [0, 10]];
    assert.equal(polygonOverlapRatio(l, square, 'union'), 0.75);
    assert.equal(polygonOverlapRatio(l, square, 'small'), 1);
    assert.equal(polygonOverlapRatio([[0, 0], [1, 1]], square, 'small'), 0);
  });
});
