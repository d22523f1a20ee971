/**
 * PaddleX's sharp-corner clean-up of a simplified mask contour (extract_custom_vertices): drop
 * isolated concave vertices (mask noise), keep runs of concave vertices with wide angles (real
 * notches), put back skipped vertices where the kept ones are far apart, and pull 45° spikes in.
 * Convexity is judged for OpenCV's contour orientation, where a convex turn has a negative cross
 * product in image coordinates.
 */
import type { Point } from './polygon-geometry.js';

interface VertexInfo {
  readonly convex: boolean;
  /** Angle between the edges to the previous and next vertex, degrees; NaN for repeated points. */
  readonly angle: number;
  readonly v1: Point;
  readonly v2: Point;
}

function norm(v: Point): number {
  return Math.hypot(v[0], v[1]);
}

function vertexInfo(poly: readonly Point[], i: number): VertexInfo {
  const n = poly.length;
  const prev = poly[(i - 1 + n) % n]!;
  const curr = poly[i]!;
  const next = poly[(i + 1) % n]!;
  const v1: Point = [prev[0] - curr[0], prev[1] - curr[1]];
  const v2: Point = [next[0] - curr[0], next[1] - curr[1]];
  const turn = (curr[0] - prev[0]) * (next[1] - curr[1]) - (curr[1] - prev[1]) * (next[0] - curr[0]);
  const n1 = norm(v1), n2 = norm(v2);
  const dot = (v1[0] / n1) * (v2[0] / n2) + (v1[1] / n1) * (v2[1] / n2);
  // NaN propagates like numpy's clip/arccos do for zero-length edges.
  const clipped = Number.isNaN(dot) ? NaN : Math.min(1, Math.max(-1, dot));
  return { convex: turn < 0, angle: (Math.acos(clipped) * 180) / Math.PI, v1, v2 };
}

/** Concave vertices worth keeping: those in runs of two or more consecutive concave vertices. */
function preservedConcave(info: readonly VertexInfo[]): Set<number> {
  const n = info.length;
  const concave: number[] = [];
  info.forEach((v, i) => { if (!v.convex) concave.push(i); });
  const preserve = new Set<number>();
  if (concave.length === 0) return preserve;
  const groups: number[] = [];
  let current = [concave[0]!];
  for (let k = 1; k < concave.length; k++) {
    // The wrap-around test mirrors PaddleX; in an ascending list it never fires.
    if (concave[k]! - concave[k - 1]! === 1 || (concave[k - 1] === n - 1 && concave[k] === 0)) {
      current.push(concave[k]!);
    } else {
      if (current.length >= 2) groups.push(...current);
      current = [concave[k]!];
    }
  }
  if (current.length >= 2) groups.push(...current);
  if (concave.length >= 2 && concave[0] === 0 && concave[concave.length - 1] === n - 1) {
    if (groups.includes(0) && groups.includes(n - 1)) groups.forEach((g) => preserve.add(g));
  } else {
    groups.forEach((g) => preserve.add(g));
  }
  return preserve;
}

export function extractCustomVertices(
  polygon: readonly Point[],
  maxAllowedDist: number,
  sharpAngleDeg = 45,
  maxDistRatio = 0.3,
): Point[] {
  const n = polygon.length;
  const maxDist = maxAllowedDist * maxDistRatio;
  const info = polygon.map((_, i) => vertexInfo(polygon, i));
  const preserve = preservedConcave(info);
  const kept: number[] = [];
  info.forEach((v, i) => { if (v.convex || (preserve.has(i) && v.angle >= 120)) kept.push(i); });

  const chosen = new Set<number>();
  for (let k = 0; k < kept.length; k++) {
    const cur = kept[k]!;
    const next = kept[(k + 1) % kept.length]!;
    chosen.add(cur);
    const dist = Math.hypot(polygon[cur]![0] - polygon[next]![0], polygon[cur]![1] - polygon[next]![1]);
    if (!(dist > maxDist)) continue;
    // Vertices skipped between two far-apart kept ones: put back up to ceil(dist / max) − 1 of them.
    const between: number[] = [];
    if (next > cur) for (let i = cur + 1; i < next; i++) between.push(i);
    else { for (let i = cur + 1; i < n; i++) between.push(i); for (let i = 0; i < next; i++) between.push(i); }
    if (between.length === 0) continue;
    const needed = Math.ceil(dist / maxDist) - 1;
    if (between.length <= needed) between.forEach((i) => chosen.add(i));
    else {
      const step = between.length / needed;
      for (let i = 0; i < needed; i++) chosen.add(between[Math.trunc(i * step)]!);
    }
  }

  const result: Point[] = [];
  for (const i of [...chosen].sort((a, b) => a - b)) {
    const v = info[i]!;
    const p = polygon[i]!;
    if (v.convex && Math.abs(v.angle - sharpAngleDeg) < 1) {
      // A 45° spike: move it along the bisector by the mean length of its two edges.
      const n1 = norm(v.v1), n2 = norm(v.v2);
      let dx = v.v1[0] / n1 + v.v2[0] / n2;
      let dy = v.v1[1] / n1 + v.v2[1] / n2;
      const len = Math.hypot(dx, dy);
      dx /= len;
      dy /= len;
      const d = (n1 + n2) / 2;
      result.push([p[0] + dx * d, p[1] + dy * d]);
    } else {
      result.push(p);
    }
  }
  return result;
}
