/**
 * When a live worker counts as hung: silent past the watchdog timeout (a wedged process), or one
 * inference running past its limit while heartbeats still come (a wedged session or driver call).
 * The WorkerHandle feeds it what the worker says and kills the process when it names a reason.
 */
import type { Config } from '../config.js';

/**
 * Loading a model blocks the worker's thread (no heartbeats); creating a CUDA/TensorRT session
 * can take tens of seconds, so a starting worker gets at least this long, ms.
 */
const STARTUP_WATCHDOG_MS = 120_000;
/**
 * maxRunMs auto: a run this many times slower per page than the slowest one seen (warm-up
 * included) is a hang, not a slow batch; never under the floor, ms, so a noisy machine or a
 * first large batch does not trip it.
 */
const AUTO_RUN_LIMIT_FACTOR = 10;
const AUTO_RUN_LIMIT_FLOOR_MS = 10_000;

export class WorkerWatchdog {
  readonly #config: Config;
  #lastHeardAt = 0;
  /** Slowest session.run per page seen on this process, ms (seeds the auto run limit). */
  #slowestRunPerPageMs = 0;

  constructor(config: Config) {
    this.#config = config;
  }

  /** How often to check, ms: often enough to catch a silence within a quarter of its limit. */
  get checkEveryMs(): number {
    return Math.max(10, Math.min(this.#config.heartbeatIntervalMs, this.#config.watchdogTimeoutMs / 4));
  }

  /** A new process: its silence and run history start over. */
  restart(): void {
    this.#lastHeardAt = Date.now();
    this.#slowestRunPerPageMs = 0;
  }

  /** Any message from the worker proves it alive. */
  heard(): void {
    this.#lastHeardAt = Date.now();
  }

  /** A finished run (or the warm-up) of `pages` pages: later runs are measured against it. */
  ran(runMs: number, pages: number): void {
    if (runMs > 0) this.#slowestRunPerPageMs = Math.max(this.#slowestRunPerPageMs, runMs / Math.max(1, pages));
  }

  /** Why a worker this quiet counts as wedged, or undefined. */
  silence(starting: boolean): string | undefined {
    const silentMs = Date.now() - this.#lastHeardAt;
    const limitMs = starting ? Math.max(this.#config.watchdogTimeoutMs, STARTUP_WATCHDOG_MS) : this.#config.watchdogTimeoutMs;
    return silentMs > limitMs ? `no heartbeat for ${silentMs} ms (watchdog ${limitMs} ms)` : undefined;
  }

  /** Why an inference running this long counts as hung, or undefined. */
  stuckRun(runningForMs: number, pages: number): string | undefined {
    if (runningForMs <= 0) return undefined;
    const limitMs = this.#config.maxRunMs > 0
      ? this.#config.maxRunMs
      : Math.max(AUTO_RUN_LIMIT_FLOOR_MS, AUTO_RUN_LIMIT_FACTOR * this.#slowestRunPerPageMs * Math.max(1, pages));
    return runningForMs > limitMs ? `inference of ${pages} page(s) running for ${runningForMs} ms (maxRunMs ${limitMs} ms)` : undefined;
  }
}
