/**
 * Plane geometry for region polygons: areas, overlap ratios (what PaddleX asks shapely for) and the
 * minimum-area quad (what it asks cv2.minAreaRect + cv2.boxPoints for). Points are `[x, y]`
 * in pixels, y pointing down.
 */

import { minAreaRectBoxPoints } from './min-area-rect.js';

export type Point = readonly [number, number];

/** Absolute shoelace area. Fewer than 3 points have no area. */
function polygonArea(poly: readonly Point[]): number {
  const n = poly.length;
  if (n < 3) return 0;
  let twice = 0;
  for (let i = 0, j = n - 1; i < n; j = i++) twice += poly[j]![0] * poly[i]![1] - poly[i]![0] * poly[j]![1];
  return Math.abs(twice) / 2;
}

function signedTriangleArea(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  return ((bx - ax) * (cy - ay) - (cx - ax) * (by - ay)) / 2;
}

/** Area of the intersection of two triangles given as flat [x0,y0,x1,y1,x2,y2], both positively oriented. */
function triangleIntersectionArea(a: readonly number[], b: readonly number[]): number {
  // Sutherland–Hodgman: clip triangle a by the three half-planes of triangle b.
  let poly: number[] = a.slice();
  for (let e = 0; e < 3 && poly.length >= 6; e++) {
    const ex = b[e * 2]!, ey = b[e * 2 + 1]!;
    const fx = b[((e + 1) % 3) * 2]!, fy = b[((e + 1) % 3) * 2 + 1]!;
    const next: number[] = [];
    const m = poly.length / 2;
    for (let i = 0; i < m; i++) {
      const px = poly[i * 2]!, py = poly[i * 2 + 1]!;
      const qx = poly[((i + 1) % m) * 2]!, qy = poly[((i + 1) % m) * 2 + 1]!;
      const sp = (fx - ex) * (py - ey) - (fy - ey) * (px - ex);
      const sq = (fx - ex) * (qy - ey) - (fy - ey) * (qx - ex);
      if (sp >= 0) next.push(px, py);
      if ((sp >= 0) !== (sq >= 0)) {
        const t = sp / (sp - sq);
        next.push(px + (qx - px) * t, py + (qy - py) * t);
      }
    }
    poly = next;
  }
  const m = poly.length / 2;
  if (m < 3) return 0;
  let twice = 0;
  for (let i = 0, j = m - 1; i < m; j = i++) twice += poly[j * 2]! * poly[i * 2 + 1]! - poly[i * 2]! * poly[j * 2 + 1]!;
  return Math.abs(twice) / 2;
}

/** Fan triangles (p0, pi, pi+1), each positively oriented, with the sign of its original orientation. */
function fan(poly: readonly Point[]): { tris: number[][]; signs: number[] } {
  const tris: number[][] = [];
  const signs: number[] = [];
  const [x0, y0] = poly[0]!;
  for (let i = 1; i + 1 < poly.length; i++) {
    const [x1, y1] = poly[i]!;
    const [x2, y2] = poly[i + 1]!;
    const s = signedTriangleArea(x0, y0, x1, y1, x2, y2);
    if (s === 0) continue;
    tris.push(s > 0 ? [x0, y0, x1, y1, x2, y2] : [x0, y0, x2, y2, x1, y1]);
    signs.push(s > 0 ? 1 : -1);
  }
  return { tris, signs };
}

/**
 * Intersection area of two simple polygons (convex or not). A simple polygon's indicator is the
 * signed sum of its fan triangles' indicators, so the integral of the product of two indicators
 * is the signed sum of pairwise triangle intersections — exact, and only convex clipping needed.
 * (Self-intersecting input counts by winding number, where shapely's buffer(0) repair would
 * differ; contours from a mask are simple.)
 */
export function polygonIntersectionArea(a: readonly Point[], b: readonly Point[]): number {
  if (a.length < 3 || b.length < 3) return 0;
  const fa = fan(a);
  const fb = fan(b);
  let total = 0;
  for (let i = 0; i < fa.tris.length; i++) {
    const ta = fa.tris[i]!;
    const aMinX = Math.min(ta[0]!, ta[2]!, ta[4]!), aMaxX = Math.max(ta[0]!, ta[2]!, ta[4]!);
    const aMinY = Math.min(ta[1]!, ta[3]!, ta[5]!), aMaxY = Math.max(ta[1]!, ta[3]!, ta[5]!);
    for (let j = 0; j < fb.tris.length; j++) {
      const tb = fb.tris[j]!;
      if (Math.max(tb[0]!, tb[2]!, tb[4]!) <= aMinX || Math.min(tb[0]!, tb[2]!, tb[4]!) >= aMaxX) continue;
      if (Math.max(tb[1]!, tb[3]!, tb[5]!) <= aMinY || Math.min(tb[1]!, tb[3]!, tb[5]!) >= aMaxY) continue;
      total += fa.signs[i]! * fb.signs[j]! * triangleIntersectionArea(ta, tb);
    }
  }
  return Math.abs(total);
}

type OverlapMode = 'union' | 'small' | 'large';

/**
 * PaddleX's calculate_polygon_overlap_ratio: intersection over union, over the smaller or over the
 * larger area. Where PaddleX would divide by zero (degenerate polygons) this answers 0.
 */
export function polygonOverlapRatio(a: readonly Point[], b: readonly Point[], mode: OverlapMode): number {
  const areaA = polygonArea(a);
  const areaB = polygonArea(b);
  const inter = polygonIntersectionArea(a, b);
  const ref = mode === 'union' ? areaA + areaB - inter : mode === 'small' ? Math.min(areaA, areaB) : Math.max(areaA, areaB);
  return ref > 0 ? inter / ref : 0;
}

/**
 * PaddleX's convert_polygon_to_quad: OpenCV's minimum-area rectangle (see min-area-rect.ts), its
 * corners sorted by their float32 angle around the float32 centre and rotated so the first
 * corner with the smallest x + y comes first. Undefined for fewer than 3 points, as there.
 */
export function polygonToQuad(polygon: readonly Point[]): Point[] | undefined {
  if (polygon.length < 3) return undefined;
  const quad = minAreaRectBoxPoints(polygon);
  const f = Math.fround;
  // numpy's float32 mean of four values: a running float32 sum, then one division.
  const mean = (k: 0 | 1): number => f(f(f(f(quad[0]![k] + quad[1]![k]) + quad[2]![k]) + quad[3]![k]) / 4);
  const cx = mean(0), cy = mean(1);
  const byAngle = quad
    .map((p, i) => ({ p, i, a: f(Math.atan2(f(p[1] - cy), f(p[0] - cx))) }))
    .sort((m, n) => m.a - n.a || m.i - n.i)
    .map((m) => m.p);
  let first = 0;
  for (let i = 1; i < 4; i++) if (f(byAngle[i]![0] + byAngle[i]![1]) < f(byAngle[first]![0] + byAngle[first]![1])) first = i;
  return [0, 1, 2, 3].map((k) => byAngle[(first + k) % 4]!);
}
