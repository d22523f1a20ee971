/**
 * Redis connections. BullMQ opens its own (a worker needs a blocking one) from the options made
 * here; our stores share one client per process. `maxRetriesPerRequest: null` makes commands
 * wait through a Redis restart instead of failing: a run carries on once Redis is back.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { InvalidParamError } from '../errors.js';

/** Longest wait between reconnection attempts while Redis is down, ms. */
const MAX_RECONNECT_DELAY_MS = 2_000;

/**
 * ioredis options that BullMQ accepts too: BullMQ types `retryStrategy` as a function, where
 * ioredis also allows null (never reconnect) — ours always reconnects.
 */
export type ClusterRedisOptions = RedisOptions & { retryStrategy(times: number): number };

export function redisOptions(url: string): ClusterRedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw InvalidParamError('--redis', `expected redis://HOST:PORT[/DB], got "${url}"`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw InvalidParamError('--redis', `expected a redis:// or rediss:// URL, got "${url}"`);
  }
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw InvalidParamError('--redis', `bad database number in "${url}"`);
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
    db,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(times * 100, MAX_RECONNECT_DELAY_MS),
  };
}

export function createRedis(url: string): Redis {
  return new Redis(redisOptions(url));
}
