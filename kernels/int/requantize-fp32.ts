// XNNPACK's "fp32" requantization (requantization.h, the variant its shipping qs8/qu8 kernels
// use): the int32 accumulator is converted to float32, multiplied by a float32 scale, clamped to
// [qmin - zp, qmax - zp] in float, rounded to the nearest integer with ties to EVEN (lrintf), and
// offset by the output zero point. Every float operation is a single float32 rounding
// (Math.fround), so the result is what the C code produces with default rounding.
// requantizeFp32Mirror runs the NEON sequence (SCVTF, FMUL, FCVTNS, SQXTN to int16, SQADD of the
// zero point in int16, SQXTN/SQXTUN to 8 bits, then the min/max clamp in 8 bits), which clamps
// after rounding instead of before: both give the same bytes for integer clamp bounds.
import { fcvtns, fmul, scvtf, sqadd, sqxtn, sqxtun, smax, smin, umax, umin, dup, roundHalfToEven } from '../neon';

/** XNNPACK fp32 requantization of one accumulator (scale a float32 value, zp and bounds ints). */
export function requantizeFp32(acc: number, scale: number, zeroPoint: number, qmin: number, qmax: number): number {
  const scaled = Math.fround(Math.fround(acc) * Math.fround(scale));
  const lo = Math.fround(qmin - zeroPoint);
  const hi = Math.fround(qmax - zeroPoint);
  const clamped = scaled < lo ? lo : scaled > hi ? hi : scaled;
  return roundHalfToEven(clamped) + zeroPoint;
}

/**
 * The NEON sequence on four lanes: out[i] = requantizeFp32(acc[i], scale[i], zp, qmin, qmax),
 * written into the low 4 bytes of an int8 or uint8 register `d` (the rest zeroed).
 */
export function requantizeFp32Mirror<T extends Int8Array | Uint8Array>(
  d: T, acc: Int32Array, scale: Float32Array, zeroPoint: number, qmin: number, qmax: number,
): T {
  const f = fmul(new Float32Array(4), scvtf(new Float32Array(4), acc), scale);
  const rounded = fcvtns(new Int32Array(4), f);
  const wide = sqxtn(new Int16Array(8), rounded); // lanes 0..3, the rest 0
  sqadd(wide, wide, dup(new Int16Array(8), zeroPoint));
  if (d instanceof Int8Array) {
    const n8 = sqxtn(new Int8Array(16), wide);
    smin(n8, smax(n8, n8, dup(new Int8Array(16), qmin)), dup(new Int8Array(16), qmax));
    for (let i = 0; i < 16; i++) d[i] = i < 4 ? n8[i] : 0;
  } else {
    const u8 = sqxtun(new Uint8Array(16), wide);
    umin(u8, umax(u8, u8, dup(new Uint8Array(16), qmin)), dup(new Uint8Array(16), qmax));
    for (let i = 0; i < 16; i++) d[i] = i < 4 ? u8[i] : 0;
  }
  return d;
}
