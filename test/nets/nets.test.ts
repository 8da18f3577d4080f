// The model zoo: output shapes, parameter counts computed by hand from the architecture, MACs,
// a backward pass through each net, and determinism of construction.
import t from 'tap';
import { Tensor, Rng, crossEntropy } from '../../src/index';
import { mlp } from '../../nets/mlp';
import { lenet5 } from '../../nets/lenet5';
import { mobilenetv2, makeDivisible } from '../../nets/mobilenetv2';
import { resnet20 } from '../../nets/resnet20';
import { modelProfile } from '../../nets/profile';

t.test('MLP and LeNet-5 parameter counts by hand', async (tt) => {
  const m = mlp({ inputSize: 784, hidden: [100, 50], classes: 10, rng: new Rng(1) });
  tt.equal(m.parameterCount(), 784 * 100 + 100 + 100 * 50 + 50 + 50 * 10 + 10);
  const l = lenet5({ classes: 10, rng: new Rng(1) });
  // conv1 6x1x5x5+6, conv2 16x6x5x5+16, fc 400x120+120, 120x84+84, 84x10+10
  tt.equal(l.parameterCount(), 156 + 2416 + 48120 + 10164 + 850);
  tt.same(l.forward(Tensor.zeros([2, 1, 28, 28])).shape, [2, 10]);
  const p = modelProfile(l, [1, 28, 28]);
  // MACs: conv1 150·28·28, conv2 2400·10·10, fcs 48000 + 10080 + 840
  tt.equal(p.macs, 150 * 784 + 2400 * 100 + 48000 + 10080 + 840);
  tt.equal(p.params, l.parameterCount());
});

t.test('ResNet-20: 20 weighted layers, CIFAR parameter count', async (tt) => {
  const r = resnet20({ inChannels: 3, classes: 10, rng: new Rng(2) });
  const weighted = r.namedParameters().filter(([n, p]) => p.rank >= 2 && !n.includes('shortcut'));
  tt.equal(weighted.length, 20);
  tt.same(r.forward(Tensor.zeros([1, 3, 32, 32])).shape, [1, 10]);
  // He et al. report 0.27M parameters for ResNet-20 (option A shortcuts); option B adds two 1x1 convs with BN.
  const n = r.parameterCount();
  tt.ok(n > 0.26e6 && n < 0.29e6, `${n} parameters`);
});

t.test('MobileNetV2: shapes, divisible widths, residuals, backward', async (tt) => {
  tt.equal(makeDivisible(32 * 0.35), 16);
  tt.equal(makeDivisible(24 * 0.5), 16);
  const net = mobilenetv2({ classes: 10, widthMultiplier: 0.5, rng: new Rng(3) });
  const x = Tensor.randn([2, 1, 28, 28], new Rng(4));
  const y = net.forward(x);
  tt.same(y.shape, [2, 10]);
  const loss = crossEntropy(y, [3, 7]);
  loss.backward();
  const missing = net.namedParameters().filter(([, p]) => p.grad === null).map(([n]) => n);
  tt.same(missing, [], 'every parameter receives a gradient');
  const depthwise = net.namedModules().filter(([, m]) => (m as { isDepthwise?: boolean }).isDepthwise);
  tt.ok(depthwise.length >= 8);
  const p = modelProfile(net, [1, 28, 28]);
  tt.ok(p.macs > 1e6 && p.params > 1e4, `${p.macs} MACs, ${p.params} params`);
  const big = mobilenetv2({ inChannels: 3, classes: 1000, size: 224, rng: new Rng(5) });
  // The paper's MobileNetV2 1.0 has 3.4M parameters (3.5M with its classifier rounding).
  tt.ok(Math.abs(big.parameterCount() - 3.5e6) < 0.1e6, `${big.parameterCount()} parameters`);
});

t.test('construction is deterministic in the seed', async (tt) => {
  const a = lenet5({ classes: 10, rng: new Rng(9) }).parameters();
  const b = lenet5({ classes: 10, rng: new Rng(9) }).parameters();
  tt.ok(a.every((p, i) => p.data.every((v, j) => v === b[i].data[j])));
});
