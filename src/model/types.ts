/**
 * Types shared by the model layer and everything above it. Box coordinates are always
 * `xyxy` in the original image's pixels unless a name says otherwise.
 */

/** Which export of which PP-DocLayout model a graph is, detected from its inputs and outputs. */
export type ContractKind =
  /** paddle2onnx export: im_shape/image/scale_factor in, fetch_name_0 [N,6|7|8] (+ masks) out. */
  | 'paddle'
  /** transformers-style export: pixel_values in, logits + pred_boxes (+ order_logits, masks) out. */
  | 'transformers';

export type ModelVariant = 'pp-doclayoutv3' | 'pp-doclayoutv2' | 'pp-doclayout' ;

export interface ModelInfo {
  /** Absolute path of the .onnx file. */
  readonly path: string;
  /** Display name: metadata name, registry name or file stem. */
  readonly name: string;
  readonly variant: ModelVariant;
  readonly contract: ContractKind;
  /** Model input size (height, width) in pixels. */
  readonly inputHeight: number;
  readonly inputWidth: number;
  /** Per-channel normalisation applied after the 1/255 scale (identity for V2/V3). */
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
  readonly labels: readonly string[];
  /** Columns per detection row of fetch_name_0 (6: no order, 7: V3 rank, 8: V2 order pair). */
  readonly rowWidth: number;
  readonly hasMasks: boolean;
  readonly hasOrder: boolean;
  /** Whether the graph already divides boxes by scale_factor (official exports do). */
  readonly boxesInOriginalPixels: boolean;
  /** Whether the graph has a dynamic batch dimension (checked with a real batch-2 run by the pool). */
  readonly dynamicBatch: boolean;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;
}

/** What preprocessing kept about one page so postprocessing can map boxes back. */
export interface PageGeometry {
  /** Original image size after EXIF orientation. */
  readonly width: number;
  readonly height: number;
  /** Resized model input size. */
  readonly resizedWidth: number;
  readonly resizedHeight: number;
  /** resized / original, as PaddleX's scale_factor (h, w) pair. */
  readonly scaleY: number;
  readonly scaleX: number;
}

/** One page's model inputs as plain typed arrays (ORT tensors are built in session.ts). */
export interface PreprocessedPage {
  /** float32 CHW, length 3 * inputHeight * inputWidth. */
  readonly pixels: Float32Array;
  readonly geometry: PageGeometry;
  readonly decodeMs: number;
  readonly preprocessMs: number;
}

/**
 * Raw outputs of one batch, normalised to the paddle layout whatever the export:
 * `detections` rows of `rowWidth` floats `[class_id, score, x1, y1, x2, y2, (order…)]`.
 */
export interface RawOutputs {
  readonly detections: Float32Array;
  readonly rowWidth: number;
  /** Rows per image in the batch (fetch_name_1). */
  readonly rowsPerImage: readonly number[];
  /** int32 [rows, maskHeight, maskWidth] binarised masks, or undefined. */
  readonly masks: Int32Array | Uint8Array | undefined;
  readonly maskHeight: number;
  readonly maskWidth: number;
  /** True when x/y are in original pixels already; false when in model-input pixels. */
  readonly boxesInOriginalPixels: boolean;
}

export type MergeMode = 'union' | 'large' | 'small';
export type ShapeMode = 'auto' | 'rect' | 'poly' | 'quad';
export type UnclipRatio = number | readonly [number, number] | Readonly<Record<string, number | readonly [number, number]>>;

/** Postprocessing parameters, PaddleX names in camelCase. See `defaultLayoutParams`. */
export interface LayoutParams {
  /** Global score threshold, or per-label map (labels not in the map use 0.5). */
  readonly threshold: number | Readonly<Record<string, number>>;
  readonly layoutNms: boolean;
  readonly nmsSameClassIou: number;
  readonly nmsCrossClassIou: number;
  readonly unclipRatio: UnclipRatio;
  readonly mergeMode: MergeMode | Readonly<Record<string, MergeMode>>;
  readonly shapeMode: ShapeMode;
  /** PaddleX's overlap filter (reference removal, tiny boxes, overlapping pairs). */
  readonly filterOverlap: boolean;
}

export const defaultLayoutParams: Readonly<LayoutParams> = Object.freeze({
  threshold: 0.5,
  layoutNms: true,
  nmsSameClassIou: 0.6,
  nmsCrossClassIou: 0.98,
  unclipRatio: 1,
  mergeMode: 'union',
  shapeMode: 'auto',
  filterOverlap: true,
});

export interface Region {
  readonly label: string;
  readonly labelId: number;
  readonly score: number;
  /** xyxy, integer original-image pixels, clamped to the image. */
  readonly bbox: readonly [number, number, number, number];
  /** Closed polygon (first point not repeated) in original pixels; V3 models only. */
  readonly polygon?: ReadonlyArray<readonly [number, number]>;
  /** 1..n in reading order; null for regions outside the text flow (tables, images, headers…). */
  readonly order: number | null;
}

export interface StageTiming {
  decodeMs: number;
  preprocessMs: number;
  inferMs: number;
  postprocessMs: number;
}

/** The result JSON every interface returns for one page. */
export interface PageResult {
  readonly model: string;
  readonly input: { readonly name: string; readonly page: number; readonly width: number; readonly height: number };
  readonly regions: readonly Region[];
  readonly timing: StageTiming;
}
