export { createPool, type PoolOptions } from './pool.js';
export { poolConfig, type PoolConfig } from './pool-config.js';
export { parseDevices, type DeviceSpec } from './devices.js';
export type * from './types.js';
