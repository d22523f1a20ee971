/** The page-result cache: keys, the four stores, and the `--cache` option. */
export { cacheKey, type CacheKeyParts } from './cache-key.js';
export { MemoryCache, NoCache, RedisCache, cacheable, type CacheStats, type ResultCache } from './result-cache.js';
export { StoreCache, type StoreCacheOptions } from './store-cache.js';
export { createResultCache, parseByteSize, parseCacheSpec, type CacheBackends, type CacheSpec } from './cache-option.js';
