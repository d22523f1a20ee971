/**
 * The model in this process as a PageAnalyzer: what `doclayout analyze` runs on without --devices.
 * It is the one page pipeline run inline (pipeline/local-model.ts): it takes the same page sources
 * as the pool and makes the same images; a PDF page is rendered on a PDF thread under its budget.
 */
import type { Config } from '../config.js';
import { loadModel, type LocalPageResult } from '../pipeline/index.js';
import type { PageAnalyzer } from './types.js';

export async function createInProcessAnalyzer(
  modelPath: string,
  config: Pick<Config, 'cpuThreads' | 'maxPixels'>,
): Promise<PageAnalyzer<LocalPageResult>> {
  const model = await loadModel(modelPath, { device: 'cpu', intraOpNumThreads: config.cpuThreads, maxPixels: config.maxPixels });
  return {
    modelName: model.info.name,
    labels: model.info.labels,
    capacity: () => 1,
    analyze(page, params, options) {
      // A page already cancelled is not started; one running in this process runs to its end.
      options?.signal?.throwIfAborted();
      return model.analyzePage(page, params);
    },
    close: () => model.release(),
  };
}
