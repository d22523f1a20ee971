/**
 * One page's share of a batch's raw outputs, cut down to the rows its threshold can keep, so a
 * pipeline hands a post-processing thread a few hundred kilobytes instead of the whole batch
 * (PP-DocLayoutV3 returns 300 masks of 200 × 200 int32 per page: 48 MB). Rows keep their order
 * and are renumbered from 0, masks follow their rows; postprocess() on the result gives exactly
 * what it gives on the full outputs, since step 1 drops the other rows first thing.
 */
import { DEFAULT_LABEL_THRESHOLD } from './detections.js';
import { f32 } from './numeric.js';
import { defaultLayoutParams, type LayoutParams, type RawOutputs } from '../types.js';

/** The lowest score any label can pass with: the global threshold, or the map's smallest value. */
function lowestThreshold(threshold: LayoutParams['threshold'] = defaultLayoutParams.threshold): number {
  if (typeof threshold === 'number') return threshold;
  // Labels missing from a per-label map use PaddleX's default.
  return Math.min(DEFAULT_LABEL_THRESHOLD, ...Object.values(threshold));
}

export function selectPageOutputs(raw: RawOutputs, imageIndex: number, threshold?: LayoutParams['threshold']): RawOutputs {
  const width = raw.rowWidth;
  let first = 0;
  for (let i = 0; i < imageIndex; i++) first += raw.rowsPerImage[i]!;
  const count = raw.rowsPerImage[imageIndex] ?? 0;
  const min = f32(lowestThreshold(threshold));
  const kept: number[] = [];
  for (let r = first; r < first + count && (r + 1) * width <= raw.detections.length; r++) {
    // The same comparison as applyThreshold (score > threshold, class id > −1).
    if (raw.detections[r * width + 1]! > min && raw.detections[r * width]! > -1) kept.push(r);
  }
  const detections = new Float32Array(kept.length * width);
  kept.forEach((r, k) => detections.set(raw.detections.subarray(r * width, (r + 1) * width), k * width));
  let masks: Int32Array | Uint8Array | undefined;
  if (raw.masks) {
    const cells = raw.maskWidth * raw.maskHeight;
    masks = raw.masks instanceof Int32Array ? new Int32Array(kept.length * cells) : new Uint8Array(kept.length * cells);
    kept.forEach((r, k) => {
      // A row without a mask stays empty (all background): postprocessing draws its box instead.
      if ((r + 1) * cells <= raw.masks!.length) masks!.set(raw.masks!.subarray(r * cells, (r + 1) * cells), k * cells);
    });
  }
  return { ...raw, detections, rowsPerImage: [kept.length], masks };
}
