// Rounding, always named. Training-time fake quantization and the integer export must round
// the same way, or the deployed model would disagree with the one that was trained.

/** Round to nearest, ties to even (IEEE default; 2.5 -> 2, 3.5 -> 4, -2.5 -> -2). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x); // ties toward +Infinity
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Round to nearest, ties away from zero (C's round(); 2.5 -> 3, -2.5 -> -3). */
export function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}
