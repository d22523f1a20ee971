/**
 * A model session as the pipeline's device, and what every device does with its session first:
 * the warm-up run and the batch probe. The inference thread of a device worker runs the same
 * probe on its session as the library and `doclayout models` do here.
 */
import { performance } from 'node:perf_hooks';
import type { LayoutSession, ModelInfo, PageGeometry, RawOutputs } from '../model/index.js';
import type { PipelineDevice } from './batch-pipeline.js';

/** `count` blank model-size pages: a run's worth of input that any export accepts. */
export function blankPages(info: ModelInfo, count: number): { pixels: Float32Array; geometries: PageGeometry[] } {
  const { inputWidth: w, inputHeight: h } = info;
  const geometry: PageGeometry = { width: w, height: h, resizedWidth: w, resizedHeight: h, scaleX: 1, scaleY: 1 };
  return { pixels: new Float32Array(count * 3 * w * h).fill(1), geometries: Array.from({ length: count }, () => geometry) };
}

/** Some exports fail with batch > 1 (MODEL.md): one real batch of `size` says whether this one does. */
export async function probeBatch(session: LayoutSession, size = 2): Promise<boolean> {
  if (size <= 1) return true;
  if (!session.info.dynamicBatch) return false;
  const { pixels, geometries } = blankPages(session.info, size);
  try {
    return (await session.run(pixels, geometries)).rowsPerImage.length === size;
  } catch {
    return false;
  }
}

/** The session run on the calling thread: one run at a time, as the pipeline sends them. */
export class SessionDevice implements PipelineDevice {
  readonly info: ModelInfo;
  readonly #session: LayoutSession;
  #running: { at: number; pages: number } | undefined;

  constructor(session: LayoutSession) {
    this.#session = session;
    this.info = session.info;
  }

  async run(pixels: Float32Array, geometries: readonly PageGeometry[]): Promise<{ raw: RawOutputs; runMs: number }> {
    const at = performance.now();
    this.#running = { at, pages: geometries.length };
    try {
      const raw = await this.#session.run(pixels, geometries);
      return { raw, runMs: performance.now() - at };
    } finally {
      this.#running = undefined;
    }
  }

  current(): { runningForMs: number; pages: number } {
    return this.#running ? { runningForMs: performance.now() - this.#running.at, pages: this.#running.pages } : { runningForMs: 0, pages: 0 };
  }
}
