/**
 * Glue only: decode → preprocess → session → postprocess → PageResult. One `session.run` per
 * batch; a bad item fails alone and never takes its batch-mates down.
 */
import { performance } from 'node:perf_hooks';
import { toLayoutError, type LayoutError } from '../errors.js';
import type { DecodedImage } from './image/decode.js';
import { preprocess } from './image/preprocess.js';
import { postprocess } from './postprocess/postprocess.js';
import type { LayoutSession, SessionOptions } from './runtime/session.js';
import type { LayoutParams, ModelInfo, PageGeometry, PageResult, PreprocessedPage } from './types.js';

export type ImageInput = Uint8Array | DecodedImage;

export interface LoadModelOptions {
  /** 'cpu' (default) | 'cuda:N' | 'webgpu:N' | 'tensorrt:N'. */
  readonly device?: string;
  /** 0 or undefined = onnxruntime's default (all cores). */
  readonly intraOpNumThreads?: number;
  /** Decompression-bomb guard for every decoded image. */
  readonly maxPixels?: number;
}

export interface BatchItem {
  readonly image: ImageInput;
  readonly name: string;
  readonly page?: number;
  readonly params?: Partial<LayoutParams>;
}

export type BatchOutcome = { readonly ok: true; readonly result: PageResult } | { readonly ok: false; readonly error: LayoutError };

export interface LayoutModel {
  readonly info: ModelInfo;
  readonly device: string;
  analyze(image: ImageInput, params?: Partial<LayoutParams>, meta?: { name?: string; page?: number }): Promise<PageResult>;
  analyzeBatch(items: readonly BatchItem[]): Promise<BatchOutcome[]>;
  /** Runs `size` blank pages at once; false when the graph rejects batch > 1 (some exports do). */
  probeBatch(size: number): Promise<boolean>;
  release(): Promise<void>;
}

/**
 * A session on its own, for callers that run the stages on different threads (the pool's device
 * workers). onnxruntime is imported here, on first use, so threads that only decode, resize and
 * post-process can import this layer without loading the native runtime.
 */
export async function openSession(modelPath: string, options: SessionOptions = {}): Promise<LayoutSession> {
  const { createSession } = await import('./runtime/session.js');
  return createSession(modelPath, options);
}

export async function loadModel(modelPath: string, options: LoadModelOptions = {}): Promise<LayoutModel> {
  const session = await openSession(modelPath, { device: options.device, intraOpNumThreads: options.intraOpNumThreads });
  return new Pipeline(session, options.maxPixels);
}

class Pipeline implements LayoutModel {
  readonly info: ModelInfo;
  readonly device: string;
  readonly #session: LayoutSession;
  readonly #maxPixels: number | undefined;
  readonly #pageLength: number;

  constructor(session: LayoutSession, maxPixels: number | undefined) {
    this.#session = session;
    this.#maxPixels = maxPixels;
    this.info = session.info;
    this.device = session.device;
    this.#pageLength = 3 * session.info.inputHeight * session.info.inputWidth;
  }

  async analyze(image: ImageInput, params?: Partial<LayoutParams>, meta: { name?: string; page?: number } = {}): Promise<PageResult> {
    const [outcome] = await this.analyzeBatch([{ image, params, name: meta.name ?? 'image', page: meta.page }]);
    if (!outcome!.ok) throw outcome!.error;
    return outcome!.result;
  }

  async analyzeBatch(items: readonly BatchItem[]): Promise<BatchOutcome[]> {
    const outcomes: BatchOutcome[] = new Array(items.length);
    const prepared: Array<{ index: number; page: PreprocessedPage }> = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      try {
        prepared.push({ index: i, page: await preprocess(item.image, this.info, { name: item.name, maxPixels: this.#maxPixels }) });
      } catch (err) {
        outcomes[i] = { ok: false, error: toLayoutError(err) };
      }
    }
    if (prepared.length === 0) return outcomes;

    const pixels = prepared.length === 1 ? prepared[0]!.page.pixels : new Float32Array(prepared.length * this.#pageLength);
    if (prepared.length > 1) prepared.forEach(({ page }, i) => pixels.set(page.pixels, i * this.#pageLength));
    const geometries: PageGeometry[] = prepared.map(({ page }) => page.geometry);

    const inferStart = performance.now();
    let raw;
    try {
      raw = await this.#session.run(pixels, geometries);
    } catch (err) {
      const error = toLayoutError(err);
      for (const { index } of prepared) outcomes[index] = { ok: false, error };
      return outcomes;
    }
    // The batch shares one forward pass; each page is charged its share.
    const inferMs = (performance.now() - inferStart) / prepared.length;

    prepared.forEach(({ index, page }, imageIndex) => {
      const item = items[index]!;
      const postStart = performance.now();
      try {
        const regions = postprocess(raw, imageIndex, page.geometry, this.info, item.params);
        outcomes[index] = {
          ok: true,
          result: {
            model: this.info.name,
            input: { name: item.name, page: item.page ?? 1, width: page.geometry.width, height: page.geometry.height },
            regions,
            timing: { decodeMs: page.decodeMs, preprocessMs: page.preprocessMs, inferMs, postprocessMs: performance.now() - postStart },
          },
        };
      } catch (err) {
        outcomes[index] = { ok: false, error: toLayoutError(err) };
      }
    });
    return outcomes;
  }

  async probeBatch(size: number): Promise<boolean> {
    if (size <= 1) return true;
    if (!this.info.dynamicBatch) return false;
    const geometry: PageGeometry = {
      width: this.info.inputWidth,
      height: this.info.inputHeight,
      resizedWidth: this.info.inputWidth,
      resizedHeight: this.info.inputHeight,
      scaleX: 1,
      scaleY: 1,
    };
    try {
      const raw = await this.#session.run(new Float32Array(size * this.#pageLength).fill(1), Array.from({ length: size }, () => geometry));
      return raw.rowsPerImage.length === size;
    } catch {
      return false;
    }
  }

  release(): Promise<void> {
    return this.#session.release();
  }
}
