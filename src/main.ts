// `npm start`: the main job. Until the MNIST/DDQ pipeline lands, it trains a small MLP on a
// seeded synthetic spiral data set and prints loss and accuracy per epoch.
import { spirals } from '../datasets/synthetic';
import { Tensor } from './tensor/tensor';
import { Rng } from './tensor/rng';
import { crossEntropy } from './ops/cross-entropy';
import { argmax } from './ops/argmax';
import { noGrad } from './autograd/grad-mode';
import { Linear, ReLU, Sequential } from './nn/index';
import { AdamW } from './optim/index';

function main(): void {
  const seed = 1;
  const rng = new Rng(seed);
  // One draw split in two, so train and test share the same random lift to 8 dimensions.
  const all = spirals({ count: 4000, classes: 3, features: 8, seed: seed + 1 });
  const cut = (from: number, to: number) => ({
    ...all,
    images: all.images.subarray(from * 8, to * 8),
    labels: all.labels.subarray(from, to),
    count: to - from,
  });
  const train = cut(0, 3000);
  const test = cut(3000, 4000);
  const model = new Sequential(new Linear(8, 64, { rng }), new ReLU(), new Linear(64, 64, { rng }), new ReLU(), new Linear(64, 3, { rng }));
  const opt = new AdamW(model.parameters(), { lr: 3e-3, weightDecay: 1e-4 });
  const batch = 64;
  const features = train.sampleShape[0];

  const accuracy = (data: typeof test): number =>
    noGrad(() => {
      model.eval();
      const pred = argmax(model.forward(Tensor.fromTypedArray(data.images, [data.count, features])), 1);
      model.train();
      let correct = 0;
      for (let i = 0; i < data.count; i++) if (pred.data[i] === data.labels[i]) correct++;
      return correct / data.count;
    });

  console.log(`ddq-ts: MLP ${model.parameterCount()} parameters on synthetic spirals (${train.count} train, ${test.count} test), seed ${seed}`);
  for (let epoch = 1; epoch <= 20; epoch++) {
    const order = rng.permutation(train.count);
    let lossSum = 0;
    let steps = 0;
    const t0 = Date.now();
    for (let start = 0; start + batch <= train.count; start += batch) {
      const x = new Float32Array(batch * features);
      const y = new Int32Array(batch);
      for (let b = 0; b < batch; b++) {
        const i = order[start + b];
        x.set(train.images.subarray(i * features, (i + 1) * features), b * features);
        y[b] = train.labels[i];
      }
      const loss = crossEntropy(model.forward(Tensor.fromTypedArray(x, [batch, features])), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      lossSum += loss.item();
      steps++;
    }
    console.log(
      `epoch ${String(epoch).padStart(2)}  loss ${(lossSum / steps).toFixed(4)}  train acc ${(100 * accuracy(train)).toFixed(2)}%  test acc ${(100 * accuracy(test)).toFixed(2)}%  (${Date.now() - t0} ms)`,
    );
  }
}

main();
