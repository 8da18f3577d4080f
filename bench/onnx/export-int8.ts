// FoldedGraph + calibrated ranges -> int8 ONNX model in either of the two forms ONNX Runtime
// runs on its integer kernels:
//   'qdq'       standard ops with QuantizeLinear/DequantizeLinear pairs around them (what ORT's
//               own quantization tool writes by default); ORT's QDQ transformer fuses each
//               DQ->Conv->Q into QLinearConv, DQ->Add->Q into QLinearAdd, DQ->GlobalAveragePool->Q
//               into QLinearGlobalAveragePool, DQ->Gemm into QGemm, and drops QDQ around Flatten;
//   'qoperator' those integer ops written out directly (QLinearConv from ai.onnx; QLinearAdd,
//               QLinearGlobalAveragePool and QGemm from ORT's com.microsoft domain).
// Both: per-output-channel symmetric int8 weights, int32 biases on the accumulator grid, 8-bit
// activations (uint8 by default, as ORT's tool writes; int8 optional) with a per-tensor scale and
// zero point from MinMax calibration, float logits. ReLU6/ReLU after a conv is folded into the
// conv's output quantization (its calibrated range lies inside [0, 6], so the 8-bit saturation
// is the clip); ORT's ClipQuantRewrite does the same to a Clip right before a QuantizeLinear.
import { encodeOnnxModel, OnnxDataType, OnnxModel, OnnxNode, OnnxTensor } from './encode-onnx-model';
import { convAttributes, floatTensor, ONNX_INPUT, ONNX_OUTPUT, wrapGraph } from './export-fp32';
import type { FoldedGraph, FoldedOp } from './fold-model';
import { quantizeBias, quantizeWeightsPerChannel, ActivationParams, ActivationType, activationParams } from './quantization-params';
import type { Range } from './calibrate-ranges';

export type Int8Form = 'qdq' | 'qoperator';

export const MS_DOMAIN = 'com.microsoft';

/** Which values are held in 8 bits and with what parameters; which clips fold into their conv. */
export interface Int8Plan {
  params: Map<string, ActivationParams>;
  /** Outputs of conv ops whose only consumer is a clip folded into them -> that clip's output. */
  foldedClip: Map<string, string>;
}

function consumers(g: FoldedGraph): Map<string, FoldedOp[]> {
  const out = new Map<string, FoldedOp[]>();
  for (const op of g.ops) {
    for (const v of op.kind === 'add' ? op.inputs : [op.input]) out.set(v, [...(out.get(v) ?? []), op]);
  }
  return out;
}

/** Decide the quantized values of `g` from calibrated `ranges` (see calibrateRanges). */
export function planInt8(g: FoldedGraph, ranges: Map<string, Range>, activations: ActivationType = 'uint8'): Int8Plan {
  const users = consumers(g);
  const params = new Map<string, ActivationParams>();
  const foldedClip = new Map<string, string>();
  const need = (v: string) => {
    const r = ranges.get(v);
    if (!r) throw new Error(`planInt8: no calibrated range for value '${v}'`);
    params.set(v, activationParams(r, activations));
  };
  need(g.input);
  for (const op of g.ops) {
    const u = users.get(op.output) ?? [];
    if (op.kind === 'conv' && u.length === 1 && u[0].kind === 'clip' && u[0].min === 0) {
      foldedClip.set(op.output, u[0].output);
      continue;
    }
    if (op.kind === 'clip' && foldedClip.get(op.input) === op.output) {
      need(op.output); // the folded conv's output grid: the clipped range
      continue;
    }
    if (op.kind === 'flatten' || op.kind === 'clip') {
      // Same bytes (flatten) or a clip on the input's own grid: the input's parameters.
      params.set(op.output, params.get(op.input)!);
      continue;
    }
    if (op.output === g.output && op.kind === 'gemm') continue; // float logits straight from QGemm
    need(op.output);
  }
  return { params, foldedClip };
}

/** Scalar initializers for one quantized value's scale and zero point; returns their names. */
function scalarParams(inits: OnnxTensor[], have: Set<string>, v: string, p: ActivationParams): [string, string] {
  const s = `${v}.scale`;
  const z = `${v}.zero_point`;
  if (!have.has(s)) {
    have.add(s);
    const zero: OnnxTensor = p.type === 'uint8'
      ? { name: z, dataType: OnnxDataType.UINT8, dims: [], data: Uint8Array.of(p.zeroPoint) }
      : { name: z, dataType: OnnxDataType.INT8, dims: [], data: Int8Array.of(p.zeroPoint) };
    inits.push(floatTensor(s, [], [p.scale]), zero);
  }
  return [s, z];
}

interface Emitter {
  g: FoldedGraph;
  plan: Int8Plan;
  nodes: OnnxNode[];
  inits: OnnxTensor[];
  have: Set<string>;
}

/**
 * Per-channel int8 weight and int32 bias initializers for a conv or gemm; with `biasParams`, also
 * the bias's own scale and zero point (the QDQ form dequantizes it; QLinearConv and QGemm imply
 * them).
 */
function weightInits(e: Emitter, op: Extract<FoldedOp, { kind: 'conv' | 'gemm' }>, inputScale: number, biasParams: boolean) {
  const dims = op.kind === 'conv' ? [...op.weightShape] : [op.outFeatures, op.inFeatures];
  const channels = dims[0];
  const w = quantizeWeightsPerChannel(op.weight, channels);
  const b = quantizeBias(op.bias, inputScale, w.scales);
  const n = op.output;
  e.inits.push(
    { name: `${n}.w_q`, dataType: OnnxDataType.INT8, dims, data: w.q },
    floatTensor(`${n}.w_scale`, [channels], w.scales),
    { name: `${n}.w_zero_point`, dataType: OnnxDataType.INT8, dims: [channels], data: new Int8Array(channels) },
    { name: `${n}.b_q`, dataType: OnnxDataType.INT32, dims: [channels], data: b.q },
  );
  if (biasParams) {
    e.inits.push(
      floatTensor(`${n}.b_scale`, [channels], b.scales),
      { name: `${n}.b_zero_point`, dataType: OnnxDataType.INT32, dims: [channels], data: new Int32Array(channels) },
    );
  }
  return { w: `${n}.w_q`, wScale: `${n}.w_scale`, wZero: `${n}.w_zero_point`, b: `${n}.b_q`, bScale: `${n}.b_scale`, bZero: `${n}.b_zero_point` };
}

/** The value an op's result is stored as (a folded clip's output stands in for its conv). */
function resultOf(e: Emitter, op: FoldedOp): string {
  return e.plan.foldedClip.get(op.output) ?? op.output;
}

function emitQdq(e: Emitter): void {
  const { g, plan, nodes } = e;
  const foldedClips = new Set(plan.foldedClip.values());
  /** Float name carrying each quantized value after its Q->DQ pair. */
  const dq = new Map<string, string>();
  // The float logits come straight from the last op unless the output is quantized (then an
  // Identity hands out its dequantized form).
  const outputQuantized = plan.params.has(g.output);
  const floatName = (v: string) => (v === g.input ? ONNX_INPUT : v === g.output && !outputQuantized ? ONNX_OUTPUT : v);
  const quantize = (v: string) => {
    const p = plan.params.get(v)!;
    const [s, z] = scalarParams(e.inits, e.have, v, p);
    nodes.push({ opType: 'QuantizeLinear', inputs: [floatName(v), s, z], outputs: [`${v}.q`] });
    nodes.push({ opType: 'DequantizeLinear', inputs: [`${v}.q`, s, z], outputs: [`${v}.dq`] });
    dq.set(v, `${v}.dq`);
  };
  const input = (v: string) => {
    const name = dq.get(v);
    if (!name) throw new Error(`int8 export: value '${v}' is used before it was quantized`);
    return name;
  };
  quantize(g.input);
  for (const op of g.ops) {
    if (op.kind === 'clip' && foldedClips.has(op.output)) continue; // emitted with its conv
    const out = resultOf(e, op);
    switch (op.kind) {
      case 'conv':
      case 'gemm': {
        const q = weightInits(e, op, plan.params.get(op.input)!.scale, true);
        const axis = [{ name: 'axis', type: 'int' as const, value: 0 }];
        nodes.push({ opType: 'DequantizeLinear', inputs: [q.w, q.wScale, q.wZero], outputs: [`${op.output}.w_dq`], attributes: axis });
        nodes.push({ opType: 'DequantizeLinear', inputs: [q.b, q.bScale, q.bZero], outputs: [`${op.output}.b_dq`], attributes: axis });
        const ins = [input(op.input), `${op.output}.w_dq`, `${op.output}.b_dq`];
        if (op.kind === 'conv') {
          // With a folded clip, the conv's float result goes straight into the clip output's Q.
          nodes.push({ opType: 'Conv', inputs: ins, outputs: [floatName(out)], attributes: convAttributes(op) });
        } else {
          nodes.push({ opType: 'Gemm', inputs: ins, outputs: [floatName(out)], attributes: [{ name: 'transB', type: 'int', value: 1 }] });
        }
        break;
      }
      case 'clip': {
        const lo = floatTensor(`${op.output}.min`, [], [op.min]);
        const ins = [input(op.input), lo.name];
        e.inits.push(lo);
        if (op.max !== Infinity) {
          e.inits.push(floatTensor(`${op.output}.max`, [], [op.max]));
          ins.push(`${op.output}.max`);
        }
        nodes.push({ opType: 'Clip', inputs: ins, outputs: [floatName(out)] });
        break;
      }
      case 'add':
        nodes.push({ opType: 'Add', inputs: op.inputs.map(input), outputs: [floatName(out)] });
        break;
      case 'globalAvgPool':
        nodes.push({ opType: 'GlobalAveragePool', inputs: [input(op.input)], outputs: [floatName(out)] });
        break;
      case 'flatten':
        nodes.push({ opType: 'Flatten', inputs: [input(op.input)], outputs: [floatName(out)], attributes: [{ name: 'axis', type: 'int', value: 1 }] });
        break;
    }
    if (plan.params.has(out)) {
      quantize(out);
      // A quantized graph output is handed out dequantized.
      if (out === g.output) nodes.push({ opType: 'Identity', inputs: [`${out}.dq`], outputs: [ONNX_OUTPUT] });
    }
  }
}

function emitQOperator(e: Emitter): void {
  const { g, plan, nodes } = e;
  const foldedClips = new Set(plan.foldedClip.values());
  /** The 8-bit tensor holding each quantized value. */
  const u8 = (v: string) => `${v}.q`;
  const sz = (v: string) => scalarParams(e.inits, e.have, v, plan.params.get(v)!);
  nodes.push({ opType: 'QuantizeLinear', inputs: [ONNX_INPUT, ...sz(g.input)], outputs: [u8(g.input)] });
  for (const op of g.ops) {
    if (op.kind === 'clip' && foldedClips.has(op.output)) continue;
    const out = resultOf(e, op);
    const floatOut = out === g.output && !plan.params.has(out);
    switch (op.kind) {
      case 'conv': {
        const q = weightInits(e, op, plan.params.get(op.input)!.scale, false);
        nodes.push({
          opType: 'QLinearConv',
          inputs: [u8(op.input), ...sz(op.input), q.w, q.wScale, q.wZero, ...sz(out), q.b],
          outputs: [u8(out)],
          attributes: convAttributes(op),
        });
        break;
      }
      case 'gemm': {
        const q = weightInits(e, op, plan.params.get(op.input)!.scale, false);
        nodes.push({
          opType: 'QGemm',
          domain: MS_DOMAIN,
          inputs: [u8(op.input), ...sz(op.input), q.w, q.wScale, q.wZero, q.b, ...(floatOut ? [] : sz(out))],
          outputs: [floatOut ? ONNX_OUTPUT : u8(out)],
          attributes: [{ name: 'transB', type: 'int', value: 1 }],
        });
        break;
      }
      case 'clip': {
        // A clip on an 8-bit value: its bounds on the value's own grid (output shares the params).
        const p = plan.params.get(op.input)!;
        const qmin = p.type === 'uint8' ? 0 : -128;
        const bound = (x: number) => Math.max(qmin, Math.min(qmin + 255, Math.round(x / p.scale + p.zeroPoint)));
        for (const [suffix, v] of [['min_q', op.min], ['max_q', op.max]] as const) {
          const data = p.type === 'uint8' ? Uint8Array.of(bound(v)) : Int8Array.of(bound(v));
          e.inits.push({ name: `${op.output}.${suffix}`, dataType: p.type === 'uint8' ? OnnxDataType.UINT8 : OnnxDataType.INT8, dims: [], data });
        }
        nodes.push({ opType: 'Clip', inputs: [u8(op.input), `${op.output}.min_q`, `${op.output}.max_q`], outputs: [u8(out)] });
        break;
      }
      case 'add':
        nodes.push({
          opType: 'QLinearAdd', domain: MS_DOMAIN,
          inputs: [u8(op.inputs[0]), ...sz(op.inputs[0]), u8(op.inputs[1]), ...sz(op.inputs[1]), ...sz(out)],
          outputs: [u8(out)],
        });
        break;
      case 'globalAvgPool':
        nodes.push({
          opType: 'QLinearGlobalAveragePool', domain: MS_DOMAIN,
          inputs: [u8(op.input), ...sz(op.input), ...sz(out)], outputs: [u8(out)],
          attributes: [{ name: 'channels_last', type: 'int', value: 0 }],
        });
        break;
      case 'flatten':
        nodes.push({ opType: 'Flatten', inputs: [u8(op.input)], outputs: [u8(out)], attributes: [{ name: 'axis', type: 'int', value: 1 }] });
        break;
    }
    if (out === g.output && !floatOut) {
      nodes.push({ opType: 'DequantizeLinear', inputs: [u8(out), ...sz(out)], outputs: [ONNX_OUTPUT] });
    }
  }
}

export interface Int8ExportOptions {
  form: Int8Form;
  /** Activation storage type (default uint8, ORT's default and the type its x86 kernels prefer). */
  activations?: ActivationType;
}

/** The int8 ONNX model of `g` with activation parameters from calibrated `ranges`. */
export function int8OnnxModel(g: FoldedGraph, ranges: Map<string, Range>, opts: Int8ExportOptions): OnnxModel {
  const { form } = opts;
  const plan = planInt8(g, ranges, opts.activations ?? 'uint8');
  const e: Emitter = { g, plan, nodes: [], inits: [], have: new Set() };
  if (form === 'qdq') emitQdq(e);
  else if (form === 'qoperator') emitQOperator(e);
  else throw new Error(`int8OnnxModel: form must be 'qdq' or 'qoperator', got '${String(form)}'`);
  e.nodes.forEach((n, i) => (n.name = `${n.opType}_${i}`));
  return wrapGraph(g, `int8 ${form} ${opts.activations ?? 'uint8'}`, e.nodes, e.inits, [{ domain: MS_DOMAIN, version: 1 }]);
}

/** The bytes of the int8 .onnx file. */
export function exportInt8Onnx(g: FoldedGraph, ranges: Map<string, Range>, opts: Int8ExportOptions): Uint8Array {
  return encodeOnnxModel(int8OnnxModel(g, ranges, opts));
}
