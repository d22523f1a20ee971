/**
 * Throughput and latency percentiles over the last minute, for `/v1/status` and the dashboard.
 * Prometheus has the long-term view; this is the "what is it doing right now" figure that needs
 * no Prometheus. Memory is bounded: one counter per second and at most `maxSamples` latencies.
 */
import { nearestRank } from '../util/percentile.js';

interface RollingSnapshot {
  /** Pages answered per second over the window (or since start, if younger). */
  readonly pagesPerSec: number;
  /** Per-page latency (queue + service), ms; null before the first page. */
  readonly latencyMs: { readonly p50: number | null; readonly p95: number | null; readonly p99: number | null };
}

interface RollingStatsOptions {
  readonly windowMs?: number;
  /** Latency samples kept; older ones in the window are dropped first when it overflows. */
  readonly maxSamples?: number;
  readonly now?: () => number;
}

const SECOND_MS = 1000;

export class RollingStats {
  readonly #windowMs: number;
  readonly #maxSamples: number;
  readonly #now: () => number;
  readonly #startedAt: number;
  /** Pages per whole second, keyed by epoch second. */
  readonly #perSecond = new Map<number, number>();
  /** [timestamp ms, latency ms] in arrival order. */
  #samples: Array<[number, number]> = [];

  constructor(options: RollingStatsOptions = {}) {
    this.#windowMs = options.windowMs ?? 60 * SECOND_MS;
    this.#maxSamples = options.maxSamples ?? 20_000;
    this.#now = options.now ?? Date.now;
    this.#startedAt = this.#now();
  }

  /** One page answered after `latencyMs`. */
  record(latencyMs: number): void {
    const now = this.#now();
    const second = Math.floor(now / SECOND_MS);
    this.#perSecond.set(second, (this.#perSecond.get(second) ?? 0) + 1);
    this.#samples.push([now, latencyMs]);
    if (this.#samples.length > this.#maxSamples * 1.5) this.#samples = this.#samples.slice(-this.#maxSamples);
    this.#evict(now);
  }

  #evict(now: number): void {
    const oldestSecond = Math.floor((now - this.#windowMs) / SECOND_MS);
    for (const second of this.#perSecond.keys()) {
      if (second <= oldestSecond) this.#perSecond.delete(second);
    }
    let drop = 0;
    while (drop < this.#samples.length && this.#samples[drop]![0] < now - this.#windowMs) drop++;
    if (drop > 0) this.#samples.splice(0, drop);
  }

  snapshot(): RollingSnapshot {
    const now = this.#now();
    this.#evict(now);
    let pages = 0;
    for (const count of this.#perSecond.values()) pages += count;
    const spanMs = Math.max(SECOND_MS, Math.min(this.#windowMs, now - this.#startedAt));
    const latencies = this.#samples.slice(-this.#maxSamples).map(([, ms]) => ms).sort((a, b) => a - b);
    const round = (v: number | null): number | null => (v === null ? null : Math.round(v * 10) / 10);
    return {
      pagesPerSec: Math.round((pages / (spanMs / SECOND_MS)) * 100) / 100,
      latencyMs: { p50: round(nearestRank(latencies, 50)), p95: round(nearestRank(latencies, 95)), p99: round(nearestRank(latencies, 99)) },
    };
  }
}
