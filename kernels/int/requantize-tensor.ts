// A per-tensor output stage over a whole tensor (the runtime's requantize op: an int32 residual
// branch brought to the codes of the next block): bit for bit requantizeChannelsReference with
// one channel, either in place order or written as image-pair rows (image-pair-rows.ts) for the
// pointwise layer that reads it.
//
// Why not requantizeChannels with one channel: its loop per row of one element costs more than
// the element (and the copy into an accumulator buffer before it was a closure V8 kept
// deoptimizing). Here the constants are scalars and each element takes the fast path of
// requantize-channels.ts (exact when |x| is below the plan's limit) or the exact BigInt one.
import { rescaleWithFraction } from './requantize-channels-reference';
import type { RequantizeChannelsPlan } from './requantize-channels';
import { IMAGE_PAIR_LANE } from './image-pairs';
import { checkDims, checkLength } from './validate';

function check(fn: string, count: number, x: ArrayLike<number>, plan: RequantizeChannelsPlan): void {
  checkDims(fn, { count });
  checkLength(fn, 'x', x, count, `${count} values`);
  if (plan.channels !== 1) throw new Error(`${fn}: needs a one-channel plan, got ${plan.channels} channels`);
}

/** Channel 0's constants as scalars (V8 does not hoist the typed-array loads out of the loops). */
interface Scalars {
  bias: number; limit: number; scale: number; addend: number; offset: number; qmin: number; qmax: number;
  multiplier: number; shift: number; fraction: number;
}

function scalars(p: RequantizeChannelsPlan): Scalars {
  return {
    bias: p.bias[0], limit: p.limit[0], scale: p.scale[0], addend: p.addend[0], offset: p.offset[0], qmin: p.qmin, qmax: p.qmax,
    multiplier: p.multiplier[0], shift: p.shift[0], fraction: p.fraction[0],
  };
}

/** requantize-channels.ts on one value. */
function one(v: number, c: Scalars): number {
  const x = (v + c.bias) | 0;
  const r = (x < c.limit && x > -c.limit ? Math.floor(x * c.scale + c.addend) : rescaleWithFraction(x, c.multiplier, c.shift, c.fraction)) + c.offset;
  return r < c.qmin ? c.qmin : r > c.qmax ? c.qmax : r;
}

/** out[i] = the output stage of x[i], for i < count. */
export function requantizeTensor(count: number, x: Int32Array | Uint8Array, plan: RequantizeChannelsPlan, out: Uint8Array | Int32Array): void {
  check('requantizeTensor', count, x, plan);
  checkLength('requantizeTensor', 'out', out, count, `${count} values`);
  if (out instanceof Uint8Array && (plan.qmin < 0 || plan.qmax > 255)) throw new Error(`requantizeTensor: range [${plan.qmin}, ${plan.qmax}] does not fit a Uint8Array output`);
  const c = scalars(plan);
  for (let i = 0; i < count; i++) out[i] = one(x[i], c);
}

/** The output stage of n images of `size` values each (image-major), as image-pair rows of codes. */
export function requantizeTensorImagePairRows(n: number, size: number, x: Int32Array | Uint8Array, plan: RequantizeChannelsPlan, out: Float64Array): void {
  check('requantizeTensorImagePairRows', n * size, x, plan);
  checkLength('requantizeTensorImagePairRows', 'out', out, Math.ceil(n / 2) * size, `${n} images of ${size} as image-pair rows`);
  if (plan.qmin < 0 || plan.qmax > 255) throw new Error(`requantizeTensorImagePairRows: range [${plan.qmin}, ${plan.qmax}] is not a range of codes`);
  const c = scalars(plan);
  for (let b = 0; b < n; b += 2) {
    const lo = b * size;
    const hi = b + 1 < n ? lo + size : lo;
    const o = (b >> 1) * size;
    for (let i = 0; i < size; i++) out[o + i] = one(x[lo + i], c) + IMAGE_PAIR_LANE * one(x[hi + i], c);
  }
}
