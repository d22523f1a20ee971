/** The page-result cache: keys, the three stores, and the `--cache` option. */
export { cacheKey, canonicalJson, normalizeParams, type CacheKeyParts } from './cache-key.js';
export { MemoryCache, NoCache, RedisCache, cacheable, type CacheStats, type ResultCache } from './result-cache.js';
export { DEFAULT_MEMORY_BYTES, createResultCache, parseByteSize, parseCacheSpec, type CacheSpec } from './cache-option.js';
