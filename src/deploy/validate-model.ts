// Structural validation of an integer model: every tensor, op and array is checked against the
// others (ids in range, each tensor produced once before it is read, shapes that agree with
// the op geometry, array lengths, value ranges), so a model that loads from a file can be run
// without any kernel meeting inconsistent input. Errors name the op and the offending values.
import { conv2dOutputSize, validateConv2dParams } from '../../kernels/conv2d-params';
import { pool2dOutputSize, validatePool2dParams } from '../../kernels/pool2d-params';
import { int4RowBytes } from '../../kernels/int/pack-int4';
import { int2RowBytes } from '../../kernels/int/pack-int2';
import { indicesRowBytes } from '../../kernels/int/pack-indices';
import type { IntegerModel, IntOp, PackedWeights, Requant, TensorRequant } from './int-graph';

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isPair = (v: unknown): v is [number, number] => Array.isArray(v) && v.length === 2 && v.every(isInt);

function describeOp(op: IntOp, i: number): string {
  const name = 'name' in op && typeof op.name === 'string' ? ` '${op.name}'` : '';
  return `op ${i} (${String(op?.op)}${name})`;
}

export function validateModel(model: IntegerModel, fn = 'validateModel'): void {
  const fail = (why: string): never => {
    throw new Error(`${fn}: ${why}`);
  };
  if (typeof model !== 'object' || model === null || model.format !== 'ddq-integer-model') fail(`not an integer model (format ${JSON.stringify((model as { format?: unknown })?.format)})`);
  const inp = model.input;
  if (!inp || ![inp.channels, inp.height, inp.width].every((d) => isInt(d) && d >= 1)) fail(`input must have positive integer channels, height and width, got ${JSON.stringify(inp)}`);
  if (!isInt(model.classes) || model.classes < 1) fail(`classes must be a positive integer, got ${model.classes}`);
  if (!Array.isArray(model.tensors) || !Array.isArray(model.ops)) fail('tensors and ops must be arrays');
  const T = model.tensors;
  T.forEach((t, i) => {
    const where = `tensor ${i} (${t?.name})`;
    if (!t || typeof t.name !== 'string') fail(`tensor ${i} has no name`);
    if (!Array.isArray(t.shape) || (t.shape.length !== 1 && t.shape.length !== 3) || !t.shape.every((d) => isInt(d) && d >= 1)) {
      fail(`${where}: shape must be [h, w, c] or [features] of positive integers, got ${JSON.stringify(t.shape)}`);
    }
    if (t.type !== 'uint8' && t.type !== 'int32') fail(`${where}: type must be 'uint8' or 'int32', got ${JSON.stringify(t.type)}`);
    if (!(t.scale > 0) || !Number.isFinite(t.scale)) fail(`${where}: scale must be positive and finite, got ${t.scale}`);
    const zmax = t.type === 'uint8' ? 255 : 0;
    if (!isInt(t.zeroPoint) || t.zeroPoint < 0 || t.zeroPoint > zmax) fail(`${where}: zero point ${t.zeroPoint} is not an integer in [0, ${zmax}]`);
  });
  const size = (id: number) => T[id].shape.reduce((a, b) => a * b, 1);
  const produced = new Set<number>();
  model.ops.forEach((op, i) => {
    const where = describeOp(op, i);
    const bad = (why: string): never => fail(`${where}: ${why}`);
    const read = (id: unknown, role: string): number => {
      if (!isInt(id) || id < 0 || id >= T.length) bad(`${role} ${JSON.stringify(id)} is not a tensor id (have ${T.length})`);
      if (!produced.has(id as number)) bad(`${role} tensor ${id} is read before any op produces it`);
      return id as number;
    };
    const write = (id: unknown): number => {
      if (!isInt(id) || id < 0 || id >= T.length) bad(`output ${JSON.stringify(id)} is not a tensor id (have ${T.length})`);
      if (produced.has(id as number)) bad(`tensor ${id} is produced twice`);
      produced.add(id as number);
      return id as number;
    };
    const shapeIs = (id: number, want: number[], role: string) => {
      if (T[id].shape.join(',') !== want.join(',')) bad(`${role} tensor ${id} has shape [${T[id].shape.join(', ')}], need [${want.join(', ')}]`);
    };
    const typeIs = (id: number, want: string, role: string) => {
      if (T[id].type !== want) bad(`${role} tensor ${id} is ${T[id].type}, need ${want}`);
    };
    switch (op?.op) {
      case 'quantize-input': {
        const out = write(op.output);
        typeIs(out, 'uint8', 'output');
        shapeIs(out, [inp.height, inp.width, inp.channels], 'output');
        if (!(op.scale > 0) || !Number.isFinite(op.scale)) bad(`scale must be positive and finite, got ${op.scale}`);
        if (!isInt(op.zeroPoint) || !isInt(op.qmin) || !isInt(op.qmax) || op.qmin < 0 || op.qmax > 255 || op.qmin > op.qmax) {
          bad(`need integers 0 <= qmin <= qmax <= 255 and a zero point, got zp ${op.zeroPoint}, [${op.qmin}, ${op.qmax}]`);
        }
        if (op.ties !== 'up' && op.ties !== 'even') bad(`ties must be 'up' or 'even', got ${JSON.stringify(op.ties)}`);
        break;
      }
      case 'conv': {
        const input = read(op.input, 'input');
        typeIs(input, 'uint8', 'input');
        const out = write(op.output);
        if (!isPair(op.kernel) || !isPair(op.stride) || !isPair(op.padding) || !isPair(op.dilation)) bad('kernel, stride, padding and dilation must be integer pairs');
        if (T[input].shape.length !== 3) bad(`input tensor ${input} is not an image [h, w, c]`);
        const [h, w, cIn] = T[input].shape;
        const cOut = op.weights?.rows;
        const p = {
          n: 1, cIn, h, w, cOut, kh: op.kernel[0], kw: op.kernel[1], strideH: op.stride[0], strideW: op.stride[1], padH: op.padding[0], padW: op.padding[1],
          dilationH: op.dilation[0], dilationW: op.dilation[1], groups: op.depthwise ? cIn : 1,
        };
        try {
          validateConv2dParams(p, 'conv');
        } catch (err) {
          bad((err as Error).message);
        }
        const { outH, outW } = conv2dOutputSize(p);
        shapeIs(out, [outH, outW, cOut], 'output');
        if (!isInt(op.inputBits) || op.inputBits < 1 || op.inputBits > 8) bad(`inputBits must be an integer in 1..8, got ${op.inputBits}`);
        checkWeights(op.weights, cOut, op.depthwise ? op.kernel[0] * op.kernel[1] : op.kernel[0] * op.kernel[1] * cIn, bad);
        checkRequant(op.requant, cOut, T[out].type, bad);
        break;
      }
      case 'linear': {
        const input = read(op.input, 'input');
        typeIs(input, 'uint8', 'input');
        const out = write(op.output);
        if (!isInt(op.inputBits) || op.inputBits < 1 || op.inputBits > 8) bad(`inputBits must be an integer in 1..8, got ${op.inputBits}`);
        checkWeights(op.weights, op.weights?.rows, size(input), bad);
        shapeIs(out, [op.weights.rows], 'output');
        checkRequant(op.requant, op.weights.rows, T[out].type, bad);
        break;
      }
      case 'max-pool': {
        const input = read(op.input, 'input');
        const out = write(op.output);
        if (!isPair(op.kernel) || !isPair(op.stride) || !isPair(op.padding)) bad('kernel, stride and padding must be integer pairs');
        if (T[input].shape.length !== 3) bad(`input tensor ${input} is not an image [h, w, c]`);
        const [h, w, c] = T[input].shape;
        const p = { n: 1, c, h, w, kh: op.kernel[0], kw: op.kernel[1], strideH: op.stride[0], strideW: op.stride[1], padH: op.padding[0], padW: op.padding[1] };
        try {
          validatePool2dParams(p, 'max-pool');
        } catch (err) {
          bad((err as Error).message);
        }
        const { outH, outW } = pool2dOutputSize(p);
        shapeIs(out, [outH, outW, c], 'output');
        typeIs(out, T[input].type, 'output');
        break;
      }
      case 'global-avg-pool': {
        const input = read(op.input, 'input');
        const out = write(op.output);
        if (T[input].shape.length !== 3) bad(`input tensor ${input} is not an image [h, w, c]`);
        shapeIs(out, [1, 1, T[input].shape[2]], 'output');
        checkTensorRequant(op.requant, T[input].type, T[out].type, bad);
        break;
      }
      case 'add': {
        const a = read(op.a, 'a');
        const b = read(op.b, 'b');
        const out = write(op.output);
        if (size(a) !== size(out) || size(b) !== size(out)) bad(`operands of ${size(a)} and ${size(b)} values for an output of ${size(out)}`);
        const p = op.params;
        for (const [name, m] of [['a', p?.a], ['b', p?.b], ['output', p?.output]] as const) {
          if (!m || !isInt(m.multiplier) || Math.abs(m.multiplier) > 2147483647 || !isInt(m.shift) || m.shift < -31 || m.shift > 30) {
            bad(`${name} needs an int32 multiplier and a shift in [-31, 30], got ${JSON.stringify(m)}`);
          }
        }
        if (!isInt(p.a.zeroPoint) || !isInt(p.b.zeroPoint) || !isInt(p.output.offset)) bad('zero points and offset must be integers');
        checkRange(p.output.qmin, p.output.qmax, T[out].type, bad);
        break;
      }
      case 'requantize': {
        const input = read(op.input, 'input');
        const out = write(op.output);
        if (size(input) !== size(out)) bad(`input of ${size(input)} values, output of ${size(out)}`);
        checkTensorRequant(op.requant, T[input].type, T[out].type, bad);
        break;
      }
      case 'reshape': {
        const input = read(op.input, 'input');
        const out = write(op.output);
        if (size(input) !== size(out)) bad(`input of ${size(input)} values, output of ${size(out)}`);
        typeIs(out, T[input].type, 'output');
        break;
      }
      default:
        bad('unknown op');
    }
  });
  const o = model.output;
  if (!o || !isInt(o.tensor) || !produced.has(o.tensor)) fail(`output tensor ${JSON.stringify(o?.tensor)} is not produced by any op`);
  if (T[o.tensor].type !== 'int32' || size(o.tensor) !== model.classes) fail(`output tensor ${o.tensor} must be int32 with ${model.classes} values`);
  if (!(o.scale > 0) || !Number.isFinite(o.scale)) fail(`output scale must be positive and finite, got ${o.scale}`);
}

function checkRange(qmin: number, qmax: number, type: string, bad: (why: string) => never): void {
  const [lo, hi] = type === 'uint8' ? [0, 255] : [-2147483648, 2147483647];
  if (!isInt(qmin) || !isInt(qmax) || qmin < lo || qmax > hi || qmin > qmax) bad(`need integers ${lo} <= qmin <= qmax <= ${hi} for a ${type} output, got [${qmin}, ${qmax}]`);
}

function checkRequant(r: Requant, channels: number, outType: string, bad: (why: string) => never): void {
  if (!r) bad('missing output stage');
  const arrays = [['multiplier', r.multiplier, Int32Array], ['shift', r.shift, Int8Array], ['fraction', r.fraction, Int32Array], ['offset', r.offset, Int32Array]] as const;
  for (const [name, a, type] of arrays) {
    if (!(a instanceof type) || a.length !== channels) bad(`output stage ${name} must be a ${type.name} of ${channels} channels, got ${a?.constructor?.name} of ${a?.length}`);
  }
  for (let j = 0; j < channels; j++) {
    if (r.shift[j] < -31 || r.shift[j] > 15) bad(`output stage shift[${j}] = ${r.shift[j]} is outside [-31, 15]`);
  }
  checkRange(r.qmin, r.qmax, outType, bad);
}

function checkTensorRequant(r: TensorRequant, inType: string, outType: string, bad: (why: string) => never): void {
  if (!r || ![r.inputZeroPoint, r.multiplier, r.shift, r.offset].every(isInt)) bad(`requantization needs integer fields, got ${JSON.stringify(r)}`);
  if (Math.abs(r.multiplier) > 2147483647 || r.shift < -31 || r.shift > 30) bad(`multiplier ${r.multiplier} / shift ${r.shift} out of range`);
  if (inType === 'int32' && r.inputZeroPoint !== 0) bad(`an int32 input has zero point 0, got ${r.inputZeroPoint}`);
  checkRange(r.qmin, r.qmax, outType, bad);
}

/** Bytes the packed data of rows·cols values takes in each format. */
export function packedBytes(format: string, total: number, bits: number): number {
  switch (format) {
    case 'int8':
      return total;
    case 'int4':
      return int4RowBytes(total, 1);
    case 'int2':
      return int2RowBytes(total, 1);
    case 'indices':
      return indicesRowBytes(total, bits);
    default:
      return NaN;
  }
}

function checkWeights(w: PackedWeights, rows: number, cols: number, bad: (why: string) => never): void {
  if (!w) bad('missing weights');
  if (!isInt(w.rows) || w.rows < 1 || w.rows !== rows || w.cols !== cols) bad(`weights are ${w.rows}x${w.cols}, the geometry needs ${rows}x${cols}`);
  const fixed: Record<string, number> = { int8: 8, int4: 4, int2: 2 };
  if (w.format === 'indices') {
    if (!isInt(w.bits) || w.bits < 1 || w.bits > 8) bad(`indices need 1..8 bits, got ${w.bits}`);
  } else if (fixed[w.format] === undefined) bad(`unknown weight format ${JSON.stringify(w.format)}`);
  else if (w.bits !== fixed[w.format]) bad(`${w.format} weights with bits ${w.bits}`);
  const need = packedBytes(w.format, w.rows * w.cols, w.bits);
  const dataType = w.format === 'int8' ? Int8Array : Uint8Array;
  if (!(w.data instanceof dataType) || w.data.length !== need) bad(`weight data must be a ${dataType.name} of ${need} bytes for ${w.rows}x${w.cols} ${w.format} (${w.bits} bits), got ${w.data?.constructor?.name} of ${w.data?.length}`);
  if (w.groups !== 1 && w.groups !== w.rows) bad(`weight groups must be 1 or ${w.rows}, got ${w.groups}`);
  // A negative scale is legal: LSQ steps are not kept positive in training, and w = scale·value holds either way.
  if (!(w.scale instanceof Float64Array) || w.scale.length !== w.groups || !w.scale.every((s) => s !== 0 && Number.isFinite(s))) bad(`weight scale must be ${w.groups} nonzero finite float64 values`);
  if (w.format === 'indices') {
    if (w.codebook !== undefined) {
      if (!(w.codebook instanceof Int8Array) || w.codebook.length !== w.groups << w.bits) bad(`codebook must be an Int8Array of ${w.groups}x${2 ** w.bits} entries, got ${w.codebook?.length}`);
    } else if (!isInt(w.zeroPoint) || w.zeroPoint < 0 || w.zeroPoint >= 2 ** w.bits) {
      bad(`indices without a codebook need a zero point in [0, ${2 ** w.bits}), got ${w.zeroPoint}`);
    } else if (2 ** w.bits - 1 - w.zeroPoint > 127 || w.zeroPoint > 128) bad(`code - ${w.zeroPoint} does not fit int8`);
  }
  if (w.method !== 'ddq' && w.method !== 'lsq') bad(`weight method must be 'ddq' or 'lsq', got ${JSON.stringify(w.method)}`);
}
