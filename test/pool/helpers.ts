/**
 * Shared set-up for the pool tests: a real pool of CPU worker processes on the fixture model,
 * small real PNG pages made with sharp, and a bounded poll for asynchronous state.
 */
import sharp from 'sharp';
import { resolveConfig, type Config, type OptionName } from '../../src/config.js';
import { createPool, type PoolOptions } from '../../src/pool/index.js';
import type { LayoutPool, PoolEvents, PoolInput, PoolSnapshot } from '../../src/pool/types.js';
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
export async function page(name = 'page.png'): Promise<PoolInput> {
  pngBytes ??= await sharp({ create: { width: 240, height: 320, channels: 3, background: '#ffffff' } })
    .composite([{ input: { create: { width: 120, height: 40, channels: 3, background: '#202020' } }, left: 40, top: 60 }])
    .png()
    .toBuffer();
  return { bytes: pngBytes, name };
}

export async function pages(count: number, prefix = 'page'): Promise<PoolInput[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => page(`${prefix}-${i}.png`)));
}

/** Polls `check` every 20 ms; fails with `what` after `timeoutMs`. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
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

export const allReady = (snapshot: PoolSnapshot): boolean => snapshot.devices.every((d) => d.state === 'ready');

/** A pool whose every device is ready (ready() alone resolves on the first one). */
export async function startPool(
  overrides: Partial<Record<OptionName, unknown>> = {},
  extra: Omit<PoolOptions, 'config' | 'modelPath'> & { modelPath?: string } = {},
): Promise<LayoutPool> {
  const pool = await createPool({ config: poolConfig(overrides), modelPath: extra.modelPath ?? fixtureModel(), ...extra });
  await pool.ready();
  await waitFor(() => allReady(pool.snapshot()), 'every device ready');
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
