/**
 * Least-outstanding-work dispatch weighted by speed: a device's cost for one more page is
 * (pages it holds + 1) × its EWMA per-page service time, so a device twice as fast gets about
 * twice the pages. Ties go round-robin. The EWMA is kept here, per device index.
 */
import { Ewma } from '../util/ewma.js';

/** Weight of the newest sample in the per-page service-time average. */
const EWMA_WEIGHT = 0.3;

interface DispatchCandidate {
  readonly index: number;
  /** Pages the device holds now (its batch in flight). */
  readonly outstanding: number;
}

export class Dispatcher {
  readonly #ewmas: Ewma[];
  #cursor = 0;

  constructor(deviceCount: number) {
    this.#ewmas = Array.from({ length: deviceCount }, () => new Ewma(EWMA_WEIGHT));
  }

  ewma(index: number): number | undefined {
    return this.#ewmas[index]?.value;
  }

  #known(): number[] {
    return this.#ewmas.map((e) => e.value).filter((v): v is number => v !== undefined);
  }

  /** Mean of the known averages; what a device with no history is assumed to cost. */
  #defaultMs(): number {
    const known = this.#known();
    return known.length === 0 ? 1 : known.reduce((a, b) => a + b, 0) / known.length;
  }

  record(index: number, perPageMs: number): void {
    this.#ewmas[index]?.add(perPageMs);
  }

  /** Seconds until `queued` pages are served by `serving` devices at their mean pace (1 s a page before any is known). */
  retryAfterSeconds(queued: number, serving: number): number {
    const known = this.#known();
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
      const cost = (candidate.outstanding + 1) * (this.ewma(candidate.index) ?? fallback);
      if (cost < bestCost) {
        bestCost = cost;
        best = candidate.index;
      }
    }
    this.#cursor = (candidates.findIndex((c) => c.index === best) + 1) % n;
    return best;
  }
}
