/**
 * The minimum-area rectangle as PaddleX gets it: `cv2.boxPoints(cv2.minAreaRect(float32 points))`.
 *
 * Why not plain rotating calipers in doubles: mask polygons are integer outlines, and their
 * bounding rectangle often has exactly the same area as a slightly rotated one (a trapezoid whose
 * slanted side spans the box). Which of the tied rectangles OpenCV returns is decided by its
 * float32 arithmetic and the order in which its clockwise convex hull visits the edges (the last
 * of equal areas wins), so parity needs the same steps in the same precision: Sklansky's hull on
 * x-sorted points, the caliper walk starting from the extreme points, and RotatedRect::points.
 * `fround` marks every float32 operation; products and sums OpenCV does in double stay doubles.
 */
import type { Point } from './polygon-geometry.js';

const f = Math.fround;
const sign = (v: number): number => (v > 0 ? 1 : 0) - (v < 0 ? 1 : 0);

/** OpenCV's normalize() of a float vector: a double norm, each component rounded back to float. */
function unit(x: number, y: number): readonly [number, number] {
  const n = Math.sqrt(x * x + y * y);
  const k = n ? 1 / n : 0;
  return [f(x * k), f(y * k)];
}

/**
 * One chain of Sklansky's scan over x-sorted points, from index `start` towards `end`, keeping
 * turns of sign `turnSign` and skipping steps whose dy has sign `skipSign`. Returns the chain.
 */
function sklanskyChain(pts: readonly Point[], start: number, end: number, skipSign: number, turnSign: number): number[] {
  const same = (i: number, j: number): boolean => pts[i]![0] === pts[j]![0] && pts[i]![1] === pts[j]![1];
  if (start === end || same(start, end)) return [start];
  const step = end > start ? 1 : -1;
  let prev = start, cur = start + step, next = cur + step;
  const stack = [prev, cur, next];
  const stop = end + step;
  while (next !== stop) {
    if (same(cur, next)) {
      next += step;
      stack[stack.length - 1] = next;
      continue;
    }
    const by = f(pts[next]![1] - pts[cur]![1]);
    if (sign(by) !== skipSign) {
      const ax = f(pts[cur]![0] - pts[prev]![0]), ay = f(pts[cur]![1] - pts[prev]![1]);
      const [ux, uy] = unit(ax, ay);
      const [vx, vy] = unit(f(pts[next]![0] - pts[cur]![0]), by);
      const convexity = uy * vx - ux * vy;
      if (sign(convexity) === turnSign && (ux !== 0 || uy !== 0)) {
        prev = cur;
        cur = next;
        next += step;
        stack.push(next);
      } else if (prev === start) {
        cur = next;
        stack[1] = cur;
        next += step;
        stack[2] = next;
      } else {
        stack[stack.length - 2] = next;
        cur = prev;
        prev = stack[stack.length - 4]!;
        stack.pop();
      }
    } else {
      next += step;
      stack[stack.length - 1] = next;
    }
  }
  stack.pop();
  return stack;
}

/** cv::convexHull(points, clockwise = true): hull vertices as indices into `pts`, in OpenCV's order. */
function convexHullIndicesCv(pts: readonly Point[]): number[] {
  const total = pts.length;
  if (total === 0) return [];
  const order = pts.map((_, i) => i).sort((a, b) => pts[a]![0] - pts[b]![0] || pts[a]![1] - pts[b]![1] || a - b);
  const sorted = order.map((i) => pts[i]!);
  let minY = 0, maxY = 0;
  for (let i = 1; i < total; i++) {
    if (sorted[minY]![1] > sorted[i]![1]) minY = i;
    if (sorted[maxY]![1] < sorted[i]![1]) maxY = i;
  }
  if (sorted[0]![0] === sorted[total - 1]![0] && sorted[0]![1] === sorted[total - 1]![1]) return [order[0]!];

  const out: number[] = [];
  // Upper half (towards max y); clockwise keeps the left chain first.
  const tl = sklanskyChain(sorted, 0, maxY, -1, 1);
  const tr = sklanskyChain(sorted, total - 1, maxY, -1, -1);
  for (let i = 0; i < tl.length - 1; i++) out.push(order[tl[i]!]!);
  for (let i = tr.length - 1; i > 0; i--) out.push(order[tr[i]!]!);
  const stopIdx = tr.length > 2 ? tr[1]! : tl.length > 2 ? tl[tl.length - 2]! : -1;
  // Lower half (towards min y); clockwise swaps the chains.
  let bl = sklanskyChain(sorted, total - 1, minY, 1, 1);
  let br = sklanskyChain(sorted, 0, minY, 1, -1);
  if (stopIdx >= 0) {
    const checkIdx = bl.length > 2 ? bl[1]! : bl.length + br.length > 2 ? br[2 - bl.length]! : -1;
    const samePoint = checkIdx >= 0 && sorted[checkIdx]![0] === sorted[stopIdx]![0] && sorted[checkIdx]![1] === sorted[stopIdx]![1];
    // All points on one line: the lower half mirrors the upper one.
    if (checkIdx === stopIdx || samePoint) {
      bl = bl.slice(0, 2);
      br = br.slice(0, 2);
    }
  }
  for (let i = 0; i < bl.length - 1; i++) out.push(order[bl[i]!]!);
  for (let i = br.length - 1; i > 0; i--) out.push(order[br[i]!]!);
  return rotateToMonotone(out);
}

/** OpenCV's last step: cyclically shift the hull so its input indices ascend or descend, when they can. */
function rotateToMonotone(hull: number[]): number[] {
  const n = hull.length;
  if (n < 3) return hull;
  let minAt = 0, maxAt = 0, rises = 0;
  for (let i = 1; i < n; i++) {
    const idx = hull[i]!;
    rises += hull[i - 1]! < idx ? 1 : 0;
    if (rises > 1 && rises <= i - 2) break;
    if (idx < hull[minAt]!) minAt = i;
    if (idx > hull[maxAt]!) maxAt = i;
  }
  const dist = Math.abs(maxAt - minAt);
  if (!((dist === 1 || dist === n - 1) && (rises <= 1 || rises >= n - 2))) return hull;
  const ascending = (maxAt + 1) % n === minAt;
  const first = ascending ? minAt : maxAt;
  if (first === 0) return hull;
  const shifted: number[] = [];
  let j = first;
  for (let i = 0; i < n; i++) {
    const next = j + 1 < n ? j + 1 : 0;
    shifted.push(hull[j]!);
    if (i < n - 1 && ascending !== hull[j]! < hull[next]!) return hull;
    j = next;
  }
  return shifted;
}

interface RotatedRect {
  readonly cx: number;
  readonly cy: number;
  readonly width: number;
  readonly height: number;
  /** Degrees. */
  readonly angle: number;
}

/** OpenCV's rotatingCalipers(CALIPERS_MINAREARECT) over a convex hull, float32 throughout. */
function caliperRect(p: readonly Point[]): RotatedRect {
  const n = p.length;
  const vx: number[] = [], vy: number[] = [], inv: number[] = [];
  let left = 0, right = 0, top = 0, bottom = 0;
  let leftX = p[0]![0], rightX = p[0]![0], topY = p[0]![1], bottomY = p[0]![1];
  for (let i = 0; i < n; i++) {
    const [x0, y0] = p[i]!;
    if (x0 < leftX) { leftX = x0; left = i; }
    if (x0 > rightX) { rightX = x0; right = i; }
    if (y0 > topY) { topY = y0; top = i; }
    if (y0 < bottomY) { bottomY = y0; bottom = i; }
    const [x1, y1] = p[(i + 1) % n]!;
    const dx = x1 - x0, dy = y1 - y0;
    vx.push(f(dx));
    vy.push(f(dy));
    inv.push(f(1 / Math.sqrt(dx * dx + dy * dy)));
  }
  let orientation = 0;
  for (let i = 0, ax = vx[n - 1]!, ay = vy[n - 1]!; i < n; i++) {
    const convexity = ax * vy[i]! - ay * vx[i]!;
    if (convexity !== 0) { orientation = convexity > 0 ? 1 : -1; break; }
    ax = vx[i]!;
    ay = vy[i]!;
  }
  let a = orientation, b = 0;
  const seq = [bottom, right, top, left];
  let minArea = 3.4028234663852886e38;
  let best = { leftmost: 0, a: 0, b: 0, width: 0, height: 0, bottom: 0 };
  for (let k = 0; k < n; k++) {
    const dp = [
      f(f(a * vx[seq[0]!]!) + f(b * vy[seq[0]!]!)),
      f(f(-b * vx[seq[1]!]!) + f(a * vy[seq[1]!]!)),
      f(f(-a * vx[seq[2]!]!) - f(b * vy[seq[2]!]!)),
      f(f(b * vx[seq[3]!]!) - f(a * vy[seq[3]!]!)),
    ];
    let main = 0;
    let maxCos = f(dp[0]! * inv[seq[0]!]!);
    for (let i = 1; i < 4; i++) {
      const cos = f(dp[i]! * inv[seq[i]!]!);
      if (cos > maxCos) { main = i; maxCos = cos; }
    }
    const lead = seq[main]!;
    const lx = f(vx[lead]! * inv[lead]!), ly = f(vy[lead]! * inv[lead]!);
    if (main === 0) { a = lx; b = ly; }
    else if (main === 1) { a = ly; b = -lx; }
    else if (main === 2) { a = -lx; b = -ly; }
    else { a = -ly; b = lx; }
    seq[main] = seq[main]! + 1 === n ? 0 : seq[main]! + 1;

    let dx = f(p[seq[1]!]![0] - p[seq[3]!]![0]);
    let dy = f(p[seq[1]!]![1] - p[seq[3]!]![1]);
    const width = f(f(dx * a) + f(dy * b));
    dx = f(p[seq[2]!]![0] - p[seq[0]!]![0]);
    dy = f(p[seq[2]!]![1] - p[seq[0]!]![1]);
    const height = f(f(-dx * b) + f(dy * a));
    const area = f(width * height);
    if (area <= minArea) {
      minArea = area;
      best = { leftmost: seq[3]!, a, b, width, height, bottom: seq[0]! };
    }
  }
  const A1 = best.a, B1 = best.b, A2 = -best.b, B2 = best.a;
  const C1 = f(f(A1 * p[best.leftmost]![0]) + f(p[best.leftmost]![1] * B1));
  const C2 = f(f(A2 * p[best.bottom]![0]) + f(p[best.bottom]![1] * B2));
  const idet = f(1 / f(f(A1 * B2) - f(A2 * B1)));
  const px = f(f(f(C1 * B2) - f(C2 * B1)) * idet);
  const py = f(f(f(A1 * C2) - f(A2 * C1)) * idet);
  const v1x = f(A1 * best.width), v1y = f(B1 * best.width);
  const v2x = f(A2 * best.height), v2y = f(B2 * best.height);
  return {
    cx: f(px + f(f(v1x + v2x) * 0.5)),
    cy: f(py + f(f(v1y + v2y) * 0.5)),
    width: f(Math.sqrt(v1x * v1x + v1y * v1y)),
    height: f(Math.sqrt(v2x * v2x + v2y * v2y)),
    angle: f((f(Math.atan2(v1y, v1x)) * 180) / Math.PI),
  };
}

/** cv::minAreaRect on float32 points. */
function minAreaRectCv(points: readonly Point[]): RotatedRect {
  const pts: Point[] = points.map(([x, y]) => [f(x), f(y)]);
  const hull = convexHullIndicesCv(pts).map((i) => pts[i]!);
  if (hull.length > 2) return caliperRect(hull);
  if (hull.length === 2) {
    const [[x0, y0], [x1, y1]] = hull as [Point, Point];
    const dx = x1 - x0, dy = y1 - y0;
    return { cx: f(f(x0 + x1) * 0.5), cy: f(f(y0 + y1) * 0.5), width: f(Math.sqrt(dx * dx + dy * dy)), height: 0, angle: f((f(Math.atan2(dy, dx)) * 180) / Math.PI) };
  }
  const only = hull[0] ?? [0, 0];
  return { cx: only[0], cy: only[1], width: 0, height: 0, angle: 0 };
}

/** cv::boxPoints(cv::minAreaRect(points)): the four corners, float32 values, in OpenCV's order. */
export function minAreaRectBoxPoints(points: readonly Point[]): Point[] {
  const r = minAreaRectCv(points);
  const rad = (r.angle * Math.PI) / 180;
  const b = f(f(Math.cos(rad)) * 0.5);
  const a = f(f(Math.sin(rad)) * 0.5);
  const p0: Point = [f(f(r.cx - f(a * r.height)) - f(b * r.width)), f(f(r.cy + f(b * r.height)) - f(a * r.width))];
  const p1: Point = [f(f(r.cx + f(a * r.height)) - f(b * r.width)), f(f(r.cy - f(b * r.height)) - f(a * r.width))];
  return [p0, p1, [f(f(2 * r.cx) - p0[0]), f(f(2 * r.cy) - p0[1])], [f(f(2 * r.cx) - p1[0]), f(f(2 * r.cy) - p1[1])]];
}
