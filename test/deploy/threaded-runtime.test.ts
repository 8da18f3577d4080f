// Integer inference split across threads: the same logits, bit for bit, as one runtime on the
// whole batch, for batches that split evenly, unevenly, smaller than the thread count and larger
// than a worker's capacity (several rounds).
import t from 'tap';
import { Rng } from '../../src/tensor/rng';
import { Tensor } from '../../src/tensor/tensor';
import { noGrad } from '../../src/autograd/grad-mode';
import { lenet5 } from '../../nets/lenet5';
import { quantize } from '../../src/quant/quantize';
import { convertToInteger } from '../../src/deploy/convert';
import { IntegerRuntime } from '../../src/deploy/integer-runtime';
import { ThreadedRuntime } from '../../src/deploy/threaded-runtime';

t.test('ThreadedRuntime = IntegerRuntime, whatever the split', async (t) => {
  const rng = new Rng(4);
  const net = lenet5({ classes: 5, size: 16, rng });
  quantize(net, { method: 'lsq', weightBits: 4, activationBits: 8, inputShape: [1, 16, 16] });
  const x = Tensor.zeros([16, 1, 16, 16]);
  rng.fillNormal(x.data as Float32Array);
  net.train();
  noGrad(() => net.forward(x));
  const model = convertToInteger(net.eval(), { inputShape: [1, 16, 16] });
  const single = new IntegerRuntime(model);
  const threaded = new ThreadedRuntime(model, { threads: 2, workerCapacity: 3 });
  t.teardown(() => threaded.close());
  const data = Float32Array.from({ length: 11 * 256 }, () => rng.normal());
  for (const batch of [1, 2, 5, 6, 11]) {
    t.same([...threaded.run(data, batch)], [...single.run(data, batch)], `batch ${batch}`);
  }
  threaded.close();
  t.throws(() => threaded.run(data, 2), /the runtime was closed/);
  t.throws(() => new ThreadedRuntime(model, { threads: 0 }), /threads must be an integer in 1\.\.64/);
});
