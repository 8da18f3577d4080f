// The peer: onnxruntime-web (a dev dependency) on its WebAssembly CPU backend, one thread, every
// file loaded from the installed package (no network). Sessions get ORT's full graph
// optimizations, which is where QDQ pairs become QLinearConv and friends and the int8 ops are
// moved to NHWC: ORT's fastest int8 path.
import * as path from 'path';
import type { InferenceSession as OrtSession } from 'onnxruntime-web';

type Ort = typeof import('onnxruntime-web');

let ortModule: Ort | null = null;

/** onnxruntime-web, configured once: wasm backend, single-threaded, no proxy worker. */
export function ortWasm(): Ort {
  if (ortModule) return ortModule;
  const ort = require('onnxruntime-web') as Ort;
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  // The .wasm/.mjs files next to the package's Node entry point.
  ort.env.wasm.wasmPaths = path.join(path.dirname(require.resolve('onnxruntime-web')), path.sep);
  ort.env.logLevel = 'warning';
  ortModule = ort;
  return ort;
}

export function ortVersion(): string {
  return ortWasm().env.versions.web ?? 'unknown';
}

export interface OrtSessionOptions {
  /** ORT's log severity (0 verbose ... 4 fatal); verbose shows which graph transformers fired. */
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'layout' | 'all';
  enableProfiling?: boolean;
}

export async function ortSession(model: Uint8Array, opts: OrtSessionOptions = {}): Promise<OrtSession> {
  const ort = ortWasm();
  return ort.InferenceSession.create(model, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: opts.graphOptimizationLevel ?? 'all',
    logSeverityLevel: opts.logSeverityLevel ?? 3,
    enableProfiling: opts.enableProfiling ?? false,
  });
}

/** Run a session on one float32 NCHW batch; returns the first output's data. */
export async function ortRun(session: OrtSession, x: Float32Array, shape: number[]): Promise<Float32Array> {
  const ort = ortWasm();
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x, shape) };
  const out = await session.run(feeds);
  const y = out[session.outputNames[0]];
  const data = y.data as Float32Array;
  y.dispose();
  return data;
}
