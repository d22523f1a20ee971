/**
 * A device pool as a PageAnalyzer, for the document layer's own tests and tools. The service and
 * the CLI page through the engine (src/engine), which owns the model's identity and the cache.
 * Pages go to the workers as they come (image bytes, PDF pages by reference) and their images
 * come back made there.
 */
import type { LayoutPool, PoolResult } from '../pool/index.js';
import type { PageAnalyzer } from './types.js';

/** Wraps a pool someone else owns; `close()` closes the pool. */
export function poolAnalyzer(pool: LayoutPool): PageAnalyzer<PoolResult> {
  return {
    get modelName() {
      return pool.modelName() ?? '';
    },
    capacity: () => pool.snapshot().devices.reduce((sum, d) => sum + (d.serves === 'interactive' ? 0 : Math.max(1, d.maxBatch)), 0),
    analyze: (page, params, options) => pool.analyze(page, params, options),
    close: () => pool.close(),
  };
}
