/**
 * The one page chain: cache → admission → pool. A page whose key is cached is answered from the
 * cache, named for this document, and never reaches the devices; a page that ran is stored under
 * the key of the model that produced it — the id its device reports (the model file's sha256),
 * not the identity current when the page was asked for — so a reload racing a running page never
 * files model A's result under model B. The document's part of each key comes from the caller
 * (who knows the document's bytes); the model's part from the engine.
 */
import { cacheable, type ResultCache } from '../cache/index.js';
import type { PageAnalyzer, PageTaskOptions } from '../document/index.js';
import type { LayoutParams } from '../model/index.js';
import type { LayoutPool, PageInput, PoolResult } from '../pool/index.js';
import { inSpan, type Span } from '../tracing/index.js';

/** A page result as the engine hands it out: the pool's, without the internal model id. */
export type EngineResult = Omit<PoolResult, 'modelId'>;

/** A page's cache key, given the sha256 of the model that answers it. */
export type PageKey = (page: number, modelSha256: string) => string;

export interface CachingAnalyzer<R extends EngineResult = EngineResult> extends PageAnalyzer<R> {
  /**
   * The cached result of a page under the current model, before anything is opened (a cluster
   * page job skips fetching and opening its document on a hit). A miss is remembered, so
   * analyze() does not ask again.
   */
  lookup(page: number, name: string): Promise<R | undefined>;
}

/** What the chain needs from its engine. */
export interface ChainParts {
  readonly pool: LayoutPool;
  readonly cache: ResultCache;
  /** The model's identity now: the one a cache lookup asks for. */
  currentSha256(): string;
  modelName(): string;
  capacity(): number;
}

/** Admission → pool, the result's model id split off (the key of the model that produced it). */
async function runOnPool(pool: LayoutPool, page: PageInput, params: Partial<LayoutParams>, options?: PageTaskOptions): Promise<{ result: EngineResult; modelSha256: string }> {
  const { modelId, ...result } = await pool.analyze(page, params, options);
  return { result, modelSha256: modelId };
}

/** A page's span in the chain: its parent of the queue and device spans (the trace context sent with the page). */
function pageSpan<T>(page: PageInput, cache: 'off' | 'lookup', work: (span: Span | undefined) => Promise<T>): Promise<T> {
  return inSpan('engine.page', { 'doclayout.page.name': page.name, 'doclayout.page.number': page.page ?? 1, ...(cache === 'off' ? { 'doclayout.cache': 'off' } : {}) }, work);
}

/** Admission → pool, no cache: the sync routes and `analyze --devices`. */
export function poolChain(parts: ChainParts): PageAnalyzer<EngineResult> {
  return {
    get modelName() {
      return parts.modelName();
    },
    capacity: () => parts.capacity(),
    analyze: (page, params, options) => pageSpan(page, 'off', async () => (await runOnPool(parts.pool, page, params, options)).result),
    close: () => parts.pool.close(),
  };
}

/** Cache → admission → pool, each page keyed by `keyFor`: jobs and cluster page jobs. */
export function cachedChain(parts: ChainParts, keyFor: PageKey, onHit?: () => void): CachingAnalyzer {
  /** Pages looked up and missed: their analyze() goes straight to the pool. */
  const missed = new Set<number>();
  const lookup = async (page: number, name: string): Promise<EngineResult | undefined> => {
    const hit = await parts.cache.get(keyFor(page, parts.currentSha256()));
    if (!hit) {
      missed.add(page);
      return undefined;
    }
    onHit?.();
    // Equal bytes under another name share the entry: the name is this document's.
    return { ...hit, input: { ...hit.input, name } } as EngineResult;
  };
  return {
    get modelName() {
      return parts.modelName();
    },
    capacity: () => parts.capacity(),
    lookup,
    analyze(page, params, options): Promise<EngineResult> {
      return pageSpan(page, 'lookup', async (span) => {
        const number = page.page ?? 1;
        if (!missed.delete(number)) {
          const hit = await lookup(number, page.name);
          span?.setAttribute('doclayout.cache', hit ? 'hit' : 'miss');
          if (hit) return hit;
          missed.delete(number);
        } else {
          span?.setAttribute('doclayout.cache', 'miss');
        }
        const { result, modelSha256 } = await runOnPool(parts.pool, page, params, options);
        await parts.cache.set(keyFor(number, modelSha256), cacheable(result));
        return result;
      });
    },
    close: () => parts.pool.close(),
  };
}
