/**
 * Latency summaries with nearest-rank percentiles (an observed value, never an interpolation):
 * with 20 samples, p95 is the 19th slowest, which is what a reader of "p95" expects.
 */
import { nearestRank } from '../util/percentile.js';

export interface LatencySummary {
  readonly count: number;
  readonly min: number | null;
  readonly mean: number | null;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

export { nearestRank };

const round1 = (v: number | null): number | null => (v === null ? null : Math.round(v * 10) / 10);

export function summarizeLatencies(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.length === 0 ? null : sorted.reduce((s, v) => s + v, 0) / sorted.length;
  return {
    count: sorted.length,
    min: round1(sorted[0] ?? null),
    mean: round1(mean),
    p50: round1(nearestRank(sorted, 50)),
    p90: round1(nearestRank(sorted, 90)),
    p95: round1(nearestRank(sorted, 95)),
    p99: round1(nearestRank(sorted, 99)),
    max: round1(sorted[sorted.length - 1] ?? null),
  };
}
