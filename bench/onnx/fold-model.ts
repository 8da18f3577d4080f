// A model lowered to the handful of inference ops an exporter needs, with batch norm folded into
// the convolution before it (eval mode: running statistics). Both ONNX exports (fp32 and int8)
// and the float interpreter used for calibration read this one form, so they see the same graph.
//
// Supported layers: Sequential, Conv2d (+ BatchNorm2d), ReLU, ReLU6, InvertedResidual (residual
// add), GlobalAvgPool2d, Flatten, Linear, Dropout/Identity (no-ops in eval), and the quantization
// wrappers QuantConv2d/QuantLinear (their fake-quantized weight is exported as a float weight).
import { noGrad } from '../../src/autograd/grad-mode';
import { Module } from '../../src/nn/module';
import { Sequential } from '../../src/nn/sequential';
import { Conv2d } from '../../src/nn/conv2d';
import { BatchNorm2d } from '../../src/nn/batch-norm';
import { Linear } from '../../src/nn/linear';
import { Dropout } from '../../src/nn/dropout';
import { Flatten, Identity, ReLU, ReLU6 } from '../../src/nn/activations';
import { GlobalAvgPool2d } from '../../src/nn/pooling';
import { QuantConv2d, QuantLinear } from '../../src/quant/quantized-layers';
import { InvertedResidual } from '../../nets/mobilenetv2';

/** Shape of one sample (no batch axis): [C, H, W] for feature maps, [F] for vectors. */
export type SampleShape = number[];

export type FoldedOp =
  | {
      kind: 'conv';
      input: string;
      output: string;
      /** [cOut, cIn/groups, k, k], batch norm folded in. */
      weight: Float32Array;
      weightShape: [number, number, number, number];
      bias: Float32Array;
      stride: number;
      pad: number;
      groups: number;
    }
  /** y = min(max(x, min), max); ReLU is max = Infinity. */
  | { kind: 'clip'; input: string; output: string; min: number; max: number }
  | { kind: 'add'; inputs: [string, string]; output: string }
  | { kind: 'globalAvgPool'; input: string; output: string }
  | { kind: 'flatten'; input: string; output: string }
  /** y = x·Wᵀ + b with W [outFeatures, inFeatures]. */
  | { kind: 'gemm'; input: string; output: string; weight: Float32Array; outFeatures: number; inFeatures: number; bias: Float32Array };

export interface FoldedGraph {
  input: string;
  output: string;
  ops: FoldedOp[];
  /** Every value's per-sample shape, the input's included. */
  shapes: Map<string, SampleShape>;
}

interface Builder {
  ops: FoldedOp[];
  shapes: Map<string, SampleShape>;
  next: number;
}

function fresh(b: Builder, hint: string, shape: SampleShape): string {
  const name = `${hint}_${b.next++}`;
  b.shapes.set(name, shape);
  return name;
}

function shapeOf(b: Builder, v: string): SampleShape {
  return b.shapes.get(v)!;
}

/** The conv's weight and bias with a following batch norm folded in (or as they are). */
function foldConv(conv: Conv2d, weight: Float32Array, bn: BatchNorm2d | null): { w: Float32Array; bias: Float32Array } {
  const cOut = conv.outChannels;
  const perChannel = weight.length / cOut;
  const w = new Float32Array(weight.length);
  const bias = new Float32Array(cOut);
  for (let c = 0; c < cOut; c++) {
    const b0 = conv.bias ? conv.bias.data[c] : 0;
    // BN(z) = gamma * (z - mean) / sqrt(var + eps) + beta = s*z + (beta - s*mean).
    const s = bn ? bn.weight.data[c] / Math.sqrt(bn.runningVar.data[c] + bn.eps) : 1;
    const shift = bn ? bn.bias.data[c] - s * bn.runningMean.data[c] : 0;
    for (let i = 0; i < perChannel; i++) w[c * perChannel + i] = s * weight[c * perChannel + i];
    bias[c] = s * b0 + shift;
  }
  return { w, bias };
}

function lowerConv(b: Builder, conv: Conv2d, weight: Float32Array, bn: BatchNorm2d | null, x: string): string {
  const [cIn, h, w] = shapeOf(b, x);
  if (cIn !== conv.inChannels) throw new Error(`foldModel: Conv2d expects ${conv.inChannels} input channels, the graph has ${cIn} at '${x}'`);
  const { stride, padding, dilation, groups } = conv.options;
  if (dilation !== 1) throw new Error(`foldModel: Conv2d dilation ${dilation} is not supported (1 only)`);
  if (bn && bn.channels !== conv.outChannels) {
    throw new Error(`foldModel: BatchNorm2d of ${bn.channels} channels after a Conv2d of ${conv.outChannels}`);
  }
  const k = conv.kernelSize;
  const outH = Math.floor((h + 2 * padding - k) / stride) + 1;
  const outW = Math.floor((w + 2 * padding - k) / stride) + 1;
  const folded = foldConv(conv, weight, bn);
  const y = fresh(b, 'conv', [conv.outChannels, outH, outW]);
  b.ops.push({
    kind: 'conv', input: x, output: y, weight: folded.w, bias: folded.bias,
    weightShape: [conv.outChannels, cIn / groups, k, k], stride, pad: padding, groups,
  });
  return y;
}

function lowerLinear(b: Builder, layer: Linear, weight: Float32Array, x: string): string {
  let v = x;
  if (shapeOf(b, v).length !== 1) v = lowerFlatten(b, v);
  const [f] = shapeOf(b, v);
  if (f !== layer.inFeatures) throw new Error(`foldModel: Linear expects ${layer.inFeatures} features, the graph has ${f} at '${v}'`);
  const y = fresh(b, 'gemm', [layer.outFeatures]);
  const bias = layer.bias ? Float32Array.from(layer.bias.data) : new Float32Array(layer.outFeatures);
  b.ops.push({ kind: 'gemm', input: v, output: y, weight: Float32Array.from(weight), outFeatures: layer.outFeatures, inFeatures: layer.inFeatures, bias });
  return y;
}

function lowerFlatten(b: Builder, x: string): string {
  const size = shapeOf(b, x).reduce((p, q) => p * q, 1);
  const y = fresh(b, 'flatten', [size]);
  b.ops.push({ kind: 'flatten', input: x, output: y });
  return y;
}

function lowerSequence(b: Builder, layers: Module[], x: string): string {
  let v = x;
  for (let i = 0; i < layers.length; i++) {
    const m = layers[i];
    const after = layers[i + 1];
    const bn = after instanceof BatchNorm2d ? after : null;
    if (m instanceof Conv2d || m instanceof QuantConv2d) {
      const conv = m instanceof QuantConv2d ? m.layer : m;
      const weight = m instanceof QuantConv2d ? Float32Array.from(m.quantizedWeight().data) : Float32Array.from(conv.weight.data);
      v = lowerConv(b, conv, weight, bn, v);
      if (bn) i++;
    } else if (m instanceof BatchNorm2d) {
      throw new Error(`foldModel: a BatchNorm2d (layer ${i}) must follow a Conv2d to be folded`);
    } else {
      v = lowerModule(b, m, v);
    }
  }
  return v;
}

function lowerModule(b: Builder, m: Module, x: string): string {
  if (m instanceof Sequential) return lowerSequence(b, m.layers, x);
  if (m instanceof Conv2d || m instanceof QuantConv2d) return lowerSequence(b, [m], x);
  if (m instanceof InvertedResidual) {
    const y = lowerModule(b, m.body, x);
    if (!m.useResidual) return y;
    const sum = fresh(b, 'add', shapeOf(b, y));
    b.ops.push({ kind: 'add', inputs: [x, y], output: sum });
    return sum;
  }
  if (m instanceof ReLU6 || m instanceof ReLU) {
    const y = fresh(b, 'clip', shapeOf(b, x));
    b.ops.push({ kind: 'clip', input: x, output: y, min: 0, max: m instanceof ReLU6 ? 6 : Infinity });
    return y;
  }
  if (m instanceof GlobalAvgPool2d) {
    const [c] = shapeOf(b, x);
    const y = fresh(b, 'pool', [c, 1, 1]);
    b.ops.push({ kind: 'globalAvgPool', input: x, output: y });
    return y;
  }
  if (m instanceof Flatten) return lowerFlatten(b, x);
  if (m instanceof Linear) return lowerLinear(b, m, m.weight.data as Float32Array, x);
  if (m instanceof QuantLinear) return lowerLinear(b, m.layer, m.quantizedWeight().data as Float32Array, x);
  if (m instanceof Dropout || m instanceof Identity) return x;
  throw new Error(`foldModel: layer ${m.constructor.name} is not supported (Conv2d, BatchNorm2d, ReLU, ReLU6, InvertedResidual, GlobalAvgPool2d, Flatten, Linear, Dropout, Identity)`);
}

/** Lower `model` (eval-mode semantics) for inputs of per-sample shape `inputShape` ([C, H, W]). */
export function foldModel(model: Module, inputShape: SampleShape): FoldedGraph {
  if (inputShape.length !== 3 || inputShape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error(`foldModel: inputShape must be [C, H, W] of positive integers, got [${inputShape.join(', ')}]`);
  }
  const b: Builder = { ops: [], shapes: new Map([['input', [...inputShape]]]), next: 0 };
  const output = noGrad(() => lowerModule(b, model, 'input'));
  return { input: 'input', output, ops: b.ops, shapes: b.shapes };
}
