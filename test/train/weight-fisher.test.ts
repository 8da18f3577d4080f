// weightFisher: the mean squared batch gradient of every quantized layer's weights. The last
// layer's value is checked against the closed form of a linear layer under cross-entropy,
// ((softmax(z) - onehot(y))ᵀ·h / n)² per batch, in float64 from the features h the rest of the
// net computes (batch norm on batch statistics, as in training); nothing the run keeps changes.
import t from 'tap';
import { loadDataset } from '../../datasets/index';
import { DataLoader } from '../../datasets/loader';
import { Rng } from '../../src/tensor/rng';
import { BatchNorm2d, Conv2d, Flatten, GlobalAvgPool2d, Linear, ReLU, Sequential } from '../../src/nn/index';
import { noGrad } from '../../src/autograd/grad-mode';
import { quantize } from '../../src/quant/quantize';
import type { QuantLinear } from '../../src/quant/quantized-layers';
import { weightFisher } from '../../src/train/weight-fisher';
import { batchNormLayers } from '../../src/train/reestimate-batch-norm';

const data = loadDataset('synthetic:96,40');

function net(): { model: Sequential; layers: ReturnType<typeof quantize> } {
  const rng = new Rng(5);
  const model = new Sequential(
    new Conv2d(1, 3, 3, { rng, stride: 2 }), new BatchNorm2d(3), new ReLU(),
    new GlobalAvgPool2d(), new Flatten(), new Linear(3, 10, { rng }),
  );
  return { model, layers: quantize(model, { method: 'none' }) };
}

t.test('the last layer equals the closed form; wraps into further epochs; leaves the run as it was', async (tt) => {
  const batches = 5; // 96 images in batches of 32: three per epoch
  const loader = () => new DataLoader(data.train, { batchSize: 32, seed: 9 });
  const { model, layers } = net();
  model.eval(); // the modes it must put back
  const bn = batchNormLayers(model)[0];
  const running = [Float64Array.from(bn.runningMean.data), Float64Array.from(bn.runningVar.data)];
  const fisher = weightFisher(model, loader(), batches);

  tt.same(Array.from(bn.runningMean.data), Array.from(running[0]), 'running mean kept');
  tt.same(Array.from(bn.runningVar.data), Array.from(running[1]), 'running variance kept');
  tt.ok(model.namedModules().every(([, m]) => !m.training), 'modes restored');
  tt.ok(model.parameters().every((p) => p.grad === null || p.grad.data.every((g) => g === 0)), 'gradients cleared');
  tt.equal(fisher.size, 2);
  tt.ok(layers.every(({ layer }) => fisher.get(layer)!.length === layer.weight.size));

  // Reference for the Linear(3, 10) layer, on an identical net.
  const ref = net();
  const prefix = ref.model.layers.slice(0, 5);
  for (const b of batchNormLayers(ref.model)) b.training = true;
  const linear = layers[1].layer as QuantLinear;
  const bias = linear.layer.bias!.data;
  const expected = new Float64Array(30);
  let seen = 0;
  const l = loader();
  noGrad(() => {
    while (seen < batches) for (const { x, y } of l.epochBatches()) {
      let h = x;
      for (const m of prefix) h = m.forward(h);
      const n = y.length;
      const g = new Float64Array(30);
      for (let k = 0; k < n; k++) {
        const z = Array.from({ length: 10 }, (_, o) => bias[o] + [0, 1, 2].reduce((s, i) => s + linear.weight.data[o * 3 + i] * h.data[k * 3 + i], 0));
        const top = Math.max(...z);
        const e = z.map((v) => Math.exp(v - top));
        const sum = e.reduce((a, b) => a + b, 0);
        for (let o = 0; o < 10; o++) for (let i = 0; i < 3; i++) g[o * 3 + i] += ((e[o] / sum - (o === y[k] ? 1 : 0)) * h.data[k * 3 + i]) / n;
      }
      for (let i = 0; i < 30; i++) expected[i] += g[i] ** 2 / batches;
      if (++seen === batches) break;
    }
  });
  const got = fisher.get(linear)!;
  const worst = Math.max(...Array.from(got, (v, i) => Math.abs(v - expected[i]) / Math.max(1e-12, expected[i])));
  tt.ok(worst < 1e-4, `relative error ${worst.toExponential(2)} (float32 network)`);
  tt.ok(expected.some((v) => v > 0), 'a non-trivial reference');
});

t.test('bad batch counts are named', async (tt) => {
  const { model } = net();
  tt.throws(() => weightFisher(model, new DataLoader(data.train, { batchSize: 32, seed: 1 }), 0), /batches must be a positive integer, got 0/);
});
