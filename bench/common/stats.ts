/**
 * The statistics every benchmark uses to compare two configurations. Machine noise (other
 * processes, thermal and frequency changes) moves whole rounds up and down, so a comparison is
 * made within a round — both sides measured back to back — and only the per-round ratios are
 * summarised: their median, and a distribution-free confidence interval for that median from
 * order statistics (no assumption about the noise's shape, exact for any number of rounds).
 * A target counts as met only when the interval's bound on the right side clears it.
 */

export const median = (values: readonly number[]): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

/** P(X ≤ k) for X ~ Binomial(n, 1/2). */
function binomialHalfCdf(k: number, n: number): number {
  let term = 0.5 ** n; // C(n, 0) / 2^n
  let sum = 0;
  for (let i = 0; i <= k; i++) {
    sum += term;
    term = (term * (n - i)) / (i + 1);
  }
  return sum;
}

export interface MedianInterval {
  readonly median: number;
  readonly low: number;
  readonly high: number;
  /** The probability that [low, high] holds the true median: exact, whatever the noise's shape. */
  readonly coverage: number;
}

/**
 * The narrowest interval [x(k), x(n+1-k)] of the sorted values that holds the true median with
 * probability ≥ `confidence` (coverage = 1 − 2·P(Binomial(n, ½) ≤ k−1)). With too few values to
 * reach it, the full range is returned and `coverage` says how much less it is: 5 rounds give
 * [min, max] at 93.8 %, 7 rounds give [2nd, 6th] at 87.5 %, 3 rounds only 75 %.
 */
export function medianInterval(values: readonly number[], confidence: number): MedianInterval {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { median: Number.NaN, low: Number.NaN, high: Number.NaN, coverage: 0 };
  let k = 1;
  while (k + 1 <= Math.floor((n + 1) / 2) && 1 - 2 * binomialHalfCdf(k, n) >= confidence) k++;
  return { median: median(sorted), low: sorted[k - 1]!, high: sorted[n - k]!, coverage: 1 - 2 * binomialHalfCdf(k - 1, n) };
}

/** How sure a benchmark wants to be before it calls a target met. */
export const CONFIDENCE = 0.85;

/** Per-round ratios of two configurations measured back to back, and their median's interval. */
export interface RatioStats {
  /** One ratio per round, in round order. */
  readonly ratios: number[];
  readonly ratioMedian: number;
  /** The confidence interval for the median ratio (see `medianInterval`). */
  readonly ratioLow: number;
  readonly ratioHigh: number;
  readonly coverage: number;
}

export interface RatioSummary extends RatioStats {
  readonly target: number;
  /** 'atLeast': met when ratioLow ≥ target; 'atMost': met when ratioHigh ≤ target. */
  readonly direction: 'atLeast' | 'atMost';
  /** Only when the interval clears the target and the rounds allow the wanted confidence. */
  readonly targetMet: boolean;
}

export function ratioStats(ratios: readonly number[]): RatioStats {
  const interval = medianInterval(ratios, CONFIDENCE);
  return {
    ratios: ratios.map((r) => round(r, 4)),
    ratioMedian: round(interval.median, 4),
    ratioLow: round(interval.low, 4),
    ratioHigh: round(interval.high, 4),
    coverage: round(interval.coverage, 4),
  };
}

/**
 * Summarises per-round ratios against a target. A run too short to reach `CONFIDENCE` (e.g. a
 * --quick smoke run) never meets its target, whatever its numbers.
 */
export function summarizeRatios(ratios: readonly number[], target: number, direction: 'atLeast' | 'atMost' = 'atLeast'): RatioSummary {
  const stats = ratioStats(ratios);
  const clears = direction === 'atLeast' ? stats.ratioLow >= target : stats.ratioHigh <= target;
  return { ...stats, target, direction, targetMet: clears && stats.coverage >= CONFIDENCE };
}

/** "1.115 [1.080, 1.140] at 87.5 %" */
export function formatStats(s: RatioStats): string {
  return `${s.ratioMedian.toFixed(3)} [${s.ratioLow.toFixed(3)}, ${s.ratioHigh.toFixed(3)}] at ${(s.coverage * 100).toFixed(1)} %`;
}

/** "0.981 [0.962, 0.994] at 87.5 %, target ≥ 0.95: met" */
export function formatRatio(s: RatioSummary): string {
  const verdict = s.targetMet ? 'met' : s.coverage < CONFIDENCE ? `NOT met (too few rounds for ${CONFIDENCE * 100} %)` : 'NOT met';
  return `${formatStats(s)}, target ${s.direction === 'atLeast' ? '≥' : '≤'} ${s.target}: ${verdict}`;
}

/**
 * The order in which round `r` (0-based) measures `items`: forward on even rounds, backward on
 * odd ones (A B C, C B A, …), so a machine that slows down or speeds up during a run favours no
 * configuration over the rounds.
 */
export function roundOrder<T>(items: readonly T[], r: number): T[] {
  return r % 2 === 0 ? [...items] : [...items].reverse();
}
