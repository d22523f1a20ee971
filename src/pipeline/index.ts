/**
 * The page pipeline's only door: one page type (types.ts), the CPU stages of a page
 * (page-stages.ts), where they run (prep threads or inline), and the batch pipeline that joins
 * them to a device — a device worker's inference thread, or a session in this process
 * (`loadModel`, the library's and the CLI's model). Layers: model ← pdf/visualize ← pipeline ← pool.
 */
export type * from './types.js';
export { BatchPipeline, type BatchPipelineOptions, type PipelineDevice } from './batch-pipeline.js';
export { InlineStages, type StageRunner } from './stage-runner.js';
export { PrepPool } from './prep-pool.js';
export { blankPages, probeBatch, SessionDevice } from './session-device.js';
export { loadModel, type ImageInput, type LayoutModel, type LoadModelOptions, type LocalPageResult } from './local-model.js';
