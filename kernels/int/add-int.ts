// Quantized addition, fast: bit for bit addIntReference. Each of the three single-rounding
// rescales takes the exact double form floor(x·M + 0.5) when |x| < 2^21 and its shift is in
// [-21, 9], else the exact split-product form. In that range the integer x·m + 2^(30-shift) is
// below 2^53, so the double product and its rounding are exact (as in requantize-channels.ts),
// and |x·M| < 2^31, so nothing saturates.
import { checkAddInt, rescaleSingleRounding, type AddIntParams } from './add-int-reference';

const FAST_LIMIT = 2097152; // 2^21

function fastForm(m: { multiplier: number; shift: number }): { scale: number; limit: number } {
  return { scale: m.multiplier * 2 ** (m.shift - 31), limit: m.shift >= -21 && m.shift <= 9 ? FAST_LIMIT : 0 };
}

export function addInt(count: number, a: Uint8Array | Int32Array, b: Uint8Array | Int32Array, p: AddIntParams, out: Uint8Array | Int32Array): void {
  checkAddInt('addInt', count, a, b, p, out);
  const fa = fastForm(p.a);
  const fb = fastForm(p.b);
  const fo = fastForm(p.output);
  const za = p.a.zeroPoint;
  const zb = p.b.zeroPoint;
  const { offset, qmin, qmax } = p.output;
  if (addIntUnchecked(count, a, b, za, zb, fa, fb, fo, offset, qmin, qmax, out)) return;
  for (let i = 0; i < count; i++) {
    const xa = (a[i] - za) | 0;
    const xb = (b[i] - zb) | 0;
    const va = xa < fa.limit && xa > -fa.limit ? Math.floor(xa * fa.scale + 0.5) : rescaleSingleRounding(xa, p.a.multiplier, p.a.shift);
    const vb = xb < fb.limit && xb > -fb.limit ? Math.floor(xb * fb.scale + 0.5) : rescaleSingleRounding(xb, p.b.multiplier, p.b.shift);
    const s = (va + vb) | 0;
    let v = s < fo.limit && s > -fo.limit ? Math.floor(s * fo.scale + 0.5) : rescaleSingleRounding(s, p.output.multiplier, p.output.shift);
    v += offset;
    out[i] = v < qmin ? qmin : v > qmax ? qmax : v;
  }
}

/** Largest |x[i] - z| over the first `count` values (255 at most for bytes, so no scan). */
function maxDeviation(count: number, x: Uint8Array | Int32Array, z: number): number {
  if (x instanceof Uint8Array) return Math.max(z, 255 - z);
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < count; i++) {
    const v = x[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return Math.max(Math.abs(lo - z), Math.abs(hi - z));
}

/**
 * The whole call on the double paths without per-element range checks, when one scan of the
 * int32 operand shows every value in range (|x| < limit for a and b, and |va| + |vb| below the
 * output's limit, |va| <= |x|·|scale| + 1), with the clamp as int32 bit operations: the checks
 * and data-dependent clamp branches were most of the time (~19 ns per element measured). Returns
 * false, doing nothing, when that does not hold.
 */
function addIntUnchecked(
  count: number, a: Uint8Array | Int32Array, b: Uint8Array | Int32Array, za: number, zb: number,
  fa: { scale: number; limit: number }, fb: { scale: number; limit: number }, fo: { scale: number; limit: number },
  offset: number, qmin: number, qmax: number, out: Uint8Array | Int32Array,
): boolean {
  const range = qmax - qmin;
  if (!(range < 2 ** 30 && Math.abs(offset - qmin) < 2 ** 29)) return false;
  const da = maxDeviation(count, a, za);
  const db = maxDeviation(count, b, zb);
  if (!(da < fa.limit && db < fb.limit)) return false;
  const sum = da * Math.abs(fa.scale) + 1 + db * Math.abs(fb.scale) + 1;
  if (!(sum < fo.limit)) return false;
  const sa = fa.scale, sb = fb.scale, so = fo.scale;
  const low = offset - qmin;
  for (let i = 0; i < count; i++) {
    const va = Math.floor((a[i] - za) * sa + 0.5);
    const vb = Math.floor((b[i] - zb) * sb + 0.5);
    // |output| < 2^30 (fo's limit keeps |s·scale| below 2^30), so v is an exact int32
    let v = (Math.floor((va + vb) * so + 0.5) + low) | 0;
    v &= ~(v >> 31);
    v -= range;
    out[i] = (v & (v >> 31)) + qmax;
  }
  return true;
}
