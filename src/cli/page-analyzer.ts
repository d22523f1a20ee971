/**
 * What `analyze` runs pages on: the model in this process (default) or the device pool
 * (`--devices`), behind one small interface.
 */
import type { Config } from '../config.js';
import type { DecodedImage } from '../model/index.js';
import { loadModel, type LayoutModel } from '../model/index.js';
import type { LayoutParams, PageResult } from '../model/index.js';
import { encodePagePng } from '../pdf/page-png.js';
import { createPool } from '../pool/index.js';
import type { LayoutPool } from '../pool/types.js';

export interface PageAnalyzer {
  readonly modelName: string;
  /** Pages worth keeping in flight at once. */
  readonly concurrency: number;
  analyze(image: Uint8Array | DecodedImage, name: string, page: number, params: Partial<LayoutParams>): Promise<PageResult & { device?: string }>;
  close(): Promise<void>;
}

export async function createInProcessAnalyzer(modelPath: string, config: Config): Promise<PageAnalyzer> {
  const model: LayoutModel = await loadModel(modelPath, { device: 'cpu', intraOpNumThreads: config.cpuThreads, maxPixels: config.maxPixels });
  return {
    modelName: model.info.name,
    concurrency: 1,
    analyze: (image, name, page, params) => model.analyze(image, params, { name, page }),
    close: () => model.release(),
  };
}

export async function createPoolAnalyzer(modelPath: string, config: Config): Promise<PageAnalyzer> {
  const pool: LayoutPool = await createPool({ config, modelPath });
  await pool.ready();
  const snapshot = pool.snapshot();
  const concurrency = Math.max(1, snapshot.devices.reduce((sum, d) => sum + Math.max(1, d.maxBatch) * 2, 0));
  return {
    modelName: snapshot.model,
    concurrency,
    async analyze(image, name, page, params) {
      const bytes = image instanceof Uint8Array ? image : await encodePagePng(image);
      return pool.analyze({ bytes, name, page }, params);
    },
    close: () => pool.close(),
  };
}
