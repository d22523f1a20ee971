/**
 * Nearest-rank percentiles (an observed value, never an interpolation): with 20 samples, p95 is
 * the 19th slowest, which is what a reader of "p95" expects. Shared by the server's rolling
 * stats and the load tool, so the dashboard and `doclayout bench` agree.
 */

/** `sorted` ascending; null when there are no samples. */
export function nearestRank(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}
