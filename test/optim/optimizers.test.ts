// Optimizer updates against the formulas computed by hand here, step by step.
import t from 'tap';
import { Tensor } from '../../src/index';
import { SGD, AdamW, schedules } from '../../src/optim/index';

const param = (values: number[]) => Tensor.fromArray(values, { dtype: 'float64', requiresGrad: true });
const setGrad = (p: Tensor, values: number[]) => (p.grad = Tensor.fromArray(values, { dtype: 'float64' }));

t.test('plain SGD with weight decay', async (tt) => {
  const p = param([1, -2]);
  const opt = new SGD([p], { lr: 0.1, weightDecay: 0.5 });
  setGrad(p, [0.3, 0.4]);
  opt.step();
  // w - lr * (g + wd * w)
  tt.same(Array.from(p.data), [1 - 0.1 * (0.3 + 0.5), -2 - 0.1 * (0.4 - 1)]);
});

t.test('SGD momentum and Nesterov over two steps', async (tt) => {
  for (const nesterov of [false, true]) {
    const p = param([1]);
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9, nesterov });
    let w = 1;
    let v = 0;
    for (const g of [0.5, -0.2]) {
      setGrad(p, [g]);
      opt.step();
      v = 0.9 * v + g;
      w -= 0.1 * (nesterov ? g + 0.9 * v : v);
      tt.ok(Math.abs(p.data[0] - w) < 1e-15, `nesterov=${nesterov}: ${p.data[0]} vs ${w}`);
    }
  }
});

t.test('AdamW matches the bias-corrected, decoupled-decay formulas', async (tt) => {
  const p = param([0.5, -1.5]);
  const opt = new AdamW([p], { lr: 0.01, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.1 });
  const w = [0.5, -1.5];
  const m = [0, 0];
  const v = [0, 0];
  const grads = [[0.2, -0.1], [0.05, 0.3], [-0.4, 0.0]];
  grads.forEach((g, step) => {
    setGrad(p, g);
    opt.step();
    const t1 = step + 1;
    for (let j = 0; j < 2; j++) {
      w[j] -= 0.01 * 0.1 * w[j];
      m[j] = 0.8 * m[j] + 0.2 * g[j];
      v[j] = 0.95 * v[j] + 0.05 * g[j] * g[j];
      const mh = m[j] / (1 - 0.8 ** t1);
      const vh = v[j] / (1 - 0.95 ** t1);
      w[j] -= (0.01 * mh) / (Math.sqrt(vh) + 1e-6);
      tt.ok(Math.abs(p.data[j] - w[j]) < 1e-14, `step ${t1} element ${j}`);
    }
  });
});

t.test('parameters without a gradient are left alone; state round trips', async (tt) => {
  const a = param([1, 2]);
  const b = param([3]);
  const opt = new AdamW([a, b], { lr: 0.1 });
  setGrad(a, [1, 1]);
  opt.step();
  tt.same(Array.from(b.data), [3]);
  const saved = opt.stateDict();
  const a2 = param(Array.from(a.data));
  const b2 = param([3]);
  const opt2 = new AdamW([a2, b2], { lr: 0.1 });
  opt2.loadStateDict(JSON.parse(JSON.stringify(saved)));
  setGrad(a, [0.5, -0.5]);
  setGrad(a2, [0.5, -0.5]);
  opt.step();
  opt2.step();
  tt.same(Array.from(a2.data), Array.from(a.data), 'resumed optimizer continues identically');
  tt.throws(() => opt2.loadStateDict({ ...saved, slots: [saved.slots[0]] }), /state has 1 parameters, optimizer has 2/);
});

t.test('bad hyper-parameters are rejected', async (tt) => {
  const p = param([1]);
  tt.throws(() => new SGD([p], { lr: -1 }), /SGD: learning rate must be a finite number >= 0/);
  tt.throws(() => new SGD([p], { lr: 0.1, nesterov: true }), /Nesterov momentum needs momentum > 0/);
  tt.throws(() => new AdamW([p], { lr: 0.1, beta1: 1 }), /AdamW: beta1 must be in \[0, 1\)/);
  tt.throws(() => new SGD([Tensor.zeros([2])], { lr: 0.1 }), /does not require a gradient/);
});

t.test('schedules', async (tt) => {
  const s = schedules.stepDecay(1, 10, 0.5);
  tt.same([0, 9, 10, 25].map(s), [1, 1, 0.5, 0.25]);
  const c = schedules.cosine(2, 100, 0.2);
  tt.equal(c(0), 2);
  tt.ok(Math.abs(c(50) - 1.1) < 1e-12);
  tt.ok(Math.abs(c(100) - 0.2) < 1e-12);
  tt.ok(Math.abs(c(150) - 0.2) < 1e-12);
  const w = schedules.linearWarmup(4, schedules.constant(1));
  tt.same([0, 1, 3, 4, 10].map(w), [0.25, 0.5, 1, 1, 1]);
});
