/**
 * A model reload, one device at a time: stop dispatching to it, let its batches finish, restart
 * it on the new model, wait until it serves, then the next. If the new model fails to load, that
 * device goes back to the model it had and the reload stops with the error, so a bad file never
 * takes the pool down.
 */
import type { LayoutError } from '../errors.js';
import type { Device } from './device.js';

/** What a reload needs from its pool. */
export interface ReloadContext {
  /** Resolves at the pool's next settlement or exit (a device may have emptied). */
  nextIdle(): Promise<void>;
  /** Throws once the pool is closing: a reload racing close() must not start workers again. */
  assertOpen(): void;
  /** Dispatch again: the device serves (or is back) and may take work. */
  pump(): void;
}

export async function reloadDevices(devices: readonly Device[], modelPath: string | undefined, pool: ReloadContext): Promise<void> {
  pool.assertOpen();
  for (const device of devices) {
    const handle = device.handle;
    const wasServing = handle.state !== 'failed';
    if (!wasServing && !modelPath) continue;
    const previousPath = handle.modelPath;
    device.reloading = true;
    try {
      while (device.hasBatch) await pool.nextIdle();
      pool.assertOpen();
      await handle.stop();
      pool.assertOpen();
      const failure = await handle.start(modelPath).then(() => undefined, (err: LayoutError) => err);
      if (failure && wasServing) {
        pool.assertOpen();
        await handle.start(previousPath).catch(() => {});
        throw failure;
      }
    } finally {
      device.reloading = false;
      pool.pump();
    }
  }
}
