/**
 * The options the pool reads, and nothing else of the service's configuration: what a pool needs
 * is visible in one type, and a pool can be built (tests, benches, embedding) without a whole
 * Config. Defaults, units and flags stay in src/config.ts, as for every option.
 */
import type { Config } from '../config.js';

const POOL_OPTION_NAMES = [
  'devices', 'cpuThreads', 'prepThreads', 'interactiveLane',
  'maxBatch', 'maxPixels', 'maxQueue', 'maxQueueDelayMs', 'maxRetries', 'priorityAgingMs', 'requestTimeoutMs',
  'heartbeatIntervalMs', 'watchdogTimeoutMs', 'maxRunMs', 'restartBackoffMs',
  'recycleAfterPages', 'recycleRssMb', 'idleRecycleMarginMb',
] as const satisfies ReadonlyArray<keyof Config>;

export type PoolConfig = Pick<Config, (typeof POOL_OPTION_NAMES)[number]>;

/** The pool's options out of the service's configuration: a frozen copy of only those. */
export function poolConfig(config: PoolConfig): PoolConfig {
  return Object.freeze(Object.fromEntries(POOL_OPTION_NAMES.map((name) => [name, config[name]]))) as PoolConfig;
}
