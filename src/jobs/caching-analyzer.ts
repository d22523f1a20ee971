/**
 * A PageAnalyzer with the result cache in front: a page whose key is cached is answered from
 * the cache and never reaches the devices. The key of each page comes from the caller, who knows
 * the document's bytes (the analyzer only sees the page).
 */
import type { ResultCache } from '../cache/index.js';
import type { PageAnalyzer } from '../document/index.js';
import type { PageResult } from '../model/index.js';

export function cachingAnalyzer(inner: PageAnalyzer, cache: ResultCache, keyFor: (page: number) => string, onHit?: () => void): PageAnalyzer {
  return {
    get modelName() {
      return inner.modelName;
    },
    capacity: () => inner.capacity(),
    async analyze(page, params, options): Promise<PageResult> {
      const key = keyFor(page.page ?? 1);
      const hit = await cache.get(key);
      if (hit) {
        onHit?.();
        return { ...hit, input: { ...hit.input, name: page.name } };
      }
      const result = await inner.analyze(page, params, options);
      await cache.set(key, result);
      return result;
    },
    close: () => inner.close(),
  };
}
