/**
 * Where finished page results are kept for reuse: nowhere (`off`), an in-process LRU bounded by
 * bytes (`memory:SIZE`), Redis shared by every worker and server (`redis`), or the embedded job
 * store's database (`store:SIZE`, store-cache.ts). A hit skips the devices. Each cache counts its
 * own hits and misses for /metrics; an entry that does not read back as a page result is a miss.
 */
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { PageResult } from '../model/index.js';

export interface CacheStats {
  readonly kind: 'off' | 'memory' | 'redis' | 'store';
  readonly hits: number;
  readonly misses: number;
  /** Entries and bytes held (the memory and store caches). */
  readonly entries?: number;
  readonly bytes?: number;
}

export interface ResultCache {
  readonly kind: CacheStats['kind'];
  get(key: string): Promise<PageResult | undefined>;
  set(key: string, result: PageResult): Promise<void>;
  stats(): CacheStats;
}

/** Results are stored without what describes one run rather than the page (device, timing). */
export function cacheable(result: PageResult & { device?: string; deviceIndex?: number }): PageResult {
  const { device: _device, deviceIndex: _deviceIndex, ...rest } = result;
  return rest as PageResult;
}

/** The stored text as a page result; undefined when it is not one (a damaged entry). */
function parseResult(raw: string): PageResult | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const result = value as Partial<PageResult> | null;
  const shaped = typeof result === 'object' && result !== null && Array.isArray(result.regions) && typeof result.input === 'object' && result.input !== null;
  return shaped ? (result as PageResult) : undefined;
}

export abstract class CountingCache implements ResultCache {
  abstract readonly kind: CacheStats['kind'];
  protected hits = 0;
  protected misses = 0;

  async get(key: string): Promise<PageResult | undefined> {
    const raw = await this.read(key);
    const result = raw === undefined ? undefined : parseResult(raw);
    if (!result) {
      // A damaged entry is dropped, so the page's fresh result can take its place.
      if (raw !== undefined) await this.discard(key);
      this.misses += 1;
      return undefined;
    }
    this.hits += 1;
    return result;
  }

  set(key: string, result: PageResult): Promise<void> {
    return this.write(key, JSON.stringify(cacheable(result)));
  }

  stats(): CacheStats {
    return { kind: this.kind, hits: this.hits, misses: this.misses };
  }

  protected abstract read(key: string): Promise<string | undefined>;
  protected abstract write(key: string, value: string): Promise<void>;
  protected abstract discard(key: string): Promise<void>;
}

export class NoCache implements ResultCache {
  readonly kind = 'off' as const;
  get(): Promise<undefined> {
    return Promise.resolve(undefined);
  }
  set(): Promise<void> {
    return Promise.resolve();
  }
  stats(): CacheStats {
    return { kind: 'off', hits: 0, misses: 0 };
  }
}

export class MemoryCache extends CountingCache {
  readonly kind = 'memory' as const;
  readonly #lru: LRUCache<string, string>;

  constructor(maxBytes: number) {
    super();
    // A JS string holds two bytes per UTF-16 unit; the key counts too.
    this.#lru = new LRUCache({ maxSize: maxBytes, sizeCalculation: (value, key) => Math.max(1, (value.length + key.length) * 2) });
  }

  protected read(key: string): Promise<string | undefined> {
    return Promise.resolve(this.#lru.get(key));
  }

  protected write(key: string, value: string): Promise<void> {
    this.#lru.set(key, value);
    return Promise.resolve();
  }

  protected discard(key: string): Promise<void> {
    this.#lru.delete(key);
    return Promise.resolve();
  }

  override stats(): CacheStats {
    return { ...super.stats(), entries: this.#lru.size, bytes: this.#lru.calculatedSize };
  }
}

/** Key prefix of cached results in Redis. */
const REDIS_PREFIX = 'doclayout-cache:';

export class RedisCache extends CountingCache {
  readonly kind = 'redis' as const;
  readonly #redis: Redis;
  readonly #ttlSeconds: number;

  constructor(redis: Redis, ttlSeconds: number) {
    super();
    this.#redis = redis;
    this.#ttlSeconds = ttlSeconds;
  }

  protected async read(key: string): Promise<string | undefined> {
    return (await this.#redis.get(REDIS_PREFIX + key)) ?? undefined;
  }

  protected async write(key: string, value: string): Promise<void> {
    await this.#redis.set(REDIS_PREFIX + key, value, 'EX', this.#ttlSeconds);
  }

  protected async discard(key: string): Promise<void> {
    await this.#redis.del(REDIS_PREFIX + key);
  }
}
