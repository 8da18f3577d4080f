// where: pick from `a` where the condition is non-zero, else from `b` (all three broadcast).
// The condition is not differentiated; the gradient goes to whichever operand was picked.
import { record } from '../autograd/node';
import { Tensor } from '../tensor/tensor';
import { broadcastShapes } from '../tensor/shape';
import { expand } from './expand';
import { allocFor, asTensor } from './operand';

export function where(condition: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  const ta = asTensor(a, b);
  const tb = asTensor(b, a);
  const shape = broadcastShapes('where', condition.shape, ta.shape, tb.shape);
  const c = expand(condition.detach(), shape);
  const x = expand(ta, shape);
  const y = expand(tb, shape);
  const out = new Tensor(allocFor(c.size, x, y), shape);
  for (let i = 0; i < out.size; i++) out.data[i] = c.data[i] !== 0 ? x.data[i] : y.data[i];
  return record('where', [x, y], out, (g, needs) => {
    const pick = (chooseA: boolean) => {
      const d = new Tensor(allocFor(g.size, g), shape);
      for (let i = 0; i < d.size; i++) d.data[i] = (c.data[i] !== 0) === chooseA ? g.data[i] : 0;
      return d;
    };
    return [needs[0] ? pick(true) : null, needs[1] ? pick(false) : null];
  });
}
