/**
 * Numeric conventions PaddleX's numpy code gets for free. Detection rows are float32. An *array*
 * compared with a Python float stays in float32 (NumPy 1.x value-based casting and NumPy 2's
 * NEP 50 agree), so `score > 0.3` compares against float32(0.3) and a score of exactly
 * float32(0.3) fails. A float32 *scalar* (PaddleX's per-box loops: nms, is_contained) meeting a
 * Python int or float is promoted to float64 under NumPy 1.x, the version our parity references
 * (test/fixtures/parity) were recorded with; those steps compare in doubles. `f32` rounds an
 * intermediate to float32 where numpy keeps it there; all of this matters only at exact boundaries.
 */

export const f32 = Math.fround;

/** numpy.round / Python round: halves go to the even neighbour (0.5 → 0, 1.5 → 2, 2.5 → 2). */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const frac = x - floor; // exact for doubles
  if (frac < 0.5) return floor;
  if (frac > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}
