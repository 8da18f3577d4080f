// The DDQ activation quantizer writes its straight-through gradient into the incoming one when
// the engine hands that over (conv2d's input gradient, autograd/owned.ts) instead of copying it:
// same gradients as the copying path, which a retained gradient on its output forces.
import t from 'tap';
import { Tensor, Rng, sum, mul } from '../../src/index';
import { conv2d } from '../../src/ops/conv2d';
import { DdqQuantizer } from '../../src/quant/ddq';

const rng = new Rng(21);

/** Quantize (range from data on [0, 1], then inputs up to 1.6: many past the top level), conv, weighted sum, backward. */
function run(shape: number[], q: DdqQuantizer, x: Tensor, w: Tensor, weights: Tensor, retain: boolean) {
  for (const p of [x, ...q.parameters()]) p.zeroGrad();
  const y = q.forward(x);
  if (retain) y.retainGrad();
  sum(mul(conv2d(y, w, null, { padding: 1 }), weights)).backward();
  return { x: Array.from(x.grad!.data), params: q.parameters().map((p) => (p.grad ? Array.from(p.grad.data) : null)), y: retain ? Array.from(y.grad!.data) : null };
}

t.test('zeroing in the handed-over gradient equals the copy, for fixed and learned activation bits', async (tt) => {
  for (const [n, c, h] of [[1, 1, 5], [3, 5, 7], [2, 3, 1]]) {
    for (const learn of [false, true]) {
      const shape = [n, c, h, h];
      const size = n * c * h * h;
      const q = new DdqQuantizer(learn ? { kind: 'activation', maxBits: 4, initBits: 2, learnBits: true } : { kind: 'activation', maxBits: 8, learnBits: false });
      q.initFromData(Float32Array.from({ length: size }, () => rng.uniform()));
      const x = new Tensor(Float32Array.from({ length: size }, () => 1.6 * rng.uniform()), shape).requireGrad();
      const w = Tensor.randn([4, c, 3, 3], rng).requireGrad();
      const weights = Tensor.randn([n, 4, h, h], rng);
      const copied = run(shape, q, x, w, weights, true);
      const inPlace = run(shape, q, x, w, weights, false);
      const what = `${shape.join('x')}, ${learn ? 'learned bits' : '8 bits'}`;
      tt.same(inPlace.x, copied.x, `x gradient: ${what}`);
      tt.same(inPlace.params, copied.params, `quantizer gradients: ${what}`);
      const top = q.mergedLevels()[q.mergedLevels().length - 1];
      const past = Array.from(x.data).filter((v) => v > top).length;
      tt.ok(size < 4 || past > 0, `${past} inputs past the top level`);
      // The retained output gradient is the conv's input gradient, not zeroed anywhere.
      for (let i = 0; i < size; i++) if (x.data[i] > top && copied.y![i] !== 0 && copied.x[i] !== 0) tt.fail(`element ${i} passed although past the range`);
    }
  }
});
