// dropout (inverted): zero each element with probability p and scale the survivors by 1/(1-p),
// so the expected activation is unchanged and evaluation needs no rescaling. The mask comes
// from the caller's seeded generator.
import { record } from '../autograd/node';
import { Tensor } from '../tensor/tensor';
import type { Rng } from '../tensor/rng';
import { allocFor } from './operand';

export function dropout(x: Tensor, p: number, rng: Rng): Tensor {
  if (!(p >= 0 && p < 1)) throw new Error(`dropout: probability must be in [0, 1), got ${p}`);
  if (p === 0) return x;
  const scale = 1 / (1 - p);
  const mask = allocFor(x.size, x);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.uniform() < p ? 0 : scale;
  const out = new Tensor(allocFor(x.size, x), x.shape);
  for (let i = 0; i < out.size; i++) out.data[i] = x.data[i] * mask[i];
  return record('dropout', [x], out, (g) => {
    const dx = new Tensor(allocFor(x.size, g, x), x.shape);
    for (let i = 0; i < dx.size; i++) dx.data[i] = g.data[i] * mask[i];
    return [dx];
  });
}
