/**
 * `--cache off | memory[:SIZE] | store[:SIZE] | redis`: SIZE in bytes with an optional unit
 * (256MB, 1GiB…). The default follows where jobs live: `redis` with a Redis URL, `store` (the
 * embedded job store's database, kept across restarts) for embedded jobs in a data directory,
 * else `memory`. `redis` needs a Redis URL, `store` the embedded job store.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { Redis } from 'ioredis';
import { InvalidParamError } from '../errors.js';
import { MemoryCache, NoCache, RedisCache, type ResultCache } from './result-cache.js';
import { StoreCache } from './store-cache.js';

/** The memory cache's size when none is given: about a thousand pages of results. */
const DEFAULT_MEMORY_BYTES = 256 * 1024 * 1024;
/**
 * The store cache's size when none is given: a couple of thousand pages (stored as UTF-8). Kept
 * modest because the store's integrity check at start reads the whole database file.
 */
const DEFAULT_STORE_BYTES = 256 * 1024 * 1024;

export type CacheSpec =
  | { kind: 'off' }
  | { kind: 'memory'; maxBytes: number }
  | { kind: 'store'; maxBytes: number }
  | { kind: 'redis' };

const UNITS: Record<string, number> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

export function parseByteSize(name: string, text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) throw InvalidParamError(name, `expected a size like 256MB or 1GiB, got "${text}"`);
  const bytes = Math.floor(Number(match[1]) * unit);
  if (bytes < 1) throw InvalidParamError(name, `must be at least 1 byte, got "${text}"`);
  return bytes;
}

/**
 * Parses the option; `undefined` means the default: shared in Redis when there is one, else the
 * job store's database when there is one, else memory.
 */
export function parseCacheSpec(text: string | undefined, haveRedis: boolean, haveStore = false): CacheSpec {
  const value = (text ?? (haveRedis ? 'redis' : haveStore ? 'store' : 'memory')).trim();
  if (value === 'off') return { kind: 'off' };
  if (value === 'redis') {
    if (!haveRedis) throw InvalidParamError('--cache', 'redis needs --redis URL');
    return { kind: 'redis' };
  }
  const colon = value.indexOf(':');
  const kind = colon < 0 ? value : value.slice(0, colon);
  const size = colon < 0 ? undefined : value.slice(colon + 1);
  if (kind === 'memory') return { kind, maxBytes: size === undefined ? DEFAULT_MEMORY_BYTES : parseByteSize('--cache', size) };
  if (kind === 'store') {
    if (!haveStore) throw InvalidParamError('--cache', 'store needs the embedded job store (a data directory, no --redis)');
    return { kind, maxBytes: size === undefined ? DEFAULT_STORE_BYTES : parseByteSize('--cache', size) };
  }
  throw InvalidParamError('--cache', `expected off, memory[:SIZE], store[:SIZE] or redis, got "${value}"`);
}

/** Where each cache keeps its entries, and what bounds their age. */
export interface CacheBackends {
  readonly redis?: Redis | undefined;
  /** The embedded job store's connection (SqliteJobStore.database). */
  readonly database?: DatabaseSync | undefined;
  /** Entries live this long (Redis, store). */
  readonly ttlSeconds: number;
  /** A store cache's read or write that failed and was skipped (a full disk). */
  readonly onError?: (err: unknown, action: 'read' | 'write') => void;
}

export function createResultCache(spec: CacheSpec, backends: CacheBackends): ResultCache {
  if (spec.kind === 'off') return new NoCache();
  if (spec.kind === 'memory') return new MemoryCache(spec.maxBytes);
  if (spec.kind === 'store') {
    if (!backends.database) throw InvalidParamError('--cache', 'store needs the embedded job store (a data directory, no --redis)');
    return new StoreCache({
      database: backends.database,
      maxBytes: spec.maxBytes,
      maxAgeMs: backends.ttlSeconds * 1000,
      ...(backends.onError ? { onError: backends.onError } : {}),
    });
  }
  if (!backends.redis) throw InvalidParamError('--cache', 'redis needs --redis URL');
  return new RedisCache(backends.redis, backends.ttlSeconds);
}
