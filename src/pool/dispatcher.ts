/**
 * Least-outstanding-work dispatch weighted by speed: a device's cost for one more page is
 * (pages it holds + 1) × its EWMA per-page service time, so a device twice as fast gets about
 * twice the pages. Ties go round-robin. The EWMA is kept here, per device index.
 */

/** Weight of the newest sample in the per-page service-time average. */
const EWMA_ALPHA = 0.3;

export interface DispatchCandidate {
  readonly index: number;
  /** Pages the device holds now (its batch in flight). */
  readonly outstanding: number;
}

export class Dispatcher {
  readonly #ewmaMs: Array<number | undefined>;
  #cursor = 0;

  constructor(deviceCount: number) {
    this.#ewmaMs = new Array(deviceCount).fill(undefined);
  }

  ewma(index: number): number | undefined {
    return this.#ewmaMs[index];
  }

  /** Mean of the known averages; what a device with no history is assumed to cost. */
  #defaultMs(): number {
    const known = this.#ewmaMs.filter((v): v is number => v !== undefined);
    return known.length === 0 ? 1 : known.reduce((a, b) => a + b, 0) / known.length;
  }

  record(index: number, perPageMs: number): void {
    const previous = this.#ewmaMs[index];
    this.#ewmaMs[index] = previous === undefined ? perPageMs : previous + EWMA_ALPHA * (perPageMs - previous);
  }

  /** Seconds until `queued` pages are served by `serving` devices at their mean pace (1 s a page before any is known). */
  retryAfterSeconds(queued: number, serving: number): number {
    const known = this.#ewmaMs.filter((v): v is number => v !== undefined);
    const meanMs = known.length ? known.reduce((a, b) => a + b, 0) / known.length : 1000;
    return Math.max(1, Math.ceil((queued * meanMs) / Math.max(1, serving) / 1000));
  }

  /** The device that would finish one more page soonest, or undefined when there is none. */
  pick(candidates: readonly DispatchCandidate[]): number | undefined {
    if (candidates.length === 0) return undefined;
    const fallback = this.#defaultMs();
    let best: number | undefined;
    let bestCost = Infinity;
    const n = candidates.length;
    // Start after the last winner so equal costs rotate.
    for (let k = 0; k < n; k++) {
      const candidate = candidates[(this.#cursor + k) % n]!;
      const cost = (candidate.outstanding + 1) * (this.#ewmaMs[candidate.index] ?? fallback);
      if (cost < bestCost) {
        bestCost = cost;
        best = candidate.index;
      }
    }
    this.#cursor = (candidates.findIndex((c) => c.index === best) + 1) % n;
    return best;
  }
}
