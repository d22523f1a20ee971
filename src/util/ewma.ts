/**
 * The one exponentially weighted moving average: the first sample is the average, and each next
 * one moves it by `weight` of the difference (a larger weight follows change faster). The pool's
 * dispatcher keeps one per device (per-page service time), the cluster worker one for its page
 * time.
 */
export class Ewma {
  readonly #weight: number;
  #value: number | undefined;

  /** `weight`: the newest sample's share, in (0, 1]. */
  constructor(weight: number) {
    if (!(weight > 0 && weight <= 1)) throw new RangeError(`EWMA weight must be in (0, 1], got ${weight}`);
    this.#weight = weight;
  }

  /** The average so far; undefined before the first sample. */
  get value(): number | undefined {
    return this.#value;
  }

  add(sample: number): number {
    this.#value = this.#value === undefined ? sample : this.#value + this.#weight * (sample - this.#value);
    return this.#value;
  }
}
