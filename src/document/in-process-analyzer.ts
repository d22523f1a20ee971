/** The model in this process as a PageAnalyzer: what `doclayout analyze` runs on without --devices. */
import type { Config } from '../config.js';
import { InvalidParamError } from '../errors.js';
import { loadModel, type PageResult } from '../model/index.js';
import type { PageAnalyzer } from './types.js';

export async function createInProcessAnalyzer(
  modelPath: string,
  config: Pick<Config, 'cpuThreads' | 'maxPixels'>,
): Promise<PageAnalyzer<PageResult>> {
  const model = await loadModel(modelPath, { device: 'cpu', intraOpNumThreads: config.cpuThreads, maxPixels: config.maxPixels });
  return {
    modelName: model.info.name,
    labels: model.info.labels,
    capacity: () => 1,
    analyze(page, params, options) {
      // A page already cancelled is not started; one running in this process runs to its end.
      options?.signal?.throwIfAborted();
      // It does not render pages (no rendersPages), so the document layer always sends pixels.
      if (!page.image) throw InvalidParamError('page', 'the in-process analyzer takes pixels, not PDF page references');
      return model.analyze(page.image, params, { name: page.name, page: page.page });
    },
    close: () => model.release(),
  };
}
