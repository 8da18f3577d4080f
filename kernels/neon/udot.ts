// UDOT (FEAT_DotProd): the unsigned twin of SDOT. Each uint32 lane of Vd gains the dot product of
// four uint8 pairs, wrapping mod 2^32 (worst lane step 4·255·255 = 260100).
import { expectImmediate, expectLanes } from './registers';

/** UDOT Vd.4S, Vn.16B, Vm.16B: d[i] += Σ_{j<4} n[4i+j]·m[4i+j] (unsigned), wrapping. */
export function udot(d: Uint32Array, n: Uint8Array, m: Uint8Array): Uint32Array {
  expectLanes('udot', 'd', d, 4);
  expectLanes('udot', 'n', n, 16);
  expectLanes('udot', 'm', m, 16);
  for (let i = 0; i < 4; i++) {
    const b = 4 * i;
    d[i] = (d[i] + n[b] * m[b] + n[b + 1] * m[b + 1] + n[b + 2] * m[b + 2] + n[b + 3] * m[b + 3]) >>> 0;
  }
  return d;
}

/** UDOT Vd.4S, Vn.16B, Vm.4B[lane]: m's bytes 4·lane..4·lane+3 broadcast to every lane. */
export function udotLane(d: Uint32Array, n: Uint8Array, m: Uint8Array, lane: number): Uint32Array {
  expectLanes('udotLane', 'd', d, 4);
  expectLanes('udotLane', 'n', n, 16);
  expectLanes('udotLane', 'm', m, 16);
  expectImmediate('udotLane', 'lane', lane, 0, 3);
  const l = 4 * lane;
  const m0 = m[l], m1 = m[l + 1], m2 = m[l + 2], m3 = m[l + 3];
  for (let i = 0; i < 4; i++) {
    const b = 4 * i;
    d[i] = (d[i] + n[b] * m0 + n[b + 1] * m1 + n[b + 2] * m2 + n[b + 3] * m3) >>> 0;
  }
  return d;
}
