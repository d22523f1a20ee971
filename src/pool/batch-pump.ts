/**
 * The pool's dispatch loop: moves queued pages to devices as batches — idle interactive lanes
 * first, then the device the dispatcher picks (speed-weighted least outstanding) — with dynamic
 * batching: while other work is in flight, a short batch waits up to maxQueueDelayMs to fill.
 */
import { performance } from 'node:perf_hooks';
import type { Admission } from './admission.js';
import type { Device } from './device.js';
import type { Dispatcher } from './dispatcher.js';
import type { PoolConfig } from './pool-config.js';

/**
 * Batches a device may have waiting in its pipeline (sent, run not begun) when the next one
 * carries batch pages: one, prepared while the current run goes on, so the device never waits for
 * a batch page's decode. Interactive pages use the full lookahead, and the worker runs an
 * interactive batch before a batch-class one waiting there: only the run in progress is ahead.
 */
const BATCH_CLASS_LOOKAHEAD = 1;

export class BatchPump {
  readonly #devices: readonly Device[];
  readonly #admission: Admission;
  readonly #dispatcher: Dispatcher;
  readonly #config: PoolConfig;
  /** No device outside the lanes takes work: the pool decides what becomes of the queue. */
  readonly #onNoDevice: () => void;
  #batchCounter = 0;
  #delayTimer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(devices: readonly Device[], admission: Admission, dispatcher: Dispatcher, config: PoolConfig, onNoDevice: () => void) {
    this.#devices = devices;
    this.#admission = admission;
    this.#dispatcher = dispatcher;
    this.#config = config;
    this.#onNoDevice = onNoDevice;
  }

  /** Sends every batch the devices can take now; called whenever a page or a device frees up. */
  pump(): void {
    if (this.#stopped) return;
    this.#pumpLanes();
    const queue = this.#admission.queue;
    while (queue.size > 0) {
      const alive = this.#devices.filter((d) => d.accepting && !d.interactiveOnly);
      if (alive.length === 0) {
        this.#onNoDevice();
        return;
      }
      const index = this.#dispatcher.pick(alive.map((d) => ({ index: d.index, outstanding: d.outstanding })));
      const device = index === undefined ? undefined : this.#devices[index];
      // The best device is full: waiting for it beats sending work to a slower one.
      if (!device || !device.canTakeBatch) return;
      const limit = device.maxBatch;
      const take = { batchClass: device.waitingBatches < BATCH_CLASS_LOOKAHEAD };
      if (!queue.peek(take)) return;
      // Dynamic batching: when other work is in flight, give a short batch a moment to fill.
      // An idle pool sends at once, so a lone request sees no added latency.
      if (queue.size < limit && this.#devices.some((d) => d.hasBatch) && this.#config.maxQueueDelayMs > 0) {
        const waitedMs = performance.now() - queue.peek(take)!.enqueuedAt;
        if (waitedMs < this.#config.maxQueueDelayMs) {
          clearTimeout(this.#delayTimer);
          this.#delayTimer = setTimeout(() => this.pump(), this.#config.maxQueueDelayMs - waitedMs + 1);
          return;
        }
      }
      const now = performance.now();
      device.send(++this.#batchCounter, this.#admission.take(limit, take, now), now);
    }
  }

  /** The pool closed: nothing more is sent, and a batch waiting to fill waits no more. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#delayTimer);
  }

  /**
   * Interactive lanes first: an idle lane takes the next interactive page, so it runs beside (and
   * at a higher priority than) the batch page its device may be running. Devices still take
   * interactive pages as before when every lane is busy.
   */
  #pumpLanes(): void {
    for (const lane of this.#devices) {
      if (!lane.interactiveOnly || !lane.accepting || lane.hasBatch) continue;
      if (this.#admission.queue.sizeOf('interactive') === 0) return;
      const now = performance.now();
      lane.send(++this.#batchCounter, this.#admission.take(1, { batchClass: false }, now), now);
    }
  }
}
