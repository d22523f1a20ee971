/**
 * How long a device waits before its next worker process: no time after a planned exit (a
 * recycle), and after a crash a delay that doubles with each crash in a row — so a worker that
 * dies at once does not spin — reset once a process has stayed up HEALTHY_AFTER_MS.
 */
import { RESTART_BACKOFF_MAX_MS } from '../config.js';

/** A worker that stays up this long after a restart has its backoff reset, ms. */
const HEALTHY_AFTER_MS = 30_000;

export class RestartBackoff {
  /** The first crash's delay (restartBackoffMs), ms. */
  readonly #firstMs: number;
  #crashesInARow = 0;
  #startedAt = 0;

  constructor(firstMs: number) {
    this.#firstMs = firstMs;
  }

  /** A new process started now. */
  started(): void {
    this.#startedAt = Date.now();
  }

  /** The process served a result: one up HEALTHY_AFTER_MS has its crash streak forgiven. */
  served(): void {
    if (Date.now() - this.#startedAt > HEALTHY_AFTER_MS) this.#crashesInARow = 0;
  }

  /** The delay before the next process, ms; a crash (not `planned`) also lengthens the next one. */
  nextDelayMs(planned: boolean): number {
    if (planned) return 0;
    const firstMs = this.#firstMs;
    const delayMs = Math.min(Math.max(RESTART_BACKOFF_MAX_MS, firstMs), firstMs * 2 ** this.#crashesInARow);
    this.#crashesInARow += 1;
    return delayMs;
  }
}
