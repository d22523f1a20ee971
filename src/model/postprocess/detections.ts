/**
 * Reading one image's detection rows out of a batch and PaddleX steps 0–1: round the coordinates
 * half-to-even and keep rows above the score threshold.
 */
import { InferenceError } from '../../errors.js';
import { f32, roundHalfEven } from './numeric.js';
import type { LayoutParams, PageGeometry, RawOutputs } from '../types.js';

/** One detection row while postprocessing: xyxy in original pixels. */
export interface Detection {
  readonly classId: number;
  readonly score: number;
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
  /** The order columns after the box (V3: [rank]; V2: [key, tie-break]; none for 6-column rows). */
  readonly order: readonly number[];
  /** Row index in the whole batch: the mask of this detection is row `row` of `raw.masks`. */
  readonly row: number;
}

/** PaddleX's default for labels missing from a per-label threshold map. */
export const DEFAULT_LABEL_THRESHOLD = 0.5;

/**
 * Image `imageIndex`'s rows with coordinates in original pixels, rounded half-to-even (step 0).
 * Boxes in model-input pixels are divided by the scale first, in float32 as the official graph does.
 */
export function readDetections(raw: RawOutputs, imageIndex: number, geometry: PageGeometry): Detection[] {
  if (!Number.isInteger(imageIndex) || imageIndex < 0 || imageIndex >= raw.rowsPerImage.length) {
    throw InferenceError('postprocess', `image index ${imageIndex} is outside a batch of ${raw.rowsPerImage.length}`);
  }
  const width = raw.rowWidth;
  if (width < 6) throw InferenceError('postprocess', `detection rows have ${width} columns, expected at least 6`);
  let first = 0;
  for (let i = 0; i < imageIndex; i++) first += raw.rowsPerImage[i]!;
  const count = raw.rowsPerImage[imageIndex]!;
  if ((first + count) * width > raw.detections.length) {
    throw InferenceError('postprocess', `rows ${first}..${first + count} are beyond the ${raw.detections.length / width} detection rows`);
  }
  const scaleX = f32(geometry.scaleX);
  const scaleY = f32(geometry.scaleY);
  const mapX = raw.boxesInOriginalPixels ? (v: number) => v : (v: number) => f32(v / scaleX);
  const mapY = raw.boxesInOriginalPixels ? (v: number) => v : (v: number) => f32(v / scaleY);
  const out: Detection[] = [];
  for (let r = first; r < first + count; r++) {
    const o = r * width;
    const d = raw.detections;
    const order: number[] = [];
    for (let c = 6; c < width; c++) order.push(d[o + c]!);
    out.push({
      classId: d[o]!,
      score: d[o + 1]!,
      x1: roundHalfEven(mapX(d[o + 2]!)),
      y1: roundHalfEven(mapY(d[o + 3]!)),
      x2: roundHalfEven(mapX(d[o + 4]!)),
      y2: roundHalfEven(mapY(d[o + 5]!)),
      order,
      row: r,
    });
  }
  return out;
}

/**
 * Step 1: keep rows with score > threshold and class id > −1. A per-label map (labels missing
 * from it use 0.5) regroups the rows by ascending class id, as PaddleX's np.unique loop does —
 * which decides the order of equal-score rows later on.
 */
export function applyThreshold(dets: readonly Detection[], threshold: LayoutParams['threshold'], labels: readonly string[]): Detection[] {
  if (typeof threshold === 'number') {
    const t = f32(threshold);
    return dets.filter((d) => d.score > t && d.classId > -1);
  }
  const classIds = [...new Set(dets.map((d) => d.classId))].sort((a, b) => a - b);
  const out: Detection[] = [];
  for (const id of classIds) {
    const label = labels[id];
    const t = f32(label !== undefined && Object.hasOwn(threshold, label) ? threshold[label]! : DEFAULT_LABEL_THRESHOLD);
    for (const d of dets) if (d.classId === id && d.score > t && d.classId > -1) out.push(d);
  }
  return out;
}
