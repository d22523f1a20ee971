/**
 * doclayout's library API. Stable: loadModel / preprocess / postprocess / analyze work on raw
 * tensors and regions, so any reference implementation can be compared on the same data;
 * createPool runs the same engine on every device of the machine.
 */
import { loadModel, type ImageInput, type LoadModelOptions } from './model/pipeline.js';
import type { LayoutParams, PageResult } from './model/types.js';

export { loadModel } from './model/pipeline.js';
export type { LayoutModel, LoadModelOptions, ImageInput, BatchItem, BatchOutcome } from './model/pipeline.js';
export { preprocess, preprocessDecoded } from './model/preprocess.js';
export { postprocess } from './model/postprocess.js';
export { decodeImage } from './model/decode.js';
export type { DecodedImage } from './model/decode.js';
export { sniffMediaType } from './model/sniff.js';
export { parseLayoutParams } from './model/params.js';
export { resolveModelPath } from './model/resolve.js';
export { knownModels, findKnownModel } from './model/registry.js';
export { pullModel } from './model/download.js';
export { rasterizePdf, openPdf, isPdf } from './pdf/rasterize.js';
export { renderOverlay } from './visualize/overlay.js';
export { createPool } from './pool/index.js';
export type * from './pool/types.js';
export type * from './model/types.js';
export { defaultLayoutParams } from './model/types.js';
export { resolveConfig, optionSpecs } from './config.js';
export type { Config } from './config.js';
export * from './errors.js';

/** One-shot convenience: load, analyze one image, release. Use loadModel for many pages. */
export async function analyze(modelPath: string, image: ImageInput, params?: Partial<LayoutParams>, options?: LoadModelOptions): Promise<PageResult> {
  const model = await loadModel(modelPath, options);
  try {
    return await model.analyze(image, params);
  } finally {
    await model.release();
  }
}
