// A float interpreter of a FoldedGraph on our own kernels: the exporter's reference for what the
// ONNX model computes (BN folded) and the source of activation ranges for int8 calibration.
import { conv2d } from '../../kernels/conv2d';
import { conv2dParams } from '../../kernels/conv2d-params';
import { globalAvgPool2d } from '../../kernels/pool2d';
import { gemm } from '../../kernels/gemm';
import type { FoldedGraph } from './fold-model';

/**
 * Every value of the graph for a batch of `n` samples (NCHW / [N, F], row-major). `onValue`, if
 * given, sees each value as soon as it is computed (the input first) and may change it in place,
 * e.g. to simulate quantization.
 */
export function runFoldedGraph(
  g: FoldedGraph, x: Float32Array, n: number, onValue?: (name: string, data: Float32Array) => void,
): Map<string, Float32Array> {
  const per = g.shapes.get(g.input)!.reduce((a, b) => a * b, 1);
  if (x.length !== n * per) throw new Error(`runFoldedGraph: input has ${x.length} values, ${n} samples of ${per} need ${n * per}`);
  const input = onValue ? Float32Array.from(x) : x;
  onValue?.(g.input, input);
  const values = new Map<string, Float32Array>([[g.input, input]]);
  const size = (v: string) => n * g.shapes.get(v)!.reduce((a, b) => a * b, 1);
  for (const op of g.ops) {
    switch (op.kind) {
      case 'conv': {
        const [cIn, h, w] = g.shapes.get(op.input)!;
        const [cOut, , k] = op.weightShape;
        const p = conv2dParams({ n, cIn, h, w, cOut, kh: k, kw: k, strideH: op.stride, strideW: op.stride, padH: op.pad, padW: op.pad, groups: op.groups });
        const y = new Float32Array(size(op.output));
        conv2d(p, values.get(op.input)!, op.weight, op.bias, y);
        values.set(op.output, y);
        break;
      }
      case 'clip': {
        const x0 = values.get(op.input)!;
        const y = new Float32Array(x0.length);
        for (let i = 0; i < x0.length; i++) y[i] = Math.min(Math.max(x0[i], op.min), op.max);
        values.set(op.output, y);
        break;
      }
      case 'add': {
        const a = values.get(op.inputs[0])!;
        const b = values.get(op.inputs[1])!;
        const y = new Float32Array(a.length);
        for (let i = 0; i < a.length; i++) y[i] = a[i] + b[i];
        values.set(op.output, y);
        break;
      }
      case 'globalAvgPool': {
        const [c, h, w] = g.shapes.get(op.input)!;
        const y = new Float32Array(n * c);
        globalAvgPool2d({ n, c, h, w }, values.get(op.input)!, y);
        values.set(op.output, y);
        break;
      }
      case 'flatten':
        values.set(op.output, onValue ? Float32Array.from(values.get(op.input)!) : values.get(op.input)!);
        break;
      case 'gemm': {
        const y = new Float32Array(n * op.outFeatures);
        gemm(n, op.outFeatures, op.inFeatures, values.get(op.input)!, op.weight, y, { transB: true });
        for (let i = 0; i < n; i++) for (let j = 0; j < op.outFeatures; j++) y[i * op.outFeatures + j] += op.bias[j];
        values.set(op.output, y);
        break;
      }
    }
    onValue?.(op.output, values.get(op.output)!);
  }
  return values;
}
