// Integer inference on more than one core: the batch is split between the calling thread and
// worker threads, each running its own IntegerRuntime on the same model (a decoded copy of the
// model file). Results are bit for bit those of one IntegerRuntime on the whole batch, because
// every image is computed independently of the others.
//
// run() stays synchronous: the main thread copies each worker's images into a SharedArrayBuffer,
// bumps a job counter and wakes the workers (Atomics.notify), runs its own share, then blocks on
// Atomics.wait until every worker has published its logits. Workers never touch the main
// thread's buffers, so nothing is locked. A worker's first job waits for its start-up
// (TypeScript compilation and weight packing, about a second): call warmUp() first when timing.
import * as path from 'path';
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'worker_threads';
import type { IntegerModel } from './int-graph';
import { encodeModel } from './model-file';
import { IntegerRuntime, type KernelSet } from './integer-runtime';

/** Slots of the shared control array. */
export const CONTROL = { job: 0, images: 1, done: 2, error: 3 } as const;

export interface WorkerShared {
  control: SharedArrayBuffer;
  input: SharedArrayBuffer;
  output: SharedArrayBuffer;
}

export interface ThreadedRuntimeOptions {
  /** Threads in all, the calling one included (default 2: this machine's cores). */
  threads?: number;
  kernels?: KernelSet;
  /** Largest share of a batch one worker takes at a time (default 128 images). */
  workerCapacity?: number;
}

interface Helper {
  worker: Worker;
  port: MessagePort;
  control: Int32Array;
  input: Float32Array;
  output: Float32Array;
  job: number;
}

export class ThreadedRuntime {
  readonly model: IntegerModel;
  readonly threads: number;
  private readonly local: IntegerRuntime;
  private readonly helpers: Helper[] = [];
  private readonly capacity: number;
  private closed = false;

  constructor(model: IntegerModel, opts: ThreadedRuntimeOptions = {}) {
    const threads = opts.threads ?? 2;
    if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new Error(`ThreadedRuntime: threads must be an integer in 1..64, got ${threads}`);
    this.model = model;
    this.threads = threads;
    this.local = new IntegerRuntime(model, { kernels: opts.kernels });
    this.capacity = opts.workerCapacity ?? 128;
    const bytes = encodeModel(model);
    const inputSize = this.local.inputSize;
    for (let i = 1; i < threads; i++) {
      const shared: WorkerShared = {
        control: new SharedArrayBuffer(4 * 4),
        input: new SharedArrayBuffer(4 * this.capacity * inputSize),
        output: new SharedArrayBuffer(4 * this.capacity * model.classes),
      };
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(path.join(__dirname, 'runtime-worker-bootstrap.js'), {
        workerData: { bytes, kernels: this.local.kernels, shared, port: port2 },
        transferList: [port2],
      });
      worker.unref(); // a forgotten close() must not keep the process alive
      this.helpers.push({
        worker, port: port1, job: 0,
        control: new Int32Array(shared.control), input: new Float32Array(shared.input), output: new Float32Array(shared.output),
      });
    }
  }

  /** Logits [batch × classes] for a batch of normalised float images, NCHW. */
  run(x: Float32Array, batch: number): Float32Array {
    if (this.closed) throw new Error('ThreadedRuntime.run: the runtime was closed');
    if (!Number.isInteger(batch) || batch < 1) throw new Error(`ThreadedRuntime.run: batch must be a positive integer, got ${batch}`);
    const size = this.local.inputSize;
    if (x.length < batch * size) throw new Error(`ThreadedRuntime.run: input has ${x.length} values, need ${batch * size} for ${batch} images`);
    const C = this.model.classes;
    const out = new Float32Array(batch * C);
    // Rounds of at most `capacity` images per thread, split evenly; the caller takes the rest.
    for (let start = 0; start < batch; ) {
      const round = Math.min(batch - start, this.capacity * this.threads);
      const share = Math.floor(round / this.threads);
      const handed = share > 0 ? this.helpers : [];
      const mine = round - share * handed.length;
      handed.forEach((h, i) => {
        const from = start + mine + i * share;
        h.input.set(x.subarray(from * size, (from + share) * size));
        Atomics.store(h.control, CONTROL.images, share);
        h.job++;
        Atomics.store(h.control, CONTROL.job, h.job);
        Atomics.notify(h.control, CONTROL.job);
      });
      out.set(this.local.run(x.subarray(start * size, (start + mine) * size), mine), start * C);
      handed.forEach((h, i) => {
        this.wait(h);
        out.set(h.output.subarray(0, share * C), (start + mine + i * share) * C);
      });
      start += round;
    }
    return out;
  }

  /** Run one image on every thread, so worker start-up is not counted by the first timed run. */
  warmUp(): void {
    const x = new Float32Array(this.threads * this.local.inputSize);
    this.run(x, this.threads);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const h of this.helpers) {
      Atomics.store(h.control, CONTROL.job, -1);
      Atomics.notify(h.control, CONTROL.job);
      void h.worker.terminate();
    }
  }

  private wait(h: Helper): void {
    // Wake-ups can be spurious; the counter says when the job is really done.
    while (Atomics.load(h.control, CONTROL.done) !== h.job) {
      const r = Atomics.wait(h.control, CONTROL.done, Atomics.load(h.control, CONTROL.done), 120_000);
      if (r === 'timed-out') throw new Error('ThreadedRuntime: a worker did not answer within 120 s');
    }
    if (Atomics.load(h.control, CONTROL.error) === h.job) {
      const msg = receiveMessageOnPort(h.port)?.message as { error?: string } | undefined;
      throw new Error(`ThreadedRuntime: a worker failed: ${msg?.error ?? 'unknown error'}`);
    }
  }
}
