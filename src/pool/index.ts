export { createPool, DevicePool, type PoolOptions } from './pool.js';
export { poolConfig, type PoolConfig } from './pool-config.js';
export { parseDevices, detectNvidiaGpus, type DeviceSpec } from './devices.js';
export type * from './types.js';
