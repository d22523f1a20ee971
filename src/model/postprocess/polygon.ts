/**
 * Region polygons from PP-DocLayoutV3 instance masks, following PaddleX's
 * extract_polygon_points_by_masks: crop the box from the whole-input mask, resize the crop to the
 * box (nearest), take the largest external contour, Douglas–Peucker with ε = 0.004 × perimeter,
 * clean up sharp corners, then pick the shape (rect | poly | quad | auto).
 */
import { closedArcLength, largestOuterContour, ResampledMask } from './polygon-contour.js';
import { approxPolyDpClosed } from './polygon-simplify.js';
import { polygonOverlapRatio, polygonToQuad, type Point } from './polygon-geometry.js';
import { extractCustomVertices } from './polygon-vertices.js';
import { roundHalfEven } from './numeric.js';
import type { PageGeometry, ShapeMode } from '../types.js';

export type { Point } from './polygon-geometry.js';

/** What PaddleX looks at beyond the box itself. */
interface PolygonContext {
  /**
   * PaddleX's `max_box_w` over all boxes of the page, which sets how far apart kept vertices may
   * be. PaddleX computes it as max(x2 − y1) (columns 4 − 3, not 4 − 2); callers that want its
   * output pass that value. Defaults to this box's width.
   */
  readonly maxBoxWidth?: number;
  /** The previous region's polygon in reading order: auto mode avoids a quad that would overlap it. */
  readonly previous?: readonly Point[];
}

/** PaddleX's epsilon_ratio for approxPolyDP. */
const EPSILON_RATIO = 0.004;

/** The four corners of an xyxy box, clockwise from top-left. */
export function rectPolygon(x1: number, y1: number, x2: number, y2: number): Point[] {
  return [[x1, y1], [x2, y1], [x2, y2], [x1, y2]];
}

/**
 * The polygon PaddleX would produce for one box, in original pixels, unrounded (quads have
 * fractional corners). `bbox` is the rounded, not yet unclipped or clamped, xyxy box.
 */
export function regionPolygon(
  mask: Int32Array | Uint8Array,
  maskWidth: number,
  maskHeight: number,
  bbox: readonly [number, number, number, number],
  geometry: PageGeometry,
  shapeMode: ShapeMode,
  context: PolygonContext = {},
): Point[] {
  const [xMin, yMin, xMax, yMax] = bbox.map(Math.trunc) as [number, number, number, number];
  const rect = rectPolygon(xMin, yMin, xMax, yMax);
  const boxW = xMax - xMin;
  const boxH = yMax - yMin;
  if (boxW <= 0 || boxH <= 0 || shapeMode === 'rect') return rect;

  // Box pixels → mask cells, as PaddleX: (input / original) / (input / mask), e.g. (800 / w) / 4.
  const scaleW = geometry.resizedWidth / geometry.width / (geometry.resizedWidth / maskWidth);
  const scaleH = geometry.resizedHeight / geometry.height / (geometry.resizedHeight / maskHeight);
  const clip = (v: number, hi: number): number => Math.min(Math.max(v, 0), hi);
  const cx0 = clip(roundHalfEven(xMin * scaleW), maskWidth), cx1 = clip(roundHalfEven(xMax * scaleW), maskWidth);
  const cy0 = clip(roundHalfEven(yMin * scaleH), maskHeight), cy1 = clip(roundHalfEven(yMax * scaleH), maskHeight);
  if (cx1 <= cx0 || cy1 <= cy0 || !anyForeground(mask, maskWidth, cx0, cy0, cx1, cy1)) return rect;

  const img = new ResampledMask(mask, maskWidth, cx0, cy0, cx1, cy1, boxW, boxH);
  const contour = largestOuterContour(img);
  if (!contour) return rect;
  const approx = approxPolyDpClosed(contour, EPSILON_RATIO * closedArcLength(contour));
  const points: Point[] = [];
  for (let i = 0; i < approx.length; i += 2) points.push([approx[i]!, approx[i + 1]!]);
  const maxBoxW = context.maxBoxWidth ?? boxW;
  const maxAllowedDist = boxW > maxBoxW * 0.6 ? boxW : maxBoxW;
  const local = extractCustomVertices(points, maxAllowedDist);
  if (local.length < 4) return rect;
  const polygon: Point[] = local.map(([x, y]) => [x + xMin, y + yMin]);

  if (shapeMode === 'poly') return polygon;
  const quad = polygonToQuad(polygon);
  if (shapeMode === 'quad') return quad ?? rect;
  if (!quad) return polygon;
  // auto: a quad that is nearly the box becomes the box; a quad that matches the polygon well
  // wins unless the previous region's polygon reaches into this box.
  const chosen = polygonOverlapRatio(rect, quad, 'union') >= 0.95 ? rect : quad;
  const matchesPolygon = polygonOverlapRatio(polygon, quad, 'union') >= 0.8;
  const previousOverlap = context.previous ? polygonOverlapRatio(context.previous, rect, 'small') : 0;
  return matchesPolygon && previousOverlap < 0.01 ? chosen : polygon;
}

function anyForeground(mask: Int32Array | Uint8Array, stride: number, x0: number, y0: number, x1: number, y1: number): boolean {
  for (let y = y0; y < y1; y++) {
    const row = y * stride;
    for (let x = x0; x < x1; x++) if (mask[row + x] !== 0) return true;
  }
  return false;
}

/**
 * Integer output polygon: rounded half-to-even, clamped to the image like the boxes are, with
 * points that became repeated by clamping removed.
 */
export function finalizePolygon(polygon: readonly Point[], width: number, height: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [x, y] of polygon) {
    const px = Math.min(Math.max(roundHalfEven(x), 0), width);
    const py = Math.min(Math.max(roundHalfEven(y), 0), height);
    const last = out[out.length - 1];
    if (last && last[0] === px && last[1] === py) continue;
    out.push([px, py]);
  }
  if (out.length > 1 && out[0]![0] === out[out.length - 1]![0] && out[0]![1] === out[out.length - 1]![1]) out.pop();
  return out;
}

/**
 * One region's polygon from its mask row, as integer original-image pixels clamped to the page.
 * `mask` is one row (maskHeight × maskWidth) covering the whole model input; `bbox` is xyxy in
 * original pixels. An empty mask gives the box's rectangle.
 */
export function maskToPolygon(
  mask: Int32Array | Uint8Array,
  maskWidth: number,
  maskHeight: number,
  bbox: readonly [number, number, number, number],
  geometry: PageGeometry,
  shapeMode: ShapeMode,
  context?: PolygonContext,
): Array<[number, number]> {
  return finalizePolygon(regionPolygon(mask, maskWidth, maskHeight, bbox, geometry, shapeMode, context), geometry.width, geometry.height);
}
