/**
 * A model reload, one device at a time and all or nothing: stop dispatching to a device, let its
 * batches finish, restart it on the new model, wait until it serves, then the next. If any device
 * fails to load the new model, that device and every device already switched go back to the
 * model each had (one at a time again, so the others keep serving), and the reload throws the
 * error: either every device runs the new model or every device runs the old one, and a bad file
 * never takes the pool down.
 */
import type { LayoutError } from '../errors.js';
import type { Device } from './device.js';
import type { PoolModel } from './types.js';

/** What a reload needs from its pool. */
interface ReloadContext {
  /** Resolves at the pool's next settlement or exit (a device may have emptied). */
  nextIdle(): Promise<void>;
  /** Throws once the pool is closing: a reload racing close() must not start workers again. */
  assertOpen(): void;
  /** Dispatch again: the device serves (or is back) and may take work. */
  pump(): void;
}

/** Drains `device`, restarts it on `model`, and waits until it serves; resolves with the failure, if any. */
async function restartOn(device: Device, model: PoolModel, pool: ReloadContext): Promise<LayoutError | undefined> {
  device.reloading = true;
  try {
    while (device.hasBatch) await pool.nextIdle();
    pool.assertOpen();
    await device.handle.stop();
    pool.assertOpen();
    return await device.handle.start(model).then(() => undefined, (err: LayoutError) => err);
  } finally {
    device.reloading = false;
    pool.pump();
  }
}

/** `model` undefined: each device reloads the model it runs (a file replaced on disk). */
export async function reloadDevices(devices: readonly Device[], model: PoolModel | undefined, pool: ReloadContext): Promise<void> {
  pool.assertOpen();
  /** Devices moved to the new model so far, with the model each had. */
  const switched: Array<{ device: Device; previous: PoolModel }> = [];
  for (const device of devices) {
    const wasServing = device.handle.state !== 'failed';
    if (!wasServing && !model) continue;
    const previous = device.handle.model;
    const failure = await restartOn(device, model ?? previous, pool);
    // A device that could not start before is no reason to refuse the model: it stays failed.
    if (!failure || !wasServing) {
      switched.push({ device, previous });
      continue;
    }
    // All or nothing: this device and the ones already switched go back, each to what it ran.
    for (const back of [{ device, previous }, ...switched]) {
      pool.assertOpen();
      await restartOn(back.device, back.previous, pool);
    }
    throw failure;
  }
}
