/**
 * PaddleX steps 2–5 on rounded detections: layout NMS, the large-image filter, the merge modes
 * and the sort by the model's order columns. Box arithmetic follows numpy on float32 rows (see
 * numeric.ts).
 */
import type { Detection } from './detections.js';
import { f32 } from './numeric.js';
import type { LayoutParams, MergeMode } from '../types.js';

/**
 * IoU with the +1 pixel convention of PaddleX's nms (inclusive pixel coordinates). PaddleX's iou()
 * works on numpy float32 scalars plus Python ints and floats, which NumPy 1.x (the version of our
 * parity references) promotes to float64; the rounded coordinates make every step but the
 * division exact, so plain doubles reproduce it.
 */
export function iouPlusOne(a: Detection, b: Detection): number {
  const iw = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1) + 1);
  const ih = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1) + 1);
  const inter = iw * ih;
  const areaA = (a.x2 - a.x1 + 1) * (a.y2 - a.y1 + 1);
  const areaB = (b.x2 - b.x1 + 1) * (b.y2 - b.y1 + 1);
  return inter / (areaA + areaB - inter);
}

/**
 * Step 2: greedy NMS by descending score. A box is suppressed by a kept one when their IoU is
 * ≥ `sameClassIou` (same class) or ≥ `crossClassIou` (different classes). Equal scores go
 * later-row first, as numpy's argsort(scores)[::-1] gives. Returns kept boxes in score order.
 */
export function layoutNms(dets: readonly Detection[], sameClassIou: number, crossClassIou: number): Detection[] {
  const same = sameClassIou;
  const cross = crossClassIou;
  let pending = dets.map((_, i) => i).sort((i, j) => dets[j]!.score - dets[i]!.score || j - i);
  const kept: Detection[] = [];
  while (pending.length > 0) {
    const current = dets[pending[0]!]!;
    kept.push(current);
    pending = pending.slice(1).filter((i) => {
      const other = dets[i]!;
      return iouPlusOne(current, other) < (current.classId === other.classId ? same : cross);
    });
  }
  return kept;
}

/**
 * Step 3: drop `image` boxes covering more than 82 % of a landscape page (width > height) or
 * 93 % of any other page — only when there is more than one box, and not if that would leave none.
 */
export function filterLargeImages(dets: readonly Detection[], pageWidth: number, pageHeight: number, labels: readonly string[]): Detection[] {
  const imageId = labels.indexOf('image');
  if (dets.length <= 1 || imageId < 0) return dets.slice();
  const limit = f32((pageWidth > pageHeight ? 0.82 : 0.93) * (pageWidth * pageHeight));
  const kept = dets.filter((d) => {
    if (d.classId !== imageId) return true;
    const w = f32(Math.min(pageWidth, d.x2) - Math.max(0, d.x1));
    const h = f32(Math.min(pageHeight, d.y2) - Math.max(0, d.y1));
    return f32(w * h) <= limit;
  });
  return kept.length > 0 ? kept : dets.slice();
}

/**
 * PaddleX's is_contained: at least 90 % of `inner`'s area lies inside `outer`. The areas and
 * their ratio are float32 (numpy float32 scalars), but the `>= 0.9` against a Python float is a
 * float64 comparison under NumPy 1.x: a ratio of exactly 0.9 in float32 (0.89999998) is *not*
 * contained. Parity case 245 hinges on this (a header at 27225 / 30250 stays, and so changes the
 * previous polygon the next box's auto shape looks at).
 */
export function isContained(inner: Detection, outer: Detection): boolean {
  const area = f32(f32(inner.x2 - inner.x1) * f32(inner.y2 - inner.y1));
  const iw = Math.max(0, f32(Math.min(inner.x2, outer.x2) - Math.max(inner.x1, outer.x1)));
  const ih = Math.max(0, f32(Math.min(inner.y2, outer.y2) - Math.max(inner.y1, outer.y1)));
  const ratio = area > 0 ? f32(f32(iw * ih) / area) : 0;
  return ratio >= 0.9;
}

interface Containment {
  /** containsOther[j]: some box counted as inside box j. */
  readonly containsOther: Uint8Array;
  /** containedBy[i]: box i counted as inside some box. */
  readonly containedBy: Uint8Array;
}

/**
 * PaddleX's check_containment. With a category: `large` counts only containers of that class,
 * `small` only contained boxes of that class. A box of class `formula` is never counted as
 * inside a non-formula box (V2/V3 have no `formula` label, so this never applies to them).
 */
function checkContainment(dets: readonly Detection[], formulaId: number, categoryId?: number, mode?: 'large' | 'small'): Containment {
  const n = dets.length;
  const containsOther = new Uint8Array(n);
  const containedBy = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      if (formulaId >= 0 && dets[i]!.classId === formulaId && dets[j]!.classId !== formulaId) continue;
      if (categoryId !== undefined && mode === 'large' && dets[j]!.classId !== categoryId) continue;
      if (categoryId !== undefined && mode === 'small' && dets[i]!.classId !== categoryId) continue;
      if (isContained(dets[i]!, dets[j]!)) {
        containedBy[i] = 1;
        containsOther[j] = 1;
      }
    }
  }
  return { containsOther, containedBy };
}

/**
 * Step 4: `union` keeps everything; `large` drops boxes contained in another; `small` drops boxes
 * that contain another unless they are themselves contained. A per-label map applies each label's
 * mode to that label's boxes as containers (`large`) or as contained boxes (`small`).
 */
export function mergeBoxes(dets: readonly Detection[], mode: LayoutParams['mergeMode'], labels: readonly string[]): Detection[] {
  const formulaId = labels.indexOf('formula');
  const keep = new Uint8Array(dets.length).fill(1);
  const apply = (m: MergeMode, categoryId?: number): void => {
    if (m === 'union') return;
    const { containsOther, containedBy } = checkContainment(dets, formulaId, categoryId, m);
    for (let i = 0; i < dets.length; i++) {
      const ok = m === 'large' ? containedBy[i] === 0 : containsOther[i] === 0 || containedBy[i] === 1;
      if (!ok) keep[i] = 0;
    }
  };
  if (typeof mode === 'string') apply(mode);
  else {
    for (const [label, m] of Object.entries(mode)) {
      const id = labels.indexOf(label);
      if (id >= 0) apply(m, id);
    }
  }
  return dets.filter((_, i) => keep[i] === 1);
}

/**
 * Step 5: V3 (one order column): ascending rank. V2 (two): first column ascending, then second
 * descending (np.lexsort). Both stable, so equal keys keep the NMS order. Models without order
 * columns keep PaddleX's order as it stands: descending score after NMS.
 */
export function sortByOrder(dets: readonly Detection[]): Detection[] {
  const out = dets.slice();
  const columns = out.length > 0 ? out[0]!.order.length : 0;
  if (columns === 1) out.sort((a, b) => a.order[0]! - b.order[0]!);
  else if (columns >= 2) out.sort((a, b) => a.order[0]! - b.order[0]! || b.order[1]! - a.order[1]!);
  return out;
}
