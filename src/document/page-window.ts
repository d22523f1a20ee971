/**
 * A bound on pages in flight: a page takes a slot before it is rendered and gives it back when
 * its result (and overlay) is done. One window may be shared by many documents — the CLI shares
 * one across all its files, so files in flight × pages per file can never exceed it.
 */
import { pageWindowPages } from '../config.js';

export class PageWindow {
  readonly size: number;
  #used = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`page window size must be a positive integer, got ${size}`);
    this.size = size;
  }

  /** Enough pages to fill every device's batch, with a floor so rendering overlaps inference. */
  static forCapacity(capacity: number): PageWindow {
    return new PageWindow(Math.min(pageWindowPages.max, Math.max(pageWindowPages.min, Math.floor(capacity))));
  }

  get inUse(): number {
    return this.#used;
  }

  /** Waits for a free slot; rejects with the signal's reason if it aborts first. Call the returned release once. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.#used >= this.size) {
      await new Promise<void>((resolve, reject) => {
        const wake = (): void => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = (): void => {
          const at = this.#waiting.indexOf(wake);
          if (at >= 0) this.#waiting.splice(at, 1);
          reject(signal!.reason);
        };
        this.#waiting.push(wake);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    } else {
      this.#used++;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // The slot passes straight to the next waiter, so #used only drops when nobody waits.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#used--;
    };
  }
}
