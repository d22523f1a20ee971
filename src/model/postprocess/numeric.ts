/**
 * Numeric conventions PaddleX's numpy code gets for free. Detection rows are float32, and under
 * NumPy 2 (NEP 50) arithmetic and comparisons between a float32 value and a Python float stay in
 * float32 — so `score > 0.3` compares against float32(0.3), and a score of exactly float32(0.3)
 * fails. `f32` rounds each intermediate the same way, which matters only at exact boundaries.
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
