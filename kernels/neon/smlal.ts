// SMLAL / SMLAL2 (8-bit to 16-bit): widening signed multiply-accumulate into int16 lanes, wrapping
// mod 2^16. This is the pre-dotprod int8 GEMM trick (gemmlowp, ruy's NEON path: SMULL then SMLAL2
// then SADALP): two products share an int16 lane, so (-128)·(-128)·2 = 32768 wraps to -32768,
// which is why those libraries forbid -128 in one operand.
import { expectLanes } from './registers';

/** SMLAL Vd.8H, Vn.8B, Vm.8B: d[i] = wrap16(d[i] + n[i]·m[i]) for the low halves. */
export function smlal(d: Int16Array, n: Int8Array, m: Int8Array): Int16Array {
  expectLanes('smlal', 'd', d, 8);
  expectLanes('smlal', 'n', n, 16);
  expectLanes('smlal', 'm', m, 16);
  // Storing into an Int16Array reduces mod 2^16: that store is the hardware wrap.
  for (let i = 0; i < 8; i++) d[i] = d[i] + n[i] * m[i];
  return d;
}

/** SMLAL2 Vd.8H, Vn.16B, Vm.16B: d[i] = wrap16(d[i] + n[8+i]·m[8+i]) (the high halves). */
export function smlal2(d: Int16Array, n: Int8Array, m: Int8Array): Int16Array {
  expectLanes('smlal2', 'd', d, 8);
  expectLanes('smlal2', 'n', n, 16);
  expectLanes('smlal2', 'm', m, 16);
  for (let i = 0; i < 8; i++) d[i] = d[i] + n[8 + i] * m[8 + i];
  return d;
}
