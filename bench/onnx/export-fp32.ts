// FoldedGraph -> fp32 ONNX model (opset 13): Conv (BN folded), Clip or Relu, Add,
// GlobalAveragePool, Flatten, Gemm. The input is float32 [N, C, H, W] with a symbolic batch N;
// the output is the float32 logits [N, classes].
import { encodeOnnxModel, OnnxDataType, OnnxGraph, OnnxModel, OnnxNode, OnnxTensor } from './encode-onnx-model';
import type { FoldedGraph, FoldedOp } from './fold-model';

export const ONNX_OPSET = 13;
export const ONNX_IR_VERSION = 7;
export const ONNX_INPUT = 'input';
export const ONNX_OUTPUT = 'logits';

export function floatTensor(name: string, dims: number[], data: Float32Array | number[]): OnnxTensor {
  return { name, dataType: OnnxDataType.FLOAT, dims, data: Float32Array.from(data) };
}

/** Conv attributes shared by the fp32 and the int8 exports. */
export function convAttributes(op: Extract<FoldedOp, { kind: 'conv' }>): OnnxNode['attributes'] {
  const k = op.weightShape[2];
  return [
    { name: 'kernel_shape', type: 'ints', value: [k, k] },
    { name: 'strides', type: 'ints', value: [op.stride, op.stride] },
    { name: 'pads', type: 'ints', value: [op.pad, op.pad, op.pad, op.pad] },
    { name: 'group', type: 'int', value: op.groups },
  ];
}

/** The ONNX model of `g` with float weights; the graph's values keep their FoldedGraph names. */
export function fp32OnnxModel(g: FoldedGraph): OnnxModel {
  const nodes: OnnxNode[] = [];
  const inits: OnnxTensor[] = [];
  const rename = (v: string) => (v === g.input ? ONNX_INPUT : v === g.output ? ONNX_OUTPUT : v);
  for (const op of g.ops) {
    const name = `${op.kind}:${op.output}`;
    switch (op.kind) {
      case 'conv':
        inits.push(floatTensor(`${op.output}.w`, [...op.weightShape], op.weight), floatTensor(`${op.output}.b`, [op.weightShape[0]], op.bias));
        nodes.push({ opType: 'Conv', name, inputs: [rename(op.input), `${op.output}.w`, `${op.output}.b`], outputs: [rename(op.output)], attributes: convAttributes(op) });
        break;
      case 'clip':
        if (op.min === 0 && op.max === Infinity) {
          nodes.push({ opType: 'Relu', name, inputs: [rename(op.input)], outputs: [rename(op.output)] });
        } else {
          // Clip-11 and later take min and max as (scalar) inputs, not attributes.
          inits.push(floatTensor(`${op.output}.min`, [], [op.min]), floatTensor(`${op.output}.max`, [], [op.max]));
          nodes.push({ opType: 'Clip', name, inputs: [rename(op.input), `${op.output}.min`, `${op.output}.max`], outputs: [rename(op.output)] });
        }
        break;
      case 'add':
        nodes.push({ opType: 'Add', name, inputs: op.inputs.map(rename), outputs: [rename(op.output)] });
        break;
      case 'globalAvgPool':
        nodes.push({ opType: 'GlobalAveragePool', name, inputs: [rename(op.input)], outputs: [rename(op.output)] });
        break;
      case 'flatten':
        nodes.push({ opType: 'Flatten', name, inputs: [rename(op.input)], outputs: [rename(op.output)], attributes: [{ name: 'axis', type: 'int', value: 1 }] });
        break;
      case 'gemm':
        inits.push(floatTensor(`${op.output}.w`, [op.outFeatures, op.inFeatures], op.weight), floatTensor(`${op.output}.b`, [op.outFeatures], op.bias));
        nodes.push({
          opType: 'Gemm', name, inputs: [rename(op.input), `${op.output}.w`, `${op.output}.b`], outputs: [rename(op.output)],
          attributes: [{ name: 'transB', type: 'int', value: 1 }],
        });
        break;
    }
  }
  return wrapGraph(g, 'fp32', nodes, inits, []);
}

/** Model wrapper shared by both exports: float input [N, C, H, W], float logits [N, F]. */
export function wrapGraph(
  g: FoldedGraph, tag: string, nodes: OnnxNode[], initializers: OnnxTensor[], extraOpsets: { domain: string; version: number }[],
): OnnxModel {
  const graph: OnnxGraph = {
    name: `ddq-ts ${tag}`,
    nodes,
    initializers,
    inputs: [{ name: ONNX_INPUT, elemType: OnnxDataType.FLOAT, shape: ['N', ...g.shapes.get(g.input)!] }],
    outputs: [{ name: ONNX_OUTPUT, elemType: OnnxDataType.FLOAT, shape: ['N', ...g.shapes.get(g.output)!] }],
  };
  return {
    irVersion: ONNX_IR_VERSION,
    opsets: [{ domain: '', version: ONNX_OPSET }, ...extraOpsets],
    producerName: 'ddq-ts bench/onnx',
    producerVersion: '0.1.0',
    graph,
  };
}

/** The bytes of the fp32 .onnx file. */
export function exportFp32Onnx(g: FoldedGraph): Uint8Array {
  return encodeOnnxModel(fp32OnnxModel(g));
}
