/**
 * `--cache off | memory[:SIZE] | redis`: SIZE in bytes with an optional unit (256MB, 1GiB…).
 * `redis` needs a Redis URL; without one the default is an in-memory cache of DEFAULT_MEMORY_BYTES.
 */
import type { Redis } from 'ioredis';
import { InvalidParamError } from '../errors.js';
import { MemoryCache, NoCache, RedisCache, type ResultCache } from './result-cache.js';

/** The memory cache's size when none is given: about a thousand pages of results. */
const DEFAULT_MEMORY_BYTES = 256 * 1024 * 1024;

export type CacheSpec = { kind: 'off' } | { kind: 'memory'; maxBytes: number } | { kind: 'redis' };

const UNITS: Record<string, number> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

export function parseByteSize(name: string, text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) throw InvalidParamError(name, `expected a size like 256MB or 1GiB, got "${text}"`);
  const bytes = Math.floor(Number(match[1]) * unit);
  if (bytes < 1) throw InvalidParamError(name, `must be at least 1 byte, got "${text}"`);
  return bytes;
}

/** Parses the option; `undefined` means the default: shared in Redis when there is one, else memory. */
export function parseCacheSpec(text: string | undefined, haveRedis: boolean): CacheSpec {
  const value = (text ?? (haveRedis ? 'redis' : 'memory')).trim();
  if (value === 'off') return { kind: 'off' };
  if (value === 'redis') {
    if (!haveRedis) throw InvalidParamError('--cache', 'redis needs --redis URL');
    return { kind: 'redis' };
  }
  if (value === 'memory') return { kind: 'memory', maxBytes: DEFAULT_MEMORY_BYTES };
  if (value.startsWith('memory:')) return { kind: 'memory', maxBytes: parseByteSize('--cache', value.slice('memory:'.length)) };
  throw InvalidParamError('--cache', `expected off, memory[:SIZE] or redis, got "${value}"`);
}

export function createResultCache(spec: CacheSpec, redis: Redis | undefined, ttlSeconds: number): ResultCache {
  if (spec.kind === 'off') return new NoCache();
  if (spec.kind === 'memory') return new MemoryCache(spec.maxBytes);
  if (!redis) throw InvalidParamError('--cache', 'redis needs --redis URL');
  return new RedisCache(redis, ttlSeconds);
}
