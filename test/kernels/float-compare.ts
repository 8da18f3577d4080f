// Shared helpers for float kernel tests: seeded inputs and a tolerance that scales with the
// size of the sums involved, so cancellation in a dot product does not make a correct result
// look wrong (or a wrong one look right).
import { Rng } from '../../src/tensor/rng';
import { FloatArray } from '../../kernels/float-array';

/** Float32 unit roundoff; fp32 kernels are compared with a small multiple of it. */
export const EPS32 = 2 ** -24;
/** Tolerance factors (times the scale of the sum): fp32 outputs, and fp64 outputs. */
export const TOL32 = 64 * EPS32; // ~3.8e-6
export const TOL64 = 1e-12;

export function randomArray(rng: Rng, kind: 'f32' | 'f64', length: number, lo = -1, hi = 1): FloatArray {
  const out = kind === 'f32' ? new Float32Array(length) : new Float64Array(length);
  return rng.fillUniform(out, lo, hi);
}

export function absArray(x: FloatArray): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.abs(x[i]);
  return out;
}

/**
 * The worst element of |actual - expected| / (scale + 1), where `scale[i]` bounds the magnitudes
 * summed into element i (the reference run on absolute values) and the +1 keeps tiny and zero
 * scales from demanding exactness. NaN anywhere gives Infinity.
 */
export function worstError(actual: ArrayLike<number>, expected: ArrayLike<number>, scale?: ArrayLike<number>): {
  error: number; index: number;
} {
  if (actual.length !== expected.length) return { error: Infinity, index: -1 };
  let error = 0;
  let index = -1;
  for (let i = 0; i < actual.length; i++) {
    const s = (scale ? Math.abs(scale[i]) : Math.abs(expected[i])) + 1;
    const e = Math.abs(actual[i] - expected[i]) / s;
    if (!(e <= error)) {
      error = Number.isNaN(e) ? Infinity : e;
      index = i;
      if (error === Infinity) break;
    }
  }
  return { error, index };
}

/** The one method of a tap test these helpers need. */
export interface Asserter {
  ok(value: unknown, message: string): unknown;
}

/** One tap assertion: every element within `tol` (relative to its scale). */
export function assertClose(
  t: Asserter, actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, label: string,
  scale?: ArrayLike<number>,
): boolean {
  const { error, index } = worstError(actual, expected, scale);
  const ok = error <= tol;
  const detail = index < 0 ? `lengths ${actual.length} vs ${expected.length}` :
    `worst at [${index}]: ${actual[index]} vs ${expected[index]} (scaled error ${error.toExponential(2)})`;
  t.ok(ok, ok ? label : `${label}: ${detail} > ${tol.toExponential(2)}`);
  return ok;
}
