// Modules: registration, naming, train/eval, state dicts (strict), Linear and Dropout.
import t from 'tap';
import { Tensor, Rng, gradcheck } from '../../src/index';
import { Linear, ReLU, ReLU6, Sequential, Dropout, Module, BatchNorm2d, Conv2d } from '../../src/nn/index';
import { linear } from '../../src/ops/linear';

const rng = new Rng(11);

t.test('names, counts and state dict round trip', async (tt) => {
  const net = new Sequential(new Linear(4, 3, { rng }), new ReLU(), new Linear(3, 2, { rng, bias: false }));
  tt.same(net.namedParameters().map(([n]) => n), ['0.weight', '0.bias', '2.weight']);
  tt.equal(net.parameterCount(), 4 * 3 + 3 + 3 * 2);
  const state = net.stateDict();
  const other = new Sequential(new Linear(4, 3, { rng }), new ReLU(), new Linear(3, 2, { rng, bias: false }));
  tt.notSame(Array.from(other.parameters()[0].data), Array.from(net.parameters()[0].data));
  other.loadStateDict(state);
  const x = Tensor.randn([5, 4], rng);
  tt.same(Array.from(other.forward(x).data), Array.from(net.forward(x).data));
  // The state dict holds copies: changing the model afterwards does not change it.
  net.parameters()[0].data[0] += 1;
  tt.not(state.get('0.weight')!.data[0], net.parameters()[0].data[0]);
});

t.test('loadStateDict is strict and atomic', async (tt) => {
  const net = new Sequential(new Linear(2, 2, { rng }));
  const before = Array.from(net.parameters()[0].data);
  const bad = net.stateDict();
  bad.set('0.weight', Tensor.zeros([3, 2]));
  bad.set('0.extra', Tensor.zeros([1]));
  bad.delete('0.bias');
  tt.throws(() => net.loadStateDict(bad), /missing: 0\.bias; unexpected: 0\.extra; 0\.weight: shape \[3,2\] in the state dict, \[2,2\] in the model/);
  tt.same(Array.from(net.parameters()[0].data), before, 'nothing changed');
});

t.test('train/eval propagate; Dropout is identity in eval and seeded in train', async (tt) => {
  const d = new Dropout(0.5, { rng: new Rng(1) });
  const net = new Sequential(d);
  const x = Tensor.ones([1000]);
  net.eval();
  tt.equal(d.training, false);
  tt.same(Array.from(net.forward(x).data), Array.from(x.data));
  net.train();
  const y = net.forward(x);
  const kept = Array.from(y.data).filter((v) => v !== 0);
  tt.ok(kept.every((v) => v === 2), 'survivors scaled by 1/(1-p)');
  tt.ok(Math.abs(kept.length / 1000 - 0.5) < 0.06);
  const again = new Dropout(0.5, { rng: new Rng(1) }).forward(x);
  tt.same(Array.from(again.data), Array.from(y.data), 'same seed, same mask');
});

t.test('linear op gradcheck (with and without bias) and Linear on [N, C, H, W]', async (tt) => {
  const r = new Rng(4);
  const x = Tensor.randn([3, 5], r, 0, 1, { dtype: 'float64' });
  const w = Tensor.randn([4, 5], r, 0, 1, { dtype: 'float64' });
  const b = Tensor.randn([4], r, 0, 1, { dtype: 'float64' });
  const withBias = gradcheck((a, ww, bb) => linear(a, ww, bb), [x, w, b]);
  tt.ok(withBias.ok, withBias.message);
  const noBias = gradcheck((a, ww) => linear(a, ww), [x, w]);
  tt.ok(noBias.ok, noBias.message);
  const layer = new Linear(2 * 3 * 3, 7, { rng: r });
  tt.same(layer.forward(Tensor.zeros([4, 2, 3, 3])).shape, [4, 7]);
  tt.throws(() => linear(Tensor.zeros([2, 3]), Tensor.zeros([4, 5])), /linear: input \[2,3\] and weight \[4,5\] do not fit/);
});

t.test('registering a name twice is an error', async (tt) => {
  class Twice extends Module {
    constructor() {
      super();
      this.param('w', Tensor.zeros([1]));
      this.param('w', Tensor.zeros([1]));
    }
    forward(x: Tensor) {
      return x;
    }
  }
  tt.throws(() => new Twice(), /Twice: 'w' is registered twice/);
});

t.test('Sequential fuses BatchNorm2d + ReLU/ReLU6 with the same results, and leaves overridden modules alone', async (tt) => {
  const build = () => {
    const r = new Rng(5);
    const bn = new BatchNorm2d(3);
    bn.weight.data.fill(4); // so that some ReLU6 outputs reach the cap
    return new Sequential(new Conv2d(2, 3, 3, { rng: r, padding: 1 }), bn, new ReLU6(), new Conv2d(3, 3, 1, { rng: r }), new BatchNorm2d(3), new ReLU());
  };
  const x = Tensor.randn([4, 2, 5, 5], rng).mul(3);
  const fused = build();
  const unfused = build();
  // Step through the layers one by one: no fusion.
  const stepwise = (m: Sequential, h: Tensor) => m.layers.reduce((a, l) => l.forward(a), h);
  tt.ok(new Sequential(...build().layers.slice(0, 3)).forward(x).data.some((v) => v === 6), 'some ReLU6 outputs at the cap');
  for (const mode of ['train', 'eval'] as const) {
    fused.train(mode === 'train');
    unfused.train(mode === 'train');
    fused.zeroGrad();
    unfused.zeroGrad();
    const a = fused.forward(x);
    const b = stepwise(unfused, x);
    tt.same(Array.from(a.data), Array.from(b.data), `${mode}: outputs`);
    a.sum().backward();
    b.sum().backward();
    tt.same(fused.parameters().map((p) => Array.from(p.grad!.data)), unfused.parameters().map((p) => Array.from(p.grad!.data)), `${mode}: gradients`);
    tt.same(fused.namedBuffers().map(([, v]) => Array.from(v.data)), unfused.namedBuffers().map(([, v]) => Array.from(v.data)), `${mode}: running statistics`);
  }
  // A ReLU6 whose forward is replaced is called, not fused away.
  const net = build();
  let called = 0;
  const act = net.layers[2];
  const original = act.forward.bind(act);
  act.forward = (h: Tensor) => { called++; return original(h); };
  net.forward(x);
  tt.equal(called, 1, 'overridden activation still runs');
});
