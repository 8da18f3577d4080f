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
  if (addIntUnchecked(count, a, b, p, out)) return;
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

/** The constants of the unchecked path (see uncheckedAdd). */
export interface UncheckedAdd {
  za: number; zb: number; sa: number; sb: number; so: number; low: number; range: number; qmax: number;
}

/**
 * Whether the `count` elements can take the double paths without per-element range checks: one
 * scan of each int32 operand shows every value in range (|x| < limit for a and b, and |va| +
 * |vb| below the output's limit, |va| <= |x|·|scale| + 1), and the clamp can run as int32 bit
 * operations. The checks and data-dependent clamp branches were most of the time (~19 ns per
 * element measured). Null when that does not hold.
 */
export function uncheckedAdd(count: number, a: Uint8Array | Int32Array, b: Uint8Array | Int32Array, p: AddIntParams): UncheckedAdd | null {
  const fa = fastForm(p.a);
  const fb = fastForm(p.b);
  const fo = fastForm(p.output);
  const { offset, qmin, qmax } = p.output;
  const range = qmax - qmin;
  if (!(range < 2 ** 30 && Math.abs(offset - qmin) < 2 ** 29)) return null;
  const da = maxDeviation(count, a, p.a.zeroPoint);
  const db = maxDeviation(count, b, p.b.zeroPoint);
  if (!(da < fa.limit && db < fb.limit)) return null;
  const sum = da * Math.abs(fa.scale) + 1 + db * Math.abs(fb.scale) + 1;
  if (!(sum < fo.limit)) return null;
  return { za: p.a.zeroPoint, zb: p.b.zeroPoint, sa: fa.scale, sb: fb.scale, so: fo.scale, low: offset - qmin, range, qmax };
}

/**
 * One element on the unchecked path. An operand whose scale is 1 (an int32 branch already on
 * the common scale) is exact as it is: floor(x + 1/2) = x for an integer x.
 */
export function addOne(x: number, y: number, k: UncheckedAdd): number {
  const va = k.sa === 1 ? x - k.za : Math.floor((x - k.za) * k.sa + 0.5);
  const vb = Math.floor((y - k.zb) * k.sb + 0.5);
  // |output| < 2^30 (fo's limit keeps |s·scale| below 2^30), so v is an exact int32
  let v = (Math.floor((va + vb) * k.so + 0.5) + k.low) | 0;
  v &= ~(v >> 31);
  v -= k.range;
  return (v & (v >> 31)) + k.qmax;
}

function addIntUnchecked(count: number, a: Uint8Array | Int32Array, b: Uint8Array | Int32Array, p: AddIntParams, out: Uint8Array | Int32Array): boolean {
  const k = uncheckedAdd(count, a, b, p);
  if (!k) return false;
  for (let i = 0; i < count; i++) out[i] = addOne(a[i], b[i], k);
  return true;
}
