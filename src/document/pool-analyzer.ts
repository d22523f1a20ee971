/**
 * The device pool as a PageAnalyzer: what the server runs on, and `doclayout analyze --devices`.
 * It renders pages itself: PDF pages go to the workers by reference and overlays come back made
 * there. Pixels rendered by a caller (the CLI drawing its own overlays) are encoded (fast
 * lossless PNG) here, since workers take encoded bytes.
 */
import type { Config } from '../config.js';
import { InvalidParamError } from '../errors.js';
import { encodePagePng } from '../pdf/index.js';
import { createPool, type LayoutPool, type PoolResult } from '../pool/index.js';
import type { PageAnalyzer } from './types.js';

/** Wraps a pool someone else owns; `close()` closes the pool. */
export function poolAnalyzer(pool: LayoutPool): PageAnalyzer<PoolResult> {
  return {
    get modelName() {
      return pool.snapshot().model;
    },
    rendersPages: true,
    capacity: () => pool.snapshot().devices.reduce((sum, d) => sum + Math.max(1, d.maxBatch), 0),
    async analyze(page, params, options) {
      const common = { name: page.name, ...(page.page === undefined ? {} : { page: page.page }), ...(page.outputs ? { outputs: page.outputs } : {}) };
      if (page.pdf) return pool.analyze({ ...common, pdf: page.pdf }, params, options);
      if (!page.image) throw InvalidParamError('page', 'a page needs its image or a PDF page reference');
      const bytes = page.image instanceof Uint8Array ? page.image : await encodePagePng(page.image);
      return pool.analyze({ ...common, bytes }, params, options);
    },
    close: () => pool.close(),
  };
}

/** Starts a pool on the configured devices and waits until one is ready. */
export async function createPoolAnalyzer(modelPath: string, config: Config): Promise<PageAnalyzer<PoolResult>> {
  const pool = await createPool({ config, modelPath });
  try {
    await pool.ready();
  } catch (err) {
    await pool.destroy(err instanceof Error ? err : undefined);
    throw err;
  }
  return poolAnalyzer(pool);
}
