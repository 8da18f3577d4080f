// SUDOT (FEAT_I8MM, indexed form only): Vn signed times the broadcast Vm bytes unsigned. It is
// USDOT with the operand roles swapped, for when the unsigned operand is the one broadcast.
import { expectImmediate, expectLanes } from './registers';

/** SUDOT Vd.4S, Vn.16B, Vm.4B[lane]: d[i] += Σ_{j<4} n[4i+j]·m[4·lane+j], n signed, m unsigned. */
export function sudotLane(d: Int32Array, n: Int8Array, m: Uint8Array, lane: number): Int32Array {
  expectLanes('sudotLane', 'd', d, 4);
  expectLanes('sudotLane', 'n', n, 16);
  expectLanes('sudotLane', 'm', m, 16);
  expectImmediate('sudotLane', 'lane', lane, 0, 3);
  const l = 4 * lane;
  const m0 = m[l], m1 = m[l + 1], m2 = m[l + 2], m3 = m[l + 3];
  for (let i = 0; i < 4; i++) {
    const b = 4 * i;
    d[i] = (d[i] + n[b] * m0 + n[b + 1] * m1 + n[b + 2] * m2 + n[b + 3] * m3) | 0;
  }
  return d;
}
