// Weight initialisation from the seeded generator. fanIn/fanOut of a weight [out, in, ...k]
// are in·prod(k) and out·prod(k).
//   Kaiming (He et al. 2015): std = gain / sqrt(fanIn), gain = sqrt(2) for ReLU.
//   Xavier (Glorot & Bengio 2010): std = sqrt(2 / (fanIn + fanOut)).
import { Tensor } from '../tensor/tensor';
import type { Rng } from '../tensor/rng';

export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) throw new Error(`init: need a weight of rank >= 2 to compute fans, got [${shape}]`);
  const receptive = shape.slice(2).reduce((p, d) => p * d, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

export function kaimingNormal(shape: readonly number[], rng: Rng, gain = Math.SQRT2): Tensor {
  return Tensor.randn(shape, rng, 0, gain / Math.sqrt(fans(shape).fanIn));
}

/** Uniform with the same variance as kaimingNormal: bound = gain * sqrt(3 / fanIn). */
export function kaimingUniform(shape: readonly number[], rng: Rng, gain = Math.SQRT2): Tensor {
  const bound = gain * Math.sqrt(3 / fans(shape).fanIn);
  return Tensor.rand(shape, rng, -bound, bound);
}

export function xavierNormal(shape: readonly number[], rng: Rng, gain = 1): Tensor {
  const { fanIn, fanOut } = fans(shape);
  return Tensor.randn(shape, rng, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
}

export function xavierUniform(shape: readonly number[], rng: Rng, gain = 1): Tensor {
  const { fanIn, fanOut } = fans(shape);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return Tensor.rand(shape, rng, -bound, bound);
}
