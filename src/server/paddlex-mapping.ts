/**
 * PaddleX basic-serving compatibility: request fields → LayoutParams, results → PaddleX JSON.
 * Field names follow PaddleX's serving schemas (`schemas/object_detection.py`,
 * `schemas/paddleocr_vl.py` for the layout part of `/layout-parsing`, `infra/models.py` for the
 * envelope and `dataInfo`):
 *
 *   PaddleX field            → doclayout            PaddleX field              → doclayout
 *   threshold/layoutThreshold → threshold           layoutMergeBboxesMode      → mergeMode
 *   layoutNms                → layoutNms            layoutShapeMode            → shapeMode
 *   layoutUnclipRatio        → unclipRatio          file + fileType (0 PDF, 1 image) / image → bytes
 *
 * Per-class maps may be keyed by class id (PaddleX) or by label; ids are translated with the
 * loaded model's label list as learned from its results (PP-DocLayoutV3's list until then).
 */
import { DOCLAYOUT_V3_LABELS } from '../model/index.js';
import { parseLayoutParams } from '../model/index.js';
import type { LayoutParams, Region } from '../model/index.js';
import type { EngineResult } from '../engine/index.js';

/** Class id → label, starting from PP-DocLayoutV3's list and corrected by every result seen. */
export class LabelIndex {
  readonly #labels = new Map<number, string>(DOCLAYOUT_V3_LABELS.map((label, id) => [id, label]));

  learn(regions: readonly Region[]): void {
    for (const r of regions) this.#labels.set(r.labelId, r.label);
  }

  label(id: number): string | undefined {
    return this.#labels.get(id);
  }

  /** Labels by class id, as parseLayoutParams takes them. */
  list(): string[] {
    const out: string[] = [];
    for (const [id, label] of this.#labels) out[id] = label;
    return out;
  }
}

interface PaddleXLayoutFields {
  readonly threshold?: unknown;
  readonly layoutNms?: unknown;
  readonly layoutUnclipRatio?: unknown;
  readonly layoutMergeBboxesMode?: unknown;
  readonly layoutShapeMode?: unknown;
}

export function paddlexParams(fields: PaddleXLayoutFields, index: LabelIndex): Partial<LayoutParams> {
  return parseLayoutParams({
    threshold: fields.threshold,
    layoutNms: fields.layoutNms,
    unclipRatio: fields.layoutUnclipRatio,
    mergeMode: fields.layoutMergeBboxesMode,
    shapeMode: fields.layoutShapeMode,
  }, { labels: index.list() });
}

const round2 = (v: number): number => Math.round(v * 100) / 100;

/** `/object-detection` `detectedObjects[]`. */
export function detectedObjects(result: EngineResult): Array<{ bbox: number[]; categoryId: number; categoryName: string; score: number }> {
  return result.regions.map((r) => ({ bbox: [...r.bbox], categoryId: r.labelId, categoryName: r.label, score: r.score }));
}

/** PaddleX's layout box: `coordinate` is xyxy; V3 adds `order` and `polygon_points`. */
function layoutBox(r: Region): Record<string, unknown> {
  return {
    cls_id: r.labelId,
    label: r.label,
    score: r.score,
    coordinate: r.bbox.map(round2),
    order: r.order,
    ...(r.polygon ? { polygon_points: r.polygon.map(([x, y]) => [round2(x), round2(y)]) } : {}),
  };
}

/** `/layout-parsing` `prunedResult` for one page: the layout-detection part of PaddleX's result. */
export function prunedResult(result: EngineResult, pageIndex: number | null, params: Partial<LayoutParams>): Record<string, unknown> {
  return {
    page_index: pageIndex,
    width: result.input.width,
    height: result.input.height,
    model_settings: {
      use_doc_preprocessor: false,
      use_layout_detection: true,
      layout_threshold: params.threshold ?? null,
      layout_nms: params.layoutNms ?? null,
      layout_unclip_ratio: params.unclipRatio ?? null,
      layout_merge_bboxes_mode: params.mergeMode ?? null,
      layout_shape_mode: params.shapeMode ?? 'auto',
    },
    layout_det_res: { page_index: pageIndex, boxes: result.regions.map(layoutBox) },
  };
}

/** `dataInfo` (infra/models.py): ImageInfo or PDFInfo with the analysed pages' sizes. */
export function dataInfo(
  mediaType: string,
  pageCount: number,
  sizes: ReadonlyArray<{ width: number; height: number }>,
): Record<string, unknown> {
  if (mediaType === 'pdf') return { type: 'pdf', numPages: pageCount, pages: sizes.map(({ width, height }) => ({ width, height })) };
  return { type: 'image', width: sizes[0]?.width ?? 0, height: sizes[0]?.height ?? 0 };
}

const thresholdSchema = { anyOf: [{ type: 'number', minimum: 0, maximum: 1 }, { type: 'object', additionalProperties: { type: 'number', minimum: 0, maximum: 1 } }] };
const unclipSchema = {
  anyOf: [
    { type: 'number', exclusiveMinimum: 0 },
    { type: 'array', items: { type: 'number', exclusiveMinimum: 0 }, minItems: 2, maxItems: 2 },
    { type: 'object', additionalProperties: { anyOf: [{ type: 'number' }, { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 }] } },
  ],
};
const mergeSchema = { anyOf: [{ type: 'string', enum: ['union', 'large', 'small'] }, { type: 'object', additionalProperties: { type: 'string', enum: ['union', 'large', 'small'] } }] };

export const objectDetectionBodySchema = {
  type: 'object',
  required: ['image'],
  properties: {
    image: { type: 'string', description: 'base64 image (URLs are not fetched)' },
    threshold: thresholdSchema,
    layoutNms: { type: 'boolean' },
    layoutUnclipRatio: unclipSchema,
    layoutMergeBboxesMode: mergeSchema,
    visualize: { type: 'boolean', description: 'Return the annotated image (default true, as PaddleX serving)' },
  },
} as const;

export const layoutParsingBodySchema = {
  type: 'object',
  required: ['file'],
  properties: {
    file: { type: 'string', description: 'base64 image or PDF (URLs are not fetched)' },
    fileType: { type: ['integer', 'null'], enum: [0, 1, null], description: '0 = PDF, 1 = image; sniffed from the bytes when absent' },
    layoutThreshold: thresholdSchema,
    layoutNms: { type: 'boolean' },
    layoutUnclipRatio: unclipSchema,
    layoutMergeBboxesMode: mergeSchema,
    layoutShapeMode: { type: 'string', enum: ['rect', 'quad', 'poly', 'auto'] },
    visualize: { type: ['boolean', 'null'], description: 'Return inputImage and outputImages.layout_det_res (default true)' },
    logId: { type: 'string' },
  },
  description: 'Other PaddleX pipeline fields (OCR, VLM, markdown options) are accepted and ignored: this service does layout only.',
} as const;
