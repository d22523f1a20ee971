/** Region outlines as the formats want them: integer pixels inside the page, at least 3 points. */
import type { Region } from '../model/index.js';

type Point = readonly [number, number];

function clamp(value: number, max: number): number {
  return Math.min(Math.max(Math.round(value), 0), Math.max(max, 0));
}

/** The region's polygon (masks) or its box as a rectangle, clamped to the page, integers. */
export function outline(region: Region, width: number, height: number): Point[] {
  const [x1, y1, x2, y2] = region.bbox;
  const source: ReadonlyArray<readonly [number, number]> = region.polygon && region.polygon.length >= 3
    ? region.polygon
    : [[x1, y1], [x2, y1], [x2, y2], [x1, y2]];
  return source.map(([x, y]) => [clamp(x, width), clamp(y, height)] as const);
}

/** The box as x, y, width, height (integers, clamped). */
export function boxXywh(region: Region, width: number, height: number): [number, number, number, number] {
  const x1 = clamp(region.bbox[0], width);
  const y1 = clamp(region.bbox[1], height);
  const x2 = clamp(region.bbox[2], width);
  const y2 = clamp(region.bbox[3], height);
  return [x1, y1, Math.max(x2 - x1, 0), Math.max(y2 - y1, 0)];
}

/** Shoelace area of a closed polygon. */
export function polygonArea(points: readonly Point[]): number {
  let twice = 0;
  for (let i = 0; i < points.length; i++) {
    const [xa, ya] = points[i]!;
    const [xb, yb] = points[(i + 1) % points.length]!;
    twice += xa * yb - xb * ya;
  }
  return Math.abs(twice) / 2;
}
