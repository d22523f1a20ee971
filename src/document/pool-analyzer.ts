/**
 * The device pool as a PageAnalyzer: what the server runs on, and `doclayout analyze --devices`.
 * Workers take encoded bytes, so a rendered PDF page is encoded (fast lossless PNG) here.
 */
import type { Config } from '../config.js';
import { encodePagePng } from '../pdf/page-png.js';
import { createPool, type LayoutPool, type PoolResult } from '../pool/index.js';
import type { PageAnalyzer } from './types.js';

/** Wraps a pool someone else owns; `close()` closes the pool. */
export function poolAnalyzer(pool: LayoutPool): PageAnalyzer<PoolResult> {
  return {
    get modelName() {
      return pool.snapshot().model;
    },
    capacity: () => pool.snapshot().devices.reduce((sum, d) => sum + Math.max(1, d.maxBatch), 0),
    async analyze(page, params, options) {
      const bytes = page.image instanceof Uint8Array ? page.image : await encodePagePng(page.image);
      return pool.analyze({ bytes, name: page.name, ...(page.page === undefined ? {} : { page: page.page }) }, params, options);
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
