/**
 * Refuses new work while the event loop lags (PDF rasterisation, a GC storm, a CPU-starved
 * container): a request accepted now would only time out later, and every accepted request slows
 * the health probes too.
 *
 * The lag is timer drift: a 20 ms ticker records how late each tick fires, and a period's lag is
 * the worst delay seen in it — including the tick that is overdue right now. (perf_hooks'
 * monitorEventLoopDelay drops the first delay after each `reset()`, which can be the very block
 * we are looking for; its percentiles still reach /metrics through prom-client's default
 * `nodejs_eventloop_lag_*` metrics.)
 */
import { performance } from 'node:perf_hooks';

/** Ticker period, ms: the finest lag we can see, at ~50 wake-ups a second. */
const TICK_MS = 20;
/** How often the lag figure is refreshed, ms: fast enough to shed within a second of trouble. */
const SAMPLE_INTERVAL_MS = 500;

export class LoadShedder {
  readonly #maxLagMs: number;
  readonly #ticker: NodeJS.Timeout;
  readonly #sampler: NodeJS.Timeout;
  #lastTickAt = performance.now();
  /** Worst tick delay since the last sample, ms. */
  #windowMaxMs = 0;
  #lagMs = 0;
  /** The sample before the latest: shedding holds for one more period after a spike (hysteresis). */
  #previousLagMs = 0;
  #closed = false;

  /**
   * `maxLagMs` 0 turns shedding off (the lag is still measured for /metrics). Tests pass a long
   * `sampleIntervalMs` and call `sample()` themselves.
   */
  constructor(maxLagMs: number, options: { sampleIntervalMs?: number } = {}) {
    this.#maxLagMs = maxLagMs;
    this.#ticker = setInterval(() => {
      const now = performance.now();
      this.#windowMaxMs = Math.max(this.#windowMaxMs, now - this.#lastTickAt - TICK_MS);
      this.#lastTickAt = now;
    }, TICK_MS);
    this.#sampler = setInterval(() => this.sample(), options.sampleIntervalMs ?? SAMPLE_INTERVAL_MS);
    // Measuring must never keep a finished process alive.
    this.#ticker.unref();
    this.#sampler.unref();
  }

  /** Closes the current period: its lag is the worst tick delay in it, or the overdue tick's. */
  sample(): number {
    if (this.#closed) return this.#lagMs;
    const now = performance.now();
    const overdueMs = now - this.#lastTickAt - TICK_MS;
    // Counted here, so the late tick must not count it again in the next period.
    if (overdueMs > 0) this.#lastTickAt = now - TICK_MS;
    this.#previousLagMs = this.#lagMs;
    this.#lagMs = Math.max(0, this.#windowMaxMs, overdueMs);
    this.#windowMaxMs = 0;
    return this.#lagMs;
  }

  /**
   * Forgets what was measured so far. Called once the server is ready: building it (route
   * compilation, plugins, module loading on a starved CPU) blocks the loop once and is not load;
   * counted, it would refuse the first requests of a server that just became ready.
   */
  restart(): void {
    this.#lastTickAt = performance.now();
    this.#windowMaxMs = 0;
    this.#lagMs = 0;
    this.#previousLagMs = 0;
  }

  get lagMs(): number {
    return this.#lagMs;
  }

  /** True while new requests should get 503: the lag of either of the last two periods was too high. */
  get overloaded(): boolean {
    return this.overloadedLagMs !== undefined;
  }

  /**
   * The reading the shedding decision was made on — the worse of the last two periods — or
   * undefined when not shedding. A refusal must quote this one, not the latest period's (which,
   * during the hysteresis period, is the small lag after the spike: "lag 18 ms > 1000 ms").
   */
  get overloadedLagMs(): number | undefined {
    const worst = Math.max(this.#lagMs, this.#previousLagMs);
    return this.#maxLagMs > 0 && worst > this.#maxLagMs ? worst : undefined;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#ticker);
    clearInterval(this.#sampler);
  }
}
