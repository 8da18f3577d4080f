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
