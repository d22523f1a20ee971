/**
 * PaddleX steps 7–9: unclip, clamp + truncate to the page, the overlap filter and reading-order
 * numbering.
 */
import { NON_FLOW_LABELS } from '../labels.js';
import type { Detection } from './detections.js';
import { f32 } from './numeric.js';
import { polygonOverlapRatio, type Point } from './polygon-geometry.js';
import type { ShapeMode, UnclipRatio } from '../types.js';

/** Labels outside the text flow (PaddleX's SKIP_ORDER_LABELS), which get `order: null`. */
export const SKIP_ORDER_LABELS: ReadonlySet<string> = NON_FLOW_LABELS;

/** A box after clamping: integer xyxy inside the page. */
export interface LayoutBox {
  readonly classId: number;
  readonly label: string;
  readonly score: number;
  readonly bbox: readonly [number, number, number, number];
  /** PaddleX's unrounded polygon, when the model has masks and the shape mode is not rect. */
  readonly polygon?: readonly Point[];
}

function labelOf(labels: readonly string[], classId: number): string {
  return labels[classId] ?? `class_${classId}`;
}

function ratioPair(r: number | readonly [number, number]): readonly [number, number] {
  return typeof r === 'number' ? [r, r] : r;
}

/**
 * Step 7: scale each box about its centre by (width ratio, height ratio). A number applies to
 * both sides, a pair is (w, h), a map gives a label's number or pair (other labels unchanged).
 * As in PaddleX a falsy ratio (0, empty map) skips the step. Float32 arithmetic, as numpy does
 * on the float32 rows.
 */
export function unclip(dets: readonly Detection[], ratio: UnclipRatio, labels: readonly string[]): Detection[] {
  if (ratio === 0 || (typeof ratio === 'object' && !Array.isArray(ratio) && Object.keys(ratio).length === 0)) return dets.slice();
  const forDet = (d: Detection): readonly [number, number] | undefined => {
    if (typeof ratio === 'number' || Array.isArray(ratio)) return ratioPair(ratio as number | readonly [number, number]);
    const map = ratio as Readonly<Record<string, number | readonly [number, number]>>;
    const label = labels[d.classId];
    return label !== undefined && Object.hasOwn(map, label) ? ratioPair(map[label]!) : undefined;
  };
  return dets.map((d) => {
    const r = forDet(d);
    if (!r) return d;
    const w = f32(d.x2 - d.x1);
    const h = f32(d.y2 - d.y1);
    const halfW = f32(f32(w * f32(r[0])) / 2);
    const halfH = f32(f32(h * f32(r[1])) / 2);
    const cx = f32(d.x1 + f32(w / 2));
    const cy = f32(d.y1 + f32(h / 2));
    return { ...d, x1: f32(cx - halfW), y1: f32(cy - halfH), x2: f32(cx + halfW), y2: f32(cy + halfH) };
  });
}

/**
 * Step 8: clamp to the page, truncate to integers (Python's int()), drop boxes left empty.
 * `polygons[i]` belongs to `dets[i]`.
 */
export function clampBoxes(
  dets: readonly Detection[],
  labels: readonly string[],
  pageWidth: number,
  pageHeight: number,
  polygons?: ReadonlyArray<readonly Point[]>,
): LayoutBox[] {
  const out: LayoutBox[] = [];
  dets.forEach((d, i) => {
    const x1 = Math.trunc(Math.max(0, d.x1));
    const y1 = Math.trunc(Math.max(0, d.y1));
    const x2 = Math.trunc(Math.min(pageWidth, d.x2));
    const y2 = Math.trunc(Math.min(pageHeight, d.y2));
    if (x2 <= x1 || y2 <= y1) return;
    const box: LayoutBox = { classId: d.classId, label: labelOf(labels, d.classId), score: d.score, bbox: [x1, y1, x2, y2] };
    const polygon = polygons?.[i];
    out.push(polygon ? { ...box, polygon } : box);
  });
  return out;
}

function boxArea(b: readonly number[]): number {
  return Math.abs((b[2]! - b[0]!) * (b[3]! - b[1]!));
}

/** Intersection over the smaller box's area (0 when a box is empty). */
export function overlapOverSmaller(a: readonly number[], b: readonly number[]): number {
  const iw = Math.max(0, Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!));
  const ih = Math.max(0, Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!));
  const ref = Math.min(boxArea(a), boxArea(b));
  return ref === 0 ? 0 : (iw * ih) / ref;
}

const VISUAL_LABELS: ReadonlySet<string> = new Set(['image', 'table', 'seal', 'chart']);

/**
 * Step 8b, PaddleX's filter_boxes: removes `reference` boxes and boxes under 6 px wide or high;
 * an `inline_formula` overlapping another box by > 0.5 (of the smaller area) goes; of any other
 * pair overlapping by > 0.7 the smaller box goes — unless their polygons overlap by < 0.7, or the
 * pair is two different labels involving image/seal/chart, or table with another visual label.
 * (Table against text-like labels is filtered; MODEL.md's "image vs non-image" is this rule.)
 */
export function filterOverlaps(boxes: readonly LayoutBox[], shapeMode: ShapeMode): LayoutBox[] {
  const list = boxes.filter((b) => b.label !== 'reference');
  const dropped = new Uint8Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const a = list[i]!;
    if (a.bbox[2] - a.bbox[0] < 6 || a.bbox[3] - a.bbox[1] < 6) dropped[i] = 1;
    for (let j = i + 1; j < list.length; j++) {
      if (dropped[i] || dropped[j]) continue;
      const b = list[j]!;
      const ratio = overlapOverSmaller(a.bbox, b.bbox);
      if (a.label === 'inline_formula' || b.label === 'inline_formula') {
        if (ratio > 0.5) {
          if (a.label === 'inline_formula') dropped[i] = 1;
          if (b.label === 'inline_formula') dropped[j] = 1;
          continue;
        }
      }
      if (!(ratio > 0.7)) continue;
      if (shapeMode !== 'rect' && a.polygon && b.polygon && polygonOverlapRatio(a.polygon, b.polygon, 'small') < 0.7) continue;
      const pair = new Set([a.label, b.label]);
      if (pair.size > 1 && [...pair].some((l) => VISUAL_LABELS.has(l))) {
        if (!pair.has('table') || [...pair].every((l) => VISUAL_LABELS.has(l))) continue;
      }
      if (boxArea(a.bbox) >= boxArea(b.bbox)) dropped[j] = 1;
      else dropped[i] = 1;
    }
  }
  return list.filter((_, i) => dropped[i] === 0);
}

/** Step 9: 1..n in the given order for text-flow labels, null for SKIP_ORDER_LABELS. */
export function assignReadingOrder(boxes: ReadonlyArray<{ readonly label: string }>): Array<number | null> {
  let next = 1;
  return boxes.map((b) => (SKIP_ORDER_LABELS.has(b.label) ? null : next++));
}
