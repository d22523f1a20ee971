/**
 * The model in this process: the library's `loadModel` and the CLI's analyzer without --devices.
 * It is the one page pipeline (batch-pipeline.ts) run inline on the calling thread with the
 * session as its device: the same stages, the same results and images as a device worker makes.
 */
import { errorFromCode } from '../errors.js';
import { optionSpecs } from '../config.js';
import { openSession, type DecodedImage, type LayoutParams, type ModelInfo, type PageResult } from '../model/index.js';
import { BatchPipeline } from './batch-pipeline.js';
import { probeBatch, SessionDevice } from './session-device.js';
import { InlineStages } from './stage-runner.js';
import type { LocalSource, PageImages, PageInput, PipelineOutcome } from './types.js';

/** Encoded image bytes (JPEG, PNG, …) or pixels decoded by the caller. */
export type ImageInput = Uint8Array | DecodedImage;

export interface LoadModelOptions {
  /** 'cpu' (default) | 'cuda:N' | 'webgpu:N' | 'tensorrt:N'. */
  readonly device?: string;
  /** 0 or undefined = onnxruntime's default (all cores). */
  readonly intraOpNumThreads?: number;
  /** Decompression-bomb guard for every decoded image (default: the maxPixels option's default). */
  readonly maxPixels?: number;
}

/** A page's result with the images its PageInput.outputs asked for. */
export type LocalPageResult = PageResult & { readonly images?: PageImages };

export interface LayoutModel {
  readonly info: ModelInfo;
  readonly device: string;
  analyze(image: ImageInput, params?: Partial<LayoutParams>, meta?: { name?: string; page?: number }): Promise<PageResult>;
  /** One page as the document layer sends it (an image, a spooled PDF page or pixels), with the images it asks for. */
  analyzePage(page: PageInput<LocalSource>, params?: Partial<LayoutParams>): Promise<LocalPageResult>;
  /** Runs `size` blank pages at once; false when the graph rejects batch > 1 (some exports do). */
  probeBatch(size: number): Promise<boolean>;
  release(): Promise<void>;
}

export async function loadModel(modelPath: string, options: LoadModelOptions = {}): Promise<LayoutModel> {
  const session = await openSession(modelPath, { device: options.device, intraOpNumThreads: options.intraOpNumThreads });
  const device = new SessionDevice(session);
  const pending = new Map<number, (outcome: PipelineOutcome) => void>();
  const pipeline = new BatchPipeline({
    stages: new InlineStages(),
    inference: device,
    maxPixels: options.maxPixels ?? optionSpecs.maxPixels.default,
    // One thread: nothing to overlap onto.
    overlap: false,
    onResult: (batchId, outcomes) => {
      pending.get(batchId)?.(outcomes[0]!);
      pending.delete(batchId);
    },
  });
  let nextBatch = 0;
  const analyzePage = async (page: PageInput<LocalSource>, params: Partial<LayoutParams> = {}): Promise<LocalPageResult> => {
    const batchId = ++nextBatch;
    const outcome = await new Promise<PipelineOutcome>((resolve) => {
      pending.set(batchId, resolve);
      pipeline.submit(batchId, [{ ...page, taskId: String(batchId), params }]);
    });
    if (!outcome.ok) throw errorFromCode(outcome.code, outcome.message);
    return outcome.images ? { ...outcome.result, images: outcome.images } : outcome.result;
  };
  return {
    info: session.info,
    device: session.device,
    analyze: (image, params, meta = {}) => analyzePage({
      source: image instanceof Uint8Array ? { kind: 'image', bytes: image } : { kind: 'pixels', image },
      name: meta.name ?? 'image',
      ...(meta.page === undefined ? {} : { page: meta.page }),
    }, params),
    analyzePage,
    probeBatch: (size) => probeBatch(session, size),
    release: () => session.release(),
  };
}

