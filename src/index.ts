/**
 * doclayout's library API. Stable: loadModel / preprocess / postprocess / analyze work on raw
 * tensors and regions, so any reference implementation can be compared on the same data;
 * createEngine runs the same model on every device of the machine (createPool is its device pool).
 */
import type { LayoutParams, PageResult } from './model/index.js';
import { loadModel, type ImageInput, type LoadModelOptions } from './pipeline/index.js';

export { loadModel } from './pipeline/index.js';
export type { LayoutModel, LoadModelOptions, ImageInput, LocalPageResult } from './pipeline/index.js';
export { preprocess, preprocessDecoded } from './model/index.js';
export { postprocess } from './model/index.js';
export { decodeImage } from './model/index.js';
export type { DecodedImage } from './model/index.js';
export { sniffMediaType } from './model/index.js';
export { parseLayoutParams } from './model/index.js';
export { resolveModelPath } from './model/index.js';
export { knownModels, findKnownModel } from './model/index.js';
export { pullModel } from './model/index.js';
export { rasterizePdf, openPdf, isPdf } from './pdf/index.js';
export { renderOverlay } from './visualize/overlay.js';
export { renderCrops } from './visualize/crops.js';
export { toPageXml, toAltoXml, toCoco, exportDocument, exportDocuments, zipFiles, EXPORT_FORMATS } from './export/index.js';
export type { ExportDocument, ExportFile, ExportFormat, ExportOptions, CocoDataset } from './export/index.js';
export { createPool, poolConfig } from './pool/index.js';
export { createEngine, createPoolAnalyzer, Engine } from './engine/index.js';
export type { EngineOptions, EngineResult, ModelIdentity } from './engine/index.js';
export { analyzeDocument, createInProcessAnalyzer, poolAnalyzer, PageWindow } from './document/index.js';
export type * from './document/index.js';
export type * from './pool/types.js';
export type * from './model/index.js';
export { defaultLayoutParams } from './model/index.js';
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
