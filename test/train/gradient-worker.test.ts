// The second-core worker: the gradients of half a batch computed in the worker plus those of
// the other half computed here equal the gradients of the whole batch (a model without batch
// norm, so the split changes nothing but rounding); errors in the worker surface clearly.
import t from 'tap';
import * as path from 'path';
import { Tensor, Rng, crossEntropy, mul } from '../../src/index';
import { GradientWorker } from '../../src/parallel/gradient-worker-host';
import { buildMlpReplica } from './fixtures/mlp-replica';

const recipe = { module: path.join(__dirname, 'fixtures', 'mlp-replica.ts'), exportName: 'buildMlpReplica', args: { seed: 99 } };

t.test('half here + half in the worker = the whole batch', async (t) => {
  const model = buildMlpReplica({ seed: 1 }); // different initial values from the replica's: the step sends ours
  const rng = new Rng(2);
  const x = Tensor.randn([10, 12], rng);
  const y = Int32Array.from({ length: 10 }, () => rng.int(0, 4));
  crossEntropy(model.forward(x), y).backward();
  const whole = model.parameters().map((p) => Float64Array.from(p.grad!.data));

  const worker = new GradientWorker(recipe);
  t.teardown(() => worker.close());
  model.zeroGrad();
  worker.start(model, new Tensor(x.data.slice(6 * 12), [4, 12]), y.slice(6), 4 / 10);
  const ce = crossEntropy(model.forward(new Tensor(x.data.subarray(0, 6 * 12), [6, 12])), y.subarray(0, 6));
  mul(ce, 6 / 10).backward();
  const reply = worker.finish(model);
  let worst = 0;
  model.parameters().forEach((p, i) => {
    for (let j = 0; j < p.size; j++) worst = Math.max(worst, Math.abs(p.grad!.data[j] - whole[i][j]));
  });
  t.ok(worst < 1e-6, `largest difference ${worst}`);
  t.ok(reply.correct >= 0 && reply.correct <= 4);
  t.ok(Number.isFinite(reply.lossSum));
  t.throws(() => worker.finish(model), /finish\(\) without start\(\)/);
});

t.test('a replica that does not match is reported', async (t) => {
  const worker = new GradientWorker({ ...recipe, args: { seed: 1 } });
  t.teardown(() => worker.close());
  const other = buildMlpReplica({ seed: 1 });
  // A model with an extra parameter list entry: the worker refuses the step.
  const wrong = {
    parameters: () => [...other.parameters(), Tensor.zeros([1])], namedBuffers: () => other.namedBuffers(), namedModules: () => other.namedModules(),
  } as unknown as typeof other;
  worker.start(wrong, Tensor.zeros([2, 12]), new Int32Array(2), 1);
  const modules = other.namedModules().length;
  t.throws(() => worker.finish(other), new RegExp(`the worker failed: the replica has 4 parameters, 0 buffers and ${modules} modules, the step sent 5, 0 and ${modules}`));
});
