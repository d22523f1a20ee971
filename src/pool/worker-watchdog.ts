/**
 * When a live worker counts as hung: silent past the watchdog timeout (a wedged process), or one
 * inference running past its limit while heartbeats still come (a wedged session or driver call).
 * The WorkerHandle feeds it what the worker says and kills the process when it names a reason.
 */
import type { PoolConfig } from './pool-config.js';

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
/**
 * Idle heartbeats in a row above the idle RSS bound before a recycle: one reading may catch
 * garbage the next collection frees; memory still held a beat later is kept.
 */
const IDLE_BLOATED_BEATS = 2;

export class WorkerWatchdog {
  readonly #config: PoolConfig;
  #lastHeardAt = 0;
  /** Slowest session.run per page seen on this process, ms (seeds the auto run limit). */
  #slowestRunPerPageMs = 0;
  /** RSS when the process became ready (model loaded, warmed up), MiB; undefined before. */
  #readyRssMb: number | undefined;
  #idleBloatedBeats = 0;

  constructor(config: PoolConfig) {
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
    this.#readyRssMb = undefined;
    this.#idleBloatedBeats = 0;
  }

  /** The process serves: its RSS now is the baseline idle memory is measured against. */
  ready(rssMb: number): void {
    this.#readyRssMb = rssMb;
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

  /**
   * Why an idle worker at this RSS should be replaced, or undefined: it held nothing for
   * IDLE_BLOATED_BEATS heartbeats in a row while above its ready RSS + idleRecycleMarginMb —
   * memory a pathological document left behind (pdf.js caches, canvases, arenas) that an idle
   * process would otherwise keep for good. Replacing it costs a model load, never a request.
   */
  idleBloat(rssMb: number, idle: boolean): string | undefined {
    const margin = this.#config.idleRecycleMarginMb;
    const baseline = this.#readyRssMb;
    if (!idle || margin <= 0 || baseline === undefined || rssMb <= baseline + margin) {
      this.#idleBloatedBeats = 0;
      return undefined;
    }
    this.#idleBloatedBeats += 1;
    return this.#idleBloatedBeats >= IDLE_BLOATED_BEATS ? `idle RSS ${rssMb} MiB > ${baseline} MiB at ready + ${margin} MiB` : undefined;
  }
}
