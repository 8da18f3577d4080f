// USDOT (FEAT_I8MM): mixed-sign dot product, Vn unsigned (uint8 activations) times Vm signed
// (int8 weights), four pairs per int32 lane, wrapping mod 2^32.
import { expectImmediate, expectLanes } from './registers';

/** USDOT Vd.4S, Vn.16B, Vm.16B: d[i] += Σ_{j<4} n[4i+j]·m[4i+j], n unsigned, m signed. */
export function usdot(d: Int32Array, n: Uint8Array, m: Int8Array): Int32Array {
  expectLanes('usdot', 'd', d, 4);
  expectLanes('usdot', 'n', n, 16);
  expectLanes('usdot', 'm', m, 16);
  for (let i = 0; i < 4; i++) {
    const b = 4 * i;
    d[i] = (d[i] + n[b] * m[b] + n[b + 1] * m[b + 1] + n[b + 2] * m[b + 2] + n[b + 3] * m[b + 3]) | 0;
  }
  return d;
}

/** USDOT Vd.4S, Vn.16B, Vm.4B[lane]: signed m bytes 4·lane..4·lane+3 broadcast to every lane. */
export function usdotLane(d: Int32Array, n: Uint8Array, m: Int8Array, lane: number): Int32Array {
  expectLanes('usdotLane', 'd', d, 4);
  expectLanes('usdotLane', 'n', n, 16);
  expectLanes('usdotLane', 'm', m, 16);
  expectImmediate('usdotLane', 'lane', lane, 0, 3);
  const l = 4 * lane;
  const m0 = m[l], m1 = m[l + 1], m2 = m[l + 2], m3 = m[l + 3];
  for (let i = 0; i < 4; i++) {
    const b = 4 * i;
    d[i] = (d[i] + n[b] * m0 + n[b + 1] * m1 + n[b + 2] * m2 + n[b + 3] * m3) | 0;
  }
  return d;
}
