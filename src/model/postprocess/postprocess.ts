/**
 * Raw PP-DocLayout detections → regions, in PaddleX's order of operations
 * (paddlex/inference/models/layout_analysis/processors.py, LayoutAnalysisProcess):
 *  0 round half-to-even · 1 threshold · 2 layout NMS · 3 large-image filter · 4 merge modes ·
 *  5 sort by order columns · 6 mask polygons · 7 unclip · 8 clamp + truncate · 8b overlap filter ·
 *  9 reading-order numbering.
 * Each step lives in a postprocess-*.ts file and is re-exported here so it can be tested alone.
 */
import { applyThreshold, readDetections, type Detection } from './detections.js';
import { filterLargeImages, layoutNms, mergeBoxes, sortByOrder } from './filters.js';
import { assignReadingOrder, clampBoxes, filterOverlaps, unclip } from './finalize.js';
import { finalizePolygon, rectPolygon, regionPolygon, type Point } from './polygon.js';
import { defaultLayoutParams, type LayoutParams, type ModelInfo, type PageGeometry, type RawOutputs, type Region, type ShapeMode } from '../types.js';

export { applyThreshold, readDetections, DEFAULT_LABEL_THRESHOLD, type Detection } from './detections.js';
export { filterLargeImages, iouPlusOne, isContained, layoutNms, mergeBoxes, sortByOrder } from './filters.js';
export { assignReadingOrder, clampBoxes, filterOverlaps, overlapOverSmaller, SKIP_ORDER_LABELS, unclip, type LayoutBox } from './finalize.js';
export { roundHalfEven } from './numeric.js';

export type PostprocessModelInfo = Pick<ModelInfo, 'labels' | 'variant' | 'hasOrder' | 'hasMasks' | 'rowWidth'>;

/**
 * Step 6 for every detection, in sorted order. PaddleX sizes its vertex spacing with
 * max(x2 − y1) over the boxes (it indexes columns 4 − 3 where a width would be 4 − 2); we keep
 * that to produce the same polygons. Auto mode also looks at the previous region's polygon.
 */
function extractPolygons(dets: readonly Detection[], raw: RawOutputs, masks: Int32Array | Uint8Array, geometry: PageGeometry, shapeMode: ShapeMode): Point[][] {
  const cells = raw.maskWidth * raw.maskHeight;
  let maxBoxWidth = -Infinity;
  for (const d of dets) maxBoxWidth = Math.max(maxBoxWidth, d.x2 - d.y1);
  const polygons: Point[][] = [];
  for (const d of dets) {
    const bbox = [d.x1, d.y1, d.x2, d.y2] as const;
    const start = d.row * cells;
    if (start + cells > masks.length) {
      polygons.push(rectPolygon(Math.trunc(d.x1), Math.trunc(d.y1), Math.trunc(d.x2), Math.trunc(d.y2)));
      continue;
    }
    const mask = masks.subarray(start, start + cells);
    const previous = polygons[polygons.length - 1];
    polygons.push(regionPolygon(mask, raw.maskWidth, raw.maskHeight, bbox, geometry, shapeMode, previous ? { maxBoxWidth, previous } : { maxBoxWidth }));
  }
  return polygons;
}

/**
 * Regions of image `imageIndex` of a batch, in reading order (sorted by the model's order
 * columns where it has them). Regions carry `polygon` only when the model has masks; in `rect`
 * shape mode that polygon is the final box's corners.
 */
export function postprocess(
  raw: RawOutputs,
  imageIndex: number,
  geometry: PageGeometry,
  info: PostprocessModelInfo,
  params?: Partial<LayoutParams>,
): Region[] {
  const p: LayoutParams = { ...defaultLayoutParams, ...params };
  const labels = info.labels;
  let dets = readDetections(raw, imageIndex, geometry);
  dets = applyThreshold(dets, p.threshold, labels);
  if (p.layoutNms) dets = layoutNms(dets, p.nmsSameClassIou, p.nmsCrossClassIou);
  dets = filterLargeImages(dets, geometry.width, geometry.height, labels);
  dets = mergeBoxes(dets, p.mergeMode, labels);
  if (dets.length === 0) return [];
  dets = sortByOrder(dets);

  const masks = info.hasMasks ? raw.masks : undefined;
  // Without masks PaddleX switches to rect; in rect mode it extracts no polygons at all.
  const shapeMode: ShapeMode = masks ? p.shapeMode : 'rect';
  const polygons = masks && shapeMode !== 'rect' ? extractPolygons(dets, raw, masks, geometry, shapeMode) : undefined;

  dets = unclip(dets, p.unclipRatio, labels);
  let boxes = clampBoxes(dets, labels, geometry.width, geometry.height, polygons);
  if (p.filterOverlap) boxes = filterOverlaps(boxes, shapeMode);
  const orders = assignReadingOrder(boxes);

  return boxes.map((b, i): Region => {
    const region: Region = { label: b.label, labelId: b.classId, score: b.score, bbox: b.bbox, order: orders[i]! };
    if (!masks) return region;
    const [x1, y1, x2, y2] = b.bbox;
    const finalized = b.polygon ? finalizePolygon(b.polygon, geometry.width, geometry.height) : [];
    // A polygon squeezed to a line by clamping says nothing the box does not.
    const polygon = finalized.length >= 3 ? finalized : rectPolygon(x1, y1, x2, y2);
    return { ...region, polygon: polygon as Array<[number, number]> };
  });
}
