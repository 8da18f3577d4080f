// The float32 instructions of XNNPACK's fp32 requantization: SCVTF (int32 -> float32, round to
// nearest even), FMUL, FMAX/FMIN (the clamp) and FCVTNS (float32 -> int32, round to nearest with
// ties to even, saturating). A Float32Array store rounds a double to the nearest float32 (ties to
// even), and the double product of two float32 values is exact, so each store below is exactly
// one correctly rounded float32 operation.
import { expectLanes } from './registers';

/** SCVTF Vd.4S, Vn.4S: d[i] = float32(n[i]), rounded to nearest even. */
export function scvtf(d: Float32Array, n: Int32Array): Float32Array {
  expectLanes('scvtf', 'd', d, 4);
  expectLanes('scvtf', 'n', n, 4);
  for (let i = 0; i < 4; i++) d[i] = n[i];
  return d;
}

/** FMUL Vd.4S, Vn.4S, Vm.4S: d[i] = float32(n[i]·m[i]). */
export function fmul(d: Float32Array, n: Float32Array, m: Float32Array): Float32Array {
  expectLanes('fmul', 'd', d, 4);
  expectLanes('fmul', 'n', n, 4);
  expectLanes('fmul', 'm', m, 4);
  for (let i = 0; i < 4; i++) d[i] = n[i] * m[i];
  return d;
}

/** FMAX Vd.4S, Vn.4S, Vm.4S: d[i] = max(n[i], m[i]) (NaN operands are not modelled). */
export function fmax(d: Float32Array, n: Float32Array, m: Float32Array): Float32Array {
  expectLanes('fmax', 'd', d, 4);
  expectLanes('fmax', 'n', n, 4);
  expectLanes('fmax', 'm', m, 4);
  for (let i = 0; i < 4; i++) d[i] = n[i] > m[i] ? n[i] : m[i];
  return d;
}

/** FMIN Vd.4S, Vn.4S, Vm.4S: d[i] = min(n[i], m[i]) (NaN operands are not modelled). */
export function fmin(d: Float32Array, n: Float32Array, m: Float32Array): Float32Array {
  expectLanes('fmin', 'd', d, 4);
  expectLanes('fmin', 'n', n, 4);
  expectLanes('fmin', 'm', m, 4);
  for (let i = 0; i < 4; i++) d[i] = n[i] < m[i] ? n[i] : m[i];
  return d;
}

/** Round to the nearest integer, ties to even (C's lrint/nearbyint in the default mode). */
export function roundHalfToEven(x: number): number {
  const r = Math.round(x); // ties toward +inf
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** FCVTNS Vd.4S, Vn.4S: d[i] = n[i] rounded to nearest (ties to even), saturated to int32. */
export function fcvtns(d: Int32Array, n: Float32Array): Int32Array {
  expectLanes('fcvtns', 'd', d, 4);
  expectLanes('fcvtns', 'n', n, 4);
  for (let i = 0; i < 4; i++) {
    const r = roundHalfToEven(n[i]);
    d[i] = r > 2147483647 ? 2147483647 : r < -2147483648 ? -2147483648 : r;
  }
  return d;
}
