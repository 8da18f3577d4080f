// The worker side of GradientWorker (see gradient-worker-host.ts): build the replica once,
// then for each step load the parameters and buffers it is sent, run forward and backward on
// its share of the batch, and reply with the gradients.
import { workerData, MessagePort } from 'worker_threads';
import type { Module } from '../nn/module';
import { Tensor } from '../tensor/tensor';
import { crossEntropy } from '../ops/cross-entropy';
import { mul } from '../ops/binary';
import { countCorrect } from '../train/logits';
import type { ModelRecipe } from './gradient-worker-host';
import type { FloatArray } from '../../kernels/float-array';

interface StepMessage {
  params: FloatArray[];
  buffers: FloatArray[];
  /** Each module's training flag, in namedModules order. */
  training: boolean[];
  x: FloatArray;
  shape: number[];
  y: Int32Array;
  lossScale: number;
}

const { recipe, port, flag } = workerData as { recipe: ModelRecipe; port: MessagePort; flag: Int32Array };

function reply(message: object, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

let model: Module | null = null;
try {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const build = require(recipe.module)[recipe.exportName] as (args: unknown) => Module;
  model = build(recipe.args);
  model.train();
} catch (err) {
  // Reported at the first step, where the main thread is waiting for an answer.
  const error = (err as Error).message;
  port.on('message', () => reply({ error: `building the replica: ${error}` }));
}

if (model) {
  const m = model;
  const params = m.parameters();
  const buffers = m.namedBuffers().map(([, b]) => b);
  const modules = m.namedModules().map(([, mod]) => mod);
  port.on('message', (msg: StepMessage) => {
    try {
      if (msg.params.length !== params.length || msg.buffers.length !== buffers.length || msg.training.length !== modules.length) {
        throw new Error(`the replica has ${params.length} parameters, ${buffers.length} buffers and ${modules.length} modules, the step sent ${msg.params.length}, ${msg.buffers.length} and ${msg.training.length}`);
      }
      msg.training.forEach((mode, i) => (modules[i].training = mode));
      msg.params.forEach((d, i) => params[i].data.set(d));
      msg.buffers.forEach((d, i) => buffers[i].data.set(d));
      for (const p of params) p.zeroGrad();
      const logits = m.forward(new Tensor(msg.x, msg.shape));
      const ce = crossEntropy(logits, msg.y);
      mul(ce, msg.lossScale).backward();
      const grads = params.map((p) => (p.grad ? p.grad.data.slice() : null));
      reply(
        { grads, lossSum: ce.item() * msg.y.length, correct: countCorrect(logits, msg.y) },
        grads.flatMap((g) => (g === null ? [] : [g.buffer as ArrayBuffer])),
      );
    } catch (err) {
      reply({ error: (err as Error).message });
    }
  });
}
