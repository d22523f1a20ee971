/**
 * Shared set-up for the pool tests: a real pool of CPU worker processes on the fixture model,
 * small real PNG pages made with sharp, and waits on the pool's own events (never a poll or a sleep).
 */
import sharp from 'sharp';
import { resolveConfig, type Config, type OptionName } from '../../src/config.js';
import { createPool, type PoolOptions } from '../../src/pool/index.js';
import type { DeviceState, LayoutPool, PageInput, PoolEvents } from '../../src/pool/types.js';
import { faultyWorkers, type WorkerFaults } from '../fixtures/faulty-workers.js';
import { writeFixtureModel } from '../fixtures/fixture-model.js';

/** Fast heartbeats and restarts so recovery tests finish in seconds; one thread per worker. */
export function poolConfig(overrides: Partial<Record<OptionName, unknown>> = {}): Config {
  return resolveConfig({
    devices: 'cpu',
    cpuThreads: 1,
    maxQueueDelayMs: 1,
    heartbeatIntervalMs: 100,
    restartBackoffMs: 50,
    gpuTelemetryMs: 0,
    ...overrides,
  }, {});
}

let fixturePath: string | undefined;
export function fixtureModel(): string {
  fixturePath ??= writeFixtureModel({ variant: 'v3' });
  return fixturePath;
}

let pngBytes: Buffer | undefined;
/** A small real PNG page (white, one dark block), encoded once per test process. */
export async function page(name = 'page.png'): Promise<PageInput> {
  pngBytes ??= await sharp({ create: { width: 240, height: 320, channels: 3, background: '#ffffff' } })
    .composite([{ input: { create: { width: 120, height: 40, channels: 3, background: '#202020' } }, left: 40, top: 60 }])
    .png()
    .toBuffer();
  return { source: { kind: 'image', bytes: pngBytes }, name };
}

export async function pages(count: number, prefix = 'page'): Promise<PageInput[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => page(`${prefix}-${i}.png`)));
}

/** The next `event` the pool emits that `match` accepts (the first one by default). */
export function nextEvent<E extends keyof PoolEvents>(pool: LayoutPool, event: E, match: (payload: PoolEvents[E]) => boolean = () => true): Promise<PoolEvents[E]> {
  return new Promise((resolve) => {
    const listener = (payload: PoolEvents[E]): void => {
      if (!match(payload)) return;
      pool.off(event, listener);
      resolve(payload);
    };
    pool.on(event, listener);
  });
}

/**
 * Resolves once device `index` is in `state` (at once if it is now). Checked again on every
 * state change and every answered batch: the pool reports ready ↔ busy flips only in snapshots.
 * Rejects if the device fails while another state is awaited.
 */
/**
 * Waits until `check` holds (state with no event of its own, e.g. queue depth after analyze);
 * re-checked every 20 ms, fails with `what` after `timeoutMs`. Prefer nextEvent/untilState.
 */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function untilState(pool: LayoutPool, index: number, state: DeviceState): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const now = pool.snapshot().devices[index]?.state;
      if (now !== state && now !== 'failed') return;
      pool.off('device-state', check);
      pool.off('batch', check);
      if (now === state) resolve();
      else reject(new Error(`device ${index} failed while awaiting '${state}': ${pool.snapshot().devices[index]?.lastError?.message}`));
    };
    pool.on('device-state', check);
    pool.on('batch', check);
    check();
  });
}

/** A pool whose every device is ready (ready() alone resolves on the first one). */
export async function startPool(
  overrides: Partial<Record<OptionName, unknown>> = {},
  extra: Omit<PoolOptions, 'config' | 'modelPath'> & { modelPath?: string; faults?: Readonly<Record<number, WorkerFaults>> } = {},
): Promise<LayoutPool> {
  const { faults, ...rest } = extra;
  const pool = await createPool({
    config: poolConfig(overrides),
    modelPath: extra.modelPath ?? fixtureModel(),
    ...rest,
    ...(faults ? { workerEntry: faultyWorkers(faults) } : {}),
  });
  await pool.ready();
  await Promise.all(pool.snapshot().devices.map((_, index) => untilState(pool, index, 'ready')));
  return pool;
}

/** Settles every promise and splits the outcomes; never throws. */
export async function settleAll<T>(promises: readonly Promise<T>[]): Promise<{ values: T[]; errors: unknown[] }> {
  const outcomes = await Promise.allSettled(promises);
  return {
    values: outcomes.filter((o): o is PromiseFulfilledResult<Awaited<T>> => o.status === 'fulfilled').map((o) => o.value as T),
    errors: outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason),
  };
}

export function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
