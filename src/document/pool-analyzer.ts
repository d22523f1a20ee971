/**
 * The device pool as a PageAnalyzer: what the server runs on, and `doclayout analyze --devices`.
 * Pages go to the workers as they come (image bytes, PDF pages by reference) and their images
 * come back made there.
 */
import type { Config } from '../config.js';
import { createPool, type LayoutPool, type PoolResult } from '../pool/index.js';
import type { PageAnalyzer } from './types.js';

/** Wraps a pool someone else owns; `close()` closes the pool. */
export function poolAnalyzer(pool: LayoutPool): PageAnalyzer<PoolResult> {
  return {
    get modelName() {
      return pool.snapshot().model;
    },
    capacity: () => pool.snapshot().devices.reduce((sum, d) => sum + (d.serves === 'interactive' ? 0 : Math.max(1, d.maxBatch)), 0),
    analyze: (page, params, options) => pool.analyze(page, params, options),
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
