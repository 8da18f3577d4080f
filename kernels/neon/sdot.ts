// SDOT (FEAT_DotProd): the int8 dot-product instruction behind every modern ARM int8 GEMM. Each
// 32-bit lane of Vd gains the dot product of four int8 pairs; the sum wraps mod 2^32 (no
// saturation; the worst lane step is 4·(-128)·(-128) = +65536).
import { expectImmediate, expectLanes } from './registers';

/** SDOT Vd.4S, Vn.16B, Vm.16B: d[i] += Σ_{j<4} n[4i+j]·m[4i+j], wrapping. */
export function sdot(d: Int32Array, n: Int8Array, m: Int8Array): Int32Array {
  expectLanes('sdot', 'd', d, 4);
  expectLanes('sdot', 'n', n, 16);
  expectLanes('sdot', 'm', m, 16);
  for (let i = 0; i < 4; i++) {
    const b = 4 * i;
    // At most 4·2^14 = 2^16 in magnitude, exact in a double; `| 0` is the mod-2^32 wrap.
    d[i] = (d[i] + n[b] * m[b] + n[b + 1] * m[b + 1] + n[b + 2] * m[b + 2] + n[b + 3] * m[b + 3]) | 0;
  }
  return d;
}

/**
 * SDOT Vd.4S, Vn.16B, Vm.4B[lane]: the four bytes m[4·lane..4·lane+3] are broadcast to every
 * lane, d[i] += Σ_{j<4} n[4i+j]·m[4·lane+j], wrapping. This is how a GEMM tile multiplies one
 * packed weight register by four activations of one row.
 */
export function sdotLane(d: Int32Array, n: Int8Array, m: Int8Array, lane: number): Int32Array {
  expectLanes('sdotLane', 'd', d, 4);
  expectLanes('sdotLane', 'n', n, 16);
  expectLanes('sdotLane', 'm', m, 16);
  expectImmediate('sdotLane', 'lane', lane, 0, 3);
  const l = 4 * lane;
  const m0 = m[l], m1 = m[l + 1], m2 = m[l + 2], m3 = m[l + 3];
  for (let i = 0; i < 4; i++) {
    const b = 4 * i;
    d[i] = (d[i] + n[b] * m0 + n[b + 1] * m1 + n[b + 2] * m2 + n[b + 3] * m3) | 0;
  }
  return d;
}
