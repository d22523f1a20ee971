/** The page-result cache: keys, the three stores, and the `--cache` option. */
export { cacheKey, type CacheKeyParts } from './cache-key.js';
export { MemoryCache, NoCache, RedisCache, cacheable, type CacheStats, type ResultCache } from './result-cache.js';
export { createResultCache, parseByteSize, parseCacheSpec, type CacheSpec } from './cache-option.js';
