// Elementwise addition of two quantized tensors, TFLite style (reference/integer_ops/add.h):
// each operand is brought to a common fixed-point scale by its own multiplier, the two are added
// in int32, and the sum is requantized onto the output grid:
//   va  = rescale(a - za, ma, sa),   vb = rescale(b - zb, mb, sb)
//   out = clamp(rescale(va + vb, mo, so) + offset, qmin, qmax)
// with rescale the single-rounding multiply (TFLITE_SINGLE_ROUNDING; a negative multiplier
// multiplies the negated value, so ties still go toward +inf). TFLite shifts 8-bit operands left by 20 bits first so their rescaled
// values keep fractional precision; here the integer runtime picks the common scale itself
// (2^-12 of the output step for 8-bit grids, src/deploy/convert.ts), so operands need no shift and an int32 operand that
// already sits on the common scale passes with the identity multiplier (2^30, shift 1).
import { multiplyByQuantizedMultiplierSingleRounding } from './multiply-by-quantized-multiplier';
import { checkDims, checkLength } from './validate';

/** round(x·m·2^(shift-31)), ties toward +inf, for a multiplier of either sign. */
export function rescaleSingleRounding(x: number, multiplier: number, shift: number): number {
  return multiplier >= 0
    ? multiplyByQuantizedMultiplierSingleRounding(x, multiplier, shift)
    : multiplyByQuantizedMultiplierSingleRounding(-x, -multiplier, shift);
}

export interface AddOperand {
  zeroPoint: number;
  multiplier: number;
  shift: number;
}

export interface AddIntParams {
  a: AddOperand;
  b: AddOperand;
  output: { multiplier: number; shift: number; offset: number; qmin: number; qmax: number };
}

/** The identity rescale: 2^30·2^(1-31) = 1. */
export const IDENTITY_MULTIPLIER = { multiplier: 1073741824, shift: 1 } as const;

export function checkAddInt(fn: string, count: number, a: Uint8Array | Int32Array, b: Uint8Array | Int32Array, p: AddIntParams, out: Uint8Array | Int32Array): void {
  checkDims(fn, { count });
  checkLength(fn, 'a', a, count, `${count} values`);
  checkLength(fn, 'b', b, count, `${count} values`);
  checkLength(fn, 'out', out, count, `${count} values`);
  const ms: [string, { multiplier: number; shift: number }][] = [['a', p.a], ['b', p.b], ['output', p.output]];
  for (const [name, m] of ms) {
    if (!Number.isInteger(m.multiplier) || Math.abs(m.multiplier) > 2147483647) throw new Error(`${fn}: ${name} multiplier ${m.multiplier} is not an int32 in (-2^31, 2^31)`);
    if (!Number.isInteger(m.shift) || m.shift < -31 || m.shift > 30) throw new Error(`${fn}: ${name} shift ${m.shift} is not an integer in [-31, 30]`);
  }
  const [lo, hi] = out instanceof Uint8Array ? [0, 255] : [-2147483648, 2147483647];
  const { qmin, qmax } = p.output;
  if (!Number.isInteger(qmin) || !Number.isInteger(qmax) || qmin < lo || qmax > hi || qmin > qmax) {
    throw new Error(`${fn}: need integers ${lo} <= qmin <= qmax <= ${hi} for ${out.constructor.name} output, got [${qmin}, ${qmax}]`);
  }
}

export function addIntReference(count: number, a: Uint8Array | Int32Array, b: Uint8Array | Int32Array, p: AddIntParams, out: Uint8Array | Int32Array): void {
  checkAddInt('addIntReference', count, a, b, p, out);
  for (let i = 0; i < count; i++) {
    const va = rescaleSingleRounding((a[i] - p.a.zeroPoint) | 0, p.a.multiplier, p.a.shift);
    const vb = rescaleSingleRounding((b[i] - p.b.zeroPoint) | 0, p.b.multiplier, p.b.shift);
    const v = rescaleSingleRounding((va + vb) | 0, p.output.multiplier, p.output.shift) + p.output.offset;
    out[i] = Math.min(p.output.qmax, Math.max(p.output.qmin, v));
  }
}
