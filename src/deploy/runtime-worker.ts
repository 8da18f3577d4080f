// The worker side of ThreadedRuntime (threaded-runtime.ts): decode the model once, build its own
// IntegerRuntime, then for every job run the images the main thread put in the shared input
// buffer and write their logits to the shared output buffer. Jobs and completions are counters
// in a shared Int32Array, waited on with Atomics, so no message is exchanged per batch.
import { workerData, MessagePort } from 'worker_threads';
import { decodeModel } from './model-file';
import { IntegerRuntime, type KernelSet } from './integer-runtime';
import { CONTROL, type WorkerShared } from './threaded-runtime';

const { bytes, kernels, shared, port } = workerData as { bytes: Uint8Array; kernels: KernelSet; shared: WorkerShared; port: MessagePort };
const control = new Int32Array(shared.control);
const input = new Float32Array(shared.input);
const output = new Float32Array(shared.output);

function finish(job: number, error?: string): void {
  if (error !== undefined) {
    port.postMessage({ job, error });
    Atomics.store(control, CONTROL.error, job);
  }
  Atomics.store(control, CONTROL.done, job);
  Atomics.notify(control, CONTROL.done);
}

let runtime: IntegerRuntime | null = null;
let startError: string | undefined;
try {
  runtime = new IntegerRuntime(decodeModel(bytes, 'worker copy'), { kernels });
} catch (err) {
  startError = `building the worker's runtime: ${(err as Error).message}`;
}

let seen = 0;
for (;;) {
  Atomics.wait(control, CONTROL.job, seen);
  const job = Atomics.load(control, CONTROL.job);
  if (job < 0) break;
  seen = job;
  if (!runtime) {
    finish(job, startError);
    continue;
  }
  try {
    const n = Atomics.load(control, CONTROL.images);
    output.set(runtime.run(input, n));
    finish(job);
  } catch (err) {
    finish(job, (err as Error).message);
  }
}
