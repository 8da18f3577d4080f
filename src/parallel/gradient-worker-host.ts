// Data parallelism on the second core: a worker thread holds a replica of the model, and for
// each step it receives the current parameters and buffers plus its share of the batch, runs
// forward and backward, and sends its gradients back. The main thread computes the other share
// meanwhile and adds the worker's gradients to its own before the optimizer step. The replica
// runs each module in the mode the model has (a trainer may hold batch norm in evaluation mode).
//
// The replica is rebuilt in the worker from a recipe (a module path, an exported function and
// JSON arguments) so that parameter names and order match. Nothing in the worker carries state
// from one step to the next (every value it uses arrives with the step), so a run with a worker
// is deterministic and resumes exactly. The main thread blocks on an Atomics flag and reads the
// reply with receiveMessageOnPort, which keeps the training loop synchronous.
import * as path from 'path';
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'worker_threads';
import type { Module } from '../nn/module';
import { Tensor, Tensor as TensorClass } from '../tensor/tensor';
import type { FloatArray } from '../../kernels/float-array';

/** How to build the model in the worker: `require(module)[exportName](args)` returns it. */
export interface ModelRecipe {
  module: string;
  exportName: string;
  args: unknown;
}

export interface StepReply {
  /** Sum over the worker's samples of the cross-entropy (not the mean). */
  lossSum: number;
  correct: number;
}

interface WorkerReply extends StepReply {
  grads?: (FloatArray | null)[];
  error?: string;
}

export class GradientWorker {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag: Int32Array;
  private pending = false;
  private closed = false;

  constructor(recipe: ModelRecipe) {
    const { port1, port2 } = new MessageChannel();
    this.flag = new Int32Array(new SharedArrayBuffer(4));
    this.port = port1;
    this.worker = new Worker(path.join(__dirname, 'worker-bootstrap.js'), {
      workerData: { recipe, port: port2, flag: this.flag },
      transferList: [port2],
    });
    // An exception during start-up surfaces at the first finish() through the flag protocol;
    // the worker must not keep the process alive once training ends.
    this.worker.unref();
  }

  /**
   * Send the model's current parameters and buffers and a share of the batch. The worker
   * computes gradients of lossScale·mean-cross-entropy over its share.
   */
  start(model: Module, x: Tensor, y: Int32Array, lossScale: number): void {
    if (this.closed) throw new Error('GradientWorker: closed');
    if (this.pending) throw new Error('GradientWorker: start() called twice without finish()');
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage({
      params: model.parameters().map((p) => p.data),
      buffers: model.namedBuffers().map(([, b]) => b.data),
      // Per module, so layers the trainer holds in evaluation mode (fixed batch norm) match.
      training: model.namedModules().map(([, m]) => m.training),
      x: x.data,
      shape: x.shape,
      y,
      lossScale,
    });
    this.pending = true;
  }

  /** Wait for the worker, add its gradients into the model's parameters, return its loss and hits. */
  finish(model: Module): StepReply {
    if (!this.pending) throw new Error('GradientWorker: finish() without start()');
    this.pending = false;
    // Wake-ups can be spurious; the flag says when the reply is really there.
    while (Atomics.load(this.flag, 0) === 0) Atomics.wait(this.flag, 0, 0, 60_000);
    const msg = receiveMessageOnPort(this.port);
    if (!msg) throw new Error('GradientWorker: the worker signalled but sent no reply');
    const reply = msg.message as WorkerReply;
    if (reply.error) throw new Error(`GradientWorker: the worker failed: ${reply.error}`);
    const params = model.parameters();
    reply.grads!.forEach((g, i) => {
      if (g !== null) addInto(params[i], g);
    });
    return { lossSum: reply.lossSum, correct: reply.correct };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.worker.terminate();
  }
}

/**
 * p.grad = p.grad + g as a fresh array: a leaf's gradient may share its array with another
 * gradient (the backward pass never copies), so it is never modified in place.
 */
function addInto(p: Tensor, g: FloatArray): void {
  const sum = p.dtype === 'float64' ? new Float64Array(p.size) : new Float32Array(p.size);
  if (p.grad !== null) sum.set(p.grad.data);
  for (let i = 0; i < sum.length; i++) sum[i] += g[i];
  p.grad = new TensorClass(sum, p.shape);
}
