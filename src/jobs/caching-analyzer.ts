/**
 * The result cache in front of a PageAnalyzer, for both job backends (the embedded service and
 * the cluster's page jobs): a page whose key is cached is answered from the cache, named for this
 * document, and never reaches the devices; a page that ran is stored. The key of each page comes
 * from the caller, who knows the document's bytes (the analyzer only sees the page).
 */
import type { ResultCache } from '../cache/index.js';
import type { PageAnalyzer } from '../document/index.js';
import type { PageResult } from '../model/index.js';

export interface CachingAnalyzer<R extends PageResult = PageResult> extends PageAnalyzer<R> {
  /**
   * The cached result of a page, before anything is opened (a cluster page job skips fetching
   * and opening its document on a hit). A miss is remembered, so analyze() does not ask again.
   */
  lookup(page: number, name: string): Promise<R | undefined>;
}

export function cachingAnalyzer<R extends PageResult>(inner: PageAnalyzer<R>, cache: ResultCache, keyFor: (page: number) => string, onHit?: () => void): CachingAnalyzer<R> {
  /** Pages looked up and missed: their analyze() goes straight to the inner analyzer. */
  const missed = new Set<number>();
  const lookup = async (page: number, name: string): Promise<R | undefined> => {
    const hit = await cache.get(keyFor(page));
    if (!hit) {
      missed.add(page);
      return undefined;
    }
    onHit?.();
    // Equal bytes under another name share the entry: the name is this document's.
    return { ...hit, input: { ...hit.input, name } } as R;
  };
  return {
    get modelName() {
      return inner.modelName;
    },
    capacity: () => inner.capacity(),
    lookup,
    async analyze(page, params, options): Promise<R> {
      const number = page.page ?? 1;
      if (!missed.delete(number)) {
        const hit = await lookup(number, page.name);
        if (hit) return hit;
        missed.delete(number);
      }
      const result = await inner.analyze(page, params, options);
      await cache.set(keyFor(number), result);
      return result;
    },
    close: () => inner.close(),
  };
}
