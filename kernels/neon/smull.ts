// SMULL / SMULL2 (8-bit to 16-bit): widening signed multiply of the low (SMULL) or high (SMULL2)
// eight bytes. An int8 product always fits int16 ([-16256, 16384]), so these never wrap; the
// wrap hazard is in SMLAL, which adds a second product into the same int16 lane.
import { expectLanes } from './registers';

/** SMULL Vd.8H, Vn.8B, Vm.8B: d[i] = n[i]·m[i] for the low halves (i < 8). */
export function smull(d: Int16Array, n: Int8Array, m: Int8Array): Int16Array {
  expectLanes('smull', 'd', d, 8);
  expectLanes('smull', 'n', n, 16);
  expectLanes('smull', 'm', m, 16);
  for (let i = 0; i < 8; i++) d[i] = n[i] * m[i];
  return d;
}

/** SMULL2 Vd.8H, Vn.16B, Vm.16B: d[i] = n[8+i]·m[8+i] (the high halves). */
export function smull2(d: Int16Array, n: Int8Array, m: Int8Array): Int16Array {
  expectLanes('smull2', 'd', d, 8);
  expectLanes('smull2', 'n', n, 16);
  expectLanes('smull2', 'm', m, 16);
  for (let i = 0; i < 8; i++) d[i] = n[8 + i] * m[8 + i];
  return d;
}
