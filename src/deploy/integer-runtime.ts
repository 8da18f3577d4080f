// The integer runtime: runs an IntegerModel (int-graph.ts) on batches with kernels/int only. No
// tape, no float convolution: the float input is quantized once, every layer is an integer GEMM
// or depthwise loop with an integer output stage, and the int32 logits get one float scale.
//
// At construction every weight matrix is unpacked once (int8 / int4 / int2 / b-bit indices and
// codebook, the TBL decode) and prepacked into the GEMM's panels; per-channel output stages are
// prepared once, with the activation zero point folded into the bias (-z·Σ_t w_t, valid because
// im2col pads with the zero point). Buffers are allocated for the largest batch seen and reused.
// Large GEMMs run in row blocks (im2col block -> GEMM -> output stage) so each block's columns
// and accumulators stay in cache.
//
// Fast kernels also pick storage per tensor (tensorLayouts): the input of depthwise layers (and
// of a first conv on one input channel) is kept as image-pair planes, two images' codes per
// float64 (kernels/int/image-pairs.ts), written so by the input quantization, a pointwise GEMM or
// the previous plane kernel (for depth 8, the expand layers, a kernel with the depth written
// out), so that every depthwise multiply serves two images; other plane
// inputs are zero-point-bordered channel planes. The input of pointwise layers is kept as
// image-pair rows (kernels/int/image-pair-rows.ts: the same two-images-per-double packing in
// NHWC order), written by the depthwise kernels, the pointwise GEMMs themselves, and the add and
// requantize ops, so that the pointwise GEMMs (gemm-image-pair-rows.ts) multiply two images at
// once with no repacking between layers. Other pointwise GEMMs with small sums (4-bit weights)
// pack three output channels per double instead of two, and wide int32 outputs are clamped to
// their reachable range so the fused kernels take their fast, folded (or clamp-free) output stage.
//
// Kernel sets: 'fast' (the product), 'reference' (the plain reference of every kernel: the
// oracle for tests) and 'mirror' (GEMMs through the NEON instruction mirrors, SDOT and TBL, on
// int8 activations code ^ 0x80 with zero point z - 128: the same sums as an ARM kernel would
// form). All three return the same bits.
import { conv2dOutputSize, type Conv2dParams } from '../../kernels/conv2d-params';
import { pool2dParams, type Pool2dParams } from '../../kernels/pool2d-params';
import { gemmIntReference } from '../../kernels/int/gemm-int-reference';
import { gemmInt8Fast, prepackInt8Fast, type Int8FastPanels } from '../../kernels/int/gemm-int8-fast';
import { prepackInt4Fast } from '../../kernels/int/gemm-int4-fast';
import { prepackInt2Fast, gemmInt2TblMirror, packInt2TblPanels } from '../../kernels/int/gemm-int2-tbl';
import { prepackCodebookFast } from '../../kernels/int/gemm-codebook-fast';
import { gemmCodebookTblMirror, packCodebookPanels } from '../../kernels/int/gemm-codebook-tbl-mirror';
import { gemmInt8SdotMirror, packSdotPanels } from '../../kernels/int/gemm-int8-sdot-mirror';
import { gemmInt4SdotMirror, packInt4SdotPanels } from '../../kernels/int/gemm-int4-sdot-mirror';
import { unpackInt4, int4RowBytes } from '../../kernels/int/pack-int4';
import { unpackInt2, int2RowBytes } from '../../kernels/int/pack-int2';
import { unpackIndices, indicesRowBytes } from '../../kernels/int/pack-indices';
import { requantizeChannelsReference, type RequantizeChannelsParams } from '../../kernels/int/requantize-channels-reference';
import { prepareRequantizeChannels, requantizeChannels, type RequantizeChannelsPlan } from '../../kernels/int/requantize-channels';
import { depthwiseConv2dIntReference } from '../../kernels/int/depthwise-conv2d-int-reference';
import { depthwiseConv2dInt } from '../../kernels/int/depthwise-conv2d-int';
import { depthwiseConv2dIntRequantize, layoutSize, type PlaneLayout } from '../../kernels/int/depthwise-conv2d-int-requantize';
import { gemmInt8Requantize, prepackInt8Requantize, REQUANTIZE_MAX_K, type OutputStrides } from '../../kernels/int/gemm-int8-requantize';
import { reachableRange } from '../../kernels/int/reachable-range';
import { gemmInt8RequantizeImagePairs } from '../../kernels/int/gemm-int8-requantize-image-pairs';
import { gemmInt8RequantizeImagePairsK8 } from '../../kernels/int/gemm-int8-requantize-image-pairs-k8';
import { depthwiseConv2dIntImagePairs } from '../../kernels/int/depthwise-conv2d-int-image-pairs';
import { IMAGE_PAIR_LANE, imagePairsSize, fromImagePairs } from '../../kernels/int/image-pairs';
import { fitsTriples, gemmInt8RequantizeTriples, prepackInt8RequantizeTriples } from '../../kernels/int/gemm-int8-requantize-triples';
import { gemmImagePairRows, pairRowsFit, preparePairRowsLayer, PAIR_ROWS_MAX_K, type PairRowsOutput } from '../../kernels/int/gemm-image-pair-rows';
import { fromImagePairRows, imagePairRowsSize } from '../../kernels/int/image-pair-rows';
import { requantizeTensor, requantizeTensorImagePairRows } from '../../kernels/int/requantize-tensor';
import { im2colInt } from '../../kernels/int/im2col-int';
import { maxPool2dInt } from '../../kernels/int/max-pool2d-int';
import { globalSumPool2dInt } from '../../kernels/int/global-sum-pool2d-int';
import { addIntReference, type AddIntParams } from '../../kernels/int/add-int-reference';
import { addInt } from '../../kernels/int/add-int';
import { addIntImagePairRows } from '../../kernels/int/add-int-image-pair-rows';
import type { IntegerModel, PackedWeights, Requant, TensorRequant } from './int-graph';
import { validateModel } from './validate-model';

export type KernelSet = 'fast' | 'reference' | 'mirror';

export interface RuntimeOptions {
  kernels?: KernelSet;
}

type Buffer = Uint8Array | Int32Array | Float64Array;

/** Accumulator elements per row block of a GEMM (64 KB of int32). */
const BLOCK_ELEMENTS = 16384;

/** The code of input element i: x[i]/scale rounded (ties up, or to even as LSQ does), plus the zero point, clamped. */
function inputCode(x: Float32Array, i: number, inv: number, ties: 'up' | 'even', z: number, qmin: number, qmax: number): number {
  const v = x[i] * inv;
  if (v !== v) throw new Error(`IntegerRuntime.run: input value ${i} is NaN`);
  let q = Math.floor(v + 0.5);
  if (ties === 'even' && q - v === 0.5 && (q & 1) !== 0) q--;
  q += z;
  return q < qmin ? qmin : q > qmax ? qmax : q;
}

/** Index of pixel p of plane `plane` (h x w) in planes padded by (ph, pw) on each side. */
function paddedOffset(plane: number, p: number, h: number, w: number, ph: number, pw: number): number {
  return (plane * (h + 2 * ph) + Math.floor(p / w) + ph) * (w + 2 * pw) + (p % w) + pw;
}

/** The int8 weight values [rows][cols] of packed weights (the decode a kernel does in registers). */
export function decodeWeights(w: PackedWeights): Int8Array {
  const total = w.rows * w.cols;
  switch (w.format) {
    case 'int8':
      return Int8Array.from(w.data.subarray(0, total));
    case 'int4':
      return unpackInt4({ format: 'int4', rows: 1, cols: total, distance: 1, rowBytes: int4RowBytes(total, 1), data: w.data as Uint8Array });
    case 'int2':
      return unpackInt2({ format: 'int2', rows: 1, cols: total, distance: 1, rowBytes: int2RowBytes(total, 1), data: w.data as Uint8Array });
    case 'indices': {
      const codes = decodeCodes(w);
      const out = new Int8Array(total);
      if (w.codebook) {
        const per = total / w.groups;
        for (let i = 0; i < total; i++) out[i] = w.codebook[(Math.floor(i / per) << w.bits) + codes[i]];
      } else {
        for (let i = 0; i < total; i++) out[i] = codes[i] - w.zeroPoint!;
      }
      return out;
    }
  }
}

function decodeCodes(w: PackedWeights): Uint8Array {
  const total = w.rows * w.cols;
  return unpackIndices({ format: 'indices', rows: 1, cols: total, bits: w.bits, rowBytes: indicesRowBytes(total, w.bits), data: w.data as Uint8Array });
}

/** A GEMM bound to one layer's prepacked weights: acc[rows×N] = A[rows×K]·Wᵀ (A uint8 codes). */
type Gemm = (rows: number, a: Uint8Array, acc: Int32Array) => void;

/** A GEMM with its output stage: out[...] = requantize(A[rows×K]·Wᵀ), placed by `strides`. */
type GemmRequantize = (rows: number, a: Uint8Array, out: Uint8Array | Int32Array, strides: OutputStrides) => void;

/** Does this conv run on the plane-by-plane kernel (fast kernels: depthwise, or one input channel)? */
function planeKernel(op: IntegerModel['ops'][number], model: IntegerModel, kernels: KernelSet): boolean {
  return op.op === 'conv' && (op.depthwise || (kernels === 'fast' && model.tensors[op.input].shape[2] === 1));
}

/**
 * How a tensor is stored: NHWC, channel planes, channel planes with a zero-point border, or
 * image-pair planes with a border (image-pairs.ts; float64, two images per element).
 */
interface Layout {
  /** 'pooled': never stored; the buffer holds each image's per-channel sums for the global pooling that reads it. */
  kind: PlaneLayout | 'pairs' | 'pair-rows' | 'pooled';
  /** Border [rows, columns] of a 'padded' or 'pairs' tensor. */
  pad: [number, number];
}

const NHWC: Layout = { kind: 'nhwc', pad: [0, 0] };

/**
 * Tensors worth storing as channel planes instead of NHWC: those whose every consumer is a
 * plane-by-plane conv, produced by a plane kernel, a fused GEMM or the input quantization (all
 * of which can write planes). If the consumers share one padding, the planes carry that border,
 * filled with the zero point, and the depthwise kernel reads them in place. Fast kernels only;
 * the model output stays NHWC.
 */
function tensorLayouts(model: IntegerModel, kernels: KernelSet): Map<number, Layout> {
  const layouts = new Map<number, Layout>();
  if (kernels !== 'fast') return layouts;
  for (const op of model.ops) {
    if (pooledLayoutFits(op, model, layouts)) {
      layouts.set(op.output, { kind: 'pooled', pad: [0, 0] });
      continue;
    }
    if (pairRowsLayoutFits(op, model, layouts)) {
      layouts.set(op.output, { kind: 'pair-rows', pad: [0, 0] });
      continue;
    }
    const producer = op.op === 'quantize-input' || (op.op === 'conv' && (planeKernel(op, model, kernels) || op.weights.cols <= REQUANTIZE_MAX_K));
    if (!producer || op.output === model.output.tensor || model.tensors[op.output].shape.length !== 3) continue;
    const consumers = consumersOf(model, op.output);
    if (consumers.length === 0 || !consumers.every((o) => planeKernel(o, model, kernels))) continue;
    const pads = consumers.map((o) => (o.op === 'conv' ? o.padding.join(',') : ''));
    const samePad = pads.every((q) => q === pads[0]) && model.tensors[op.output].type === 'uint8';
    const first = consumers[0];
    if (samePad && first.op === 'conv' && imagePairsFit(op, consumers, model, layouts)) {
      layouts.set(op.output, { kind: 'pairs', pad: [first.padding[0], first.padding[1]] });
      continue;
    }
    layouts.set(op.output, samePad && first.op === 'conv' ? { kind: 'padded', pad: [first.padding[0], first.padding[1]] } : { kind: 'planes', pad: [0, 0] });
  }
  return layouts;
}

/** The ops that read tensor `id` (an add reads two). */
function consumersOf(model: IntegerModel, id: number): IntegerModel['ops'] {
  return model.ops.filter((o) => ('input' in o && o.input === id) || (o.op === 'add' && (o.a === id || o.b === id)));
}

/** A 1x1 conv at stride 1 without padding: a GEMM over pixels. */
function pointwiseConv(o: IntegerModel['ops'][number]): boolean {
  return o.op === 'conv' && !o.depthwise && o.kernel.every((k) => k === 1) && o.stride.every((v) => v === 1) && o.padding.every((v) => v === 0);
}

/**
 * Image-pair rows (image-pair-rows.ts) for a uint8 tensor whose consumers are all pointwise
 * convs that gemm-image-pair-rows.ts serves (depth up to PAIR_ROWS_MAX_K, exact lanes), and
 * whose producer can write them: a plane kernel reading image-pair planes, a pointwise conv
 * reading image-pair rows, or an elementwise op (add, requantize; packed after). Then every
 * GEMM multiply serves two images and the activations arrive as doubles.
 */
function pairRowsLayoutFits(op: IntegerModel['ops'][number], model: IntegerModel, layouts: Map<number, Layout>): boolean {
  if (!('output' in op) || op.output === model.output.tensor) return false;
  const t = model.tensors[op.output];
  if (t.type !== 'uint8' || t.shape.length !== 3) return false;
  let producer = op.op === 'add' || op.op === 'requantize';
  if (op.op === 'conv') {
    const plane = op.depthwise || model.tensors[op.input].shape[2] === 1;
    producer = plane ? layouts.get(op.input)?.kind === 'pairs' : pointwiseConv(op) && layouts.get(op.input)?.kind === 'pair-rows';
  }
  if (!producer) return false;
  const consumers = consumersOf(model, op.output);
  return consumers.length > 0 && consumers.every((o) => o.op === 'conv' && pointwiseConv(o) && o.weights.cols <= PAIR_ROWS_MAX_K && pairRowsFit(decodeWeights(o.weights), o.weights.rows, o.weights.cols));
}

/**
 * A pointwise conv on image-pair rows whose only consumer is a global average pooling: the GEMM
 * sums its outputs over the pixels itself (gemm-image-pair-rows.ts, 'pool'), so the full
 * tensor (256 channels per pixel before MobileNetV2's pooling) is never stored nor read again.
 */
function pooledLayoutFits(op: IntegerModel['ops'][number], model: IntegerModel, layouts: Map<number, Layout>): boolean {
  if (op.op !== 'conv' || !pointwiseConv(op) || layouts.get(op.input)?.kind !== 'pair-rows' || op.output === model.output.tensor) return false;
  const consumers = consumersOf(model, op.output);
  return consumers.length === 1 && consumers[0].op === 'global-avg-pool';
}

/**
 * Image-pair planes (image-pairs.ts) for a tensor whose consumers are all plane kernels
 * (depthwise, or one input channel) with per-image sums below 2^25 (always, for 3x3 int8
 * kernels), and whose producer can pack two images: the input quantization, a pointwise GEMM, or
 * a plane kernel that itself reads image pairs. Each multiply of the consumers then serves two
 * images.
 */
function imagePairsFit(op: IntegerModel['ops'][number], consumers: IntegerModel['ops'], model: IntegerModel, layouts: Map<number, Layout>): boolean {
  let producer = op.op === 'quantize-input';
  if (op.op === 'conv') {
    const plane = op.depthwise || model.tensors[op.input].shape[2] === 1;
    const pointwise = op.kernel.every((k) => k === 1) && op.stride.every((v) => v === 1) && op.padding.every((v) => v === 0);
    producer = plane ? layouts.get(op.input)?.kind === 'pairs' : pointwise && op.weights.cols <= REQUANTIZE_MAX_K;
  }
  return producer && consumers.every((o) => {
    if (o.op !== 'conv' || !(o.depthwise || model.tensors[o.input].shape[2] === 1)) return false;
    const v = decodeWeights(o.weights);
    const taps = o.weights.cols;
    for (let c = 0; c < o.weights.rows; c++) {
      let s = 0;
      for (let t = 0; t < taps; t++) s += Math.abs(v[c * taps + t]);
      if (!(255 * s < 2 ** 25)) return false;
    }
    return true;
  });
}

function makeGemm(w: PackedWeights, values: Int8Array, kernels: KernelSet): Gemm {
  const n = w.rows;
  const k = w.cols;
  if (kernels === 'reference') {
    return (rows, a, acc) => acc.set(gemmIntReference(rows, n, k, a, values));
  }
  if (kernels === 'fast') {
    // Each format's own prepack (nibble / crumb / TBL decode happens here, once); all of them
    // produce int8 channel-pair panels for the one fast kernel, which takes uint8 activations.
    let panels: Int8FastPanels;
    if (w.format === 'int4') panels = prepackInt4Fast(values, n, k).int8;
    else if (w.format === 'int2') panels = prepackInt2Fast(values, n, k).int8;
    else if (w.format === 'indices' && w.codebook && w.groups === 1) panels = prepackCodebookFast(decodeCodes(w), n, k, w.bits, w.codebook).int8;
    else panels = prepackInt8Fast(values, n, k);
    return (rows, a, acc) => {
      gemmInt8Fast(rows, n, k, a, panels, acc);
    };
  }
  // Mirrors: int8 activations (code ^ 0x80) through the instruction-level kernels. The
  // zero point was folded with z, so add back 128·Σ_t w_t per channel (Σ a·w = Σ (a - 128)·w + 128·Σ w).
  const sums = new Int32Array(n);
  for (let j = 0; j < n; j++) for (let t = 0; t < k; t++) sums[j] += values[j * k + t];
  let run: (rows: number, a8: Int8Array) => Int32Array;
  if (w.format === 'int4') {
    const p = packInt4SdotPanels(values, n, k);
    run = (rows, a8) => gemmInt4SdotMirror(rows, n, k, a8, p);
  } else if (w.format === 'int2') {
    const p = packInt2TblPanels(values, n, k);
    run = (rows, a8) => gemmInt2TblMirror(rows, n, k, a8, p);
  } else if (w.format === 'indices' && w.codebook && w.groups === 1) {
    const p = packCodebookPanels(decodeCodes(w), n, k, w.bits, w.codebook);
    run = (rows, a8) => gemmCodebookTblMirror(rows, n, k, a8, p);
  } else {
    const p = packSdotPanels(values, n, k);
    run = (rows, a8) => gemmInt8SdotMirror(rows, n, k, a8, p);
  }
  return (rows, a, acc) => {
    const a8 = new Int8Array(rows * k);
    for (let i = 0; i < rows * k; i++) a8[i] = a[i] ^ 0x80;
    const r = run(rows, a8);
    for (let i = 0; i < rows; i++) for (let j = 0; j < n; j++) acc[i * n + j] = (r[i * n + j] + 128 * sums[j]) | 0;
  };
}

function channelParams(r: Requant, accumulatorBias?: Int32Array): RequantizeChannelsParams {
  const channels = r.multiplier.length;
  return {
    bias: accumulatorBias ?? new Int32Array(channels), multiplier: r.multiplier, shift: Int32Array.from(r.shift), fraction: r.fraction, offset: r.offset, qmin: r.qmin, qmax: r.qmax,
  };
}

function tensorParams(r: TensorRequant, channels: number, sumCount: number): RequantizeChannelsParams {
  return {
    bias: new Int32Array(channels).fill(-sumCount * r.inputZeroPoint),
    multiplier: new Int32Array(channels).fill(r.multiplier),
    shift: new Int32Array(channels).fill(r.shift),
    fraction: new Int32Array(channels),
    offset: new Int32Array(channels).fill(r.offset),
    qmin: r.qmin,
    qmax: r.qmax,
  };
}

interface Stage {
  params: RequantizeChannelsParams;
  plan: RequantizeChannelsPlan;
}

function stage(params: RequantizeChannelsParams, channels: number, outType: 'uint8' | 'int32'): Stage {
  return { params, plan: prepareRequantizeChannels(channels, params, outType) };
}

/**
 * A wide int32 output (a residual branch) clamped to the range it can reach from uint8 inputs
 * and these weights [rows][cols]: the same outputs, and a narrow range takes the kernels' folded
 * path (reachable-range.ts).
 */
function narrowStage(st: Stage, values: Int8Array, rows: number, cols: number, outType: 'uint8' | 'int32'): Stage {
  if (st.plan.narrow) return st;
  const bound = new Float64Array(rows);
  for (let j = 0; j < rows; j++) for (let t = 0; t < cols; t++) bound[j] += 255 * Math.abs(values[j * cols + t]);
  return stage({ ...st.params, ...reachableRange(rows, st.params, bound) }, rows, outType);
}

type Step = (batch: number, x: Float32Array) => void;

export class IntegerRuntime {
  readonly model: IntegerModel;
  readonly kernels: KernelSet;
  private capacity = 0;
  private buffers: Buffer[] = [];
  private col = new Uint8Array(0);
  private acc = new Int32Array(0);
  /** NHWC codes of a tensor stored as image-pair rows, for a consumer that reads bytes (see codes). */
  private unpacked = new Uint8Array(0);
  private readonly steps: Step[];
  private readonly sizes: number[];
  /** Tensors not stored NHWC (see tensorLayouts). */
  private readonly layouts: Map<number, Layout>;

  constructor(model: IntegerModel, opts: RuntimeOptions = {}) {
    validateModel(model, 'IntegerRuntime');
    this.model = model;
    this.kernels = opts.kernels ?? 'fast';
    if (!['fast', 'reference', 'mirror'].includes(this.kernels)) throw new Error(`IntegerRuntime: kernels must be 'fast', 'reference' or 'mirror', got '${this.kernels}'`);
    this.sizes = model.tensors.map((t) => t.shape.reduce((a, b) => a * b, 1));
    this.layouts = tensorLayouts(model, this.kernels);
    this.steps = model.ops.map((op) => this.prepare(op));
  }

  /** Number of input values per sample (channels·height·width). */
  get inputSize(): number {
    const i = this.model.input;
    return i.channels * i.height * i.width;
  }

  /** Logits [batch × classes] for a batch of normalised float images, NCHW. */
  run(x: Float32Array, batch: number): Float32Array {
    if (!Number.isInteger(batch) || batch < 1) throw new Error(`IntegerRuntime.run: batch must be a positive integer, got ${batch}`);
    const need = batch * this.inputSize;
    if (x.length < need) {
      const i = this.model.input;
      throw new Error(`IntegerRuntime.run: input has ${x.length} values, need ${need} for ${batch} images of ${i.channels}x${i.height}x${i.width}`);
    }
    this.ensure(batch);
    for (const step of this.steps) step(batch, x);
    const { tensor, scale } = this.model.output;
    const logits = this.buffers[tensor];
    const out = new Float32Array(batch * this.model.classes);
    for (let i = 0; i < out.length; i++) out[i] = logits[i] * scale;
    return out;
  }

  /** Top-1 class per image. */
  predict(x: Float32Array, batch: number): Int32Array {
    const logits = this.run(x, batch);
    const C = this.model.classes;
    const out = new Int32Array(batch);
    for (let b = 0; b < batch; b++) {
      let best = 0;
      for (let j = 1; j < C; j++) if (logits[b * C + j] > logits[b * C + best]) best = j;
      out[b] = best;
    }
    return out;
  }

  /** The integer values of a tensor after the last run (for tests and inspection), batch-major NHWC. */
  tensorData(id: number, batch: number): Buffer {
    if (!this.buffers[id]) throw new Error(`IntegerRuntime.tensorData: no tensor ${id} (have ${this.buffers.length}) or nothing was run yet`);
    const layout = this.layout(id);
    if (layout.kind === 'nhwc') return this.buffers[id].subarray(0, batch * this.sizes[id]);
    if (layout.kind === 'pooled') throw new Error(`IntegerRuntime.tensorData: tensor ${id} is summed into the global pooling that reads it and never stored (see stored())`);
    const [h, w, c] = this.model.tensors[id].shape;
    if (layout.kind === 'pairs') return fromImagePairs(this.buffers[id] as Float64Array, batch, h, w, c, layout.pad);
    if (layout.kind === 'pair-rows') return fromImagePairRows(this.buffers[id] as Float64Array, batch, this.sizes[id]);
    const data = this.buffers[id];
    const [ph, pw] = layout.pad;
    const out = data instanceof Uint8Array ? new Uint8Array(batch * this.sizes[id]) : new Int32Array(batch * this.sizes[id]);
    for (let b = 0; b < batch; b++) for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      out[((b * h + y) * w + x) * c + ch] = data[((b * c + ch) * (h + 2 * ph) + y + ph) * (w + 2 * pw) + x + pw];
    }
    return out;
  }

  /** Whether tensorData can return this tensor (false for one summed straight into global pooling). */
  stored(id: number): boolean {
    return this.layout(id).kind !== 'pooled';
  }

  private layout(id: number): Layout {
    return this.layouts.get(id) ?? NHWC;
  }

  private ensure(batch: number): void {
    if (batch <= this.capacity) return;
    this.capacity = batch;
    const { tensors, ops } = this.model;
    this.buffers = new Array(tensors.length);
    for (const op of ops) {
      if (op.op === 'reshape') continue;
      const t = tensors[op.output];
      const layout = this.layout(op.output);
      if (layout.kind === 'pair-rows') {
        this.buffers[op.output] = new Float64Array(imagePairRowsSize(batch, this.sizes[op.output]));
        continue;
      }
      if (layout.kind === 'pooled') {
        this.buffers[op.output] = new Int32Array(batch * t.shape[2]);
        continue;
      }
      if (layout.kind === 'pairs') {
        // Border: the zero point in both lanes; interiors are written by the producer.
        this.buffers[op.output] = new Float64Array(imagePairsSize(batch, t.shape[0], t.shape[1], t.shape[2], layout.pad)).fill(t.zeroPoint * (1 + IMAGE_PAIR_LANE));
        continue;
      }
      const count = layout.kind === 'padded' ? layoutSize('padded', batch, t.shape[0], t.shape[1], t.shape[2], layout.pad) : batch * this.sizes[op.output];
      this.buffers[op.output] = t.type === 'uint8' ? new Uint8Array(count) : new Int32Array(count);
      // A padded tensor's border holds the zero point (real 0); only interiors are written later.
      if (layout.kind === 'padded') this.buffers[op.output].fill(t.zeroPoint);
    }
    for (const op of ops) if (op.op === 'reshape') this.buffers[op.output] = this.buffers[op.input];
  }

  /** A uint8 tensor's codes, image-major NHWC: unpacked into scratch if stored as image-pair rows. */
  private codes(id: number, batch: number): Uint8Array {
    const x = this.buffers[id];
    if (this.layout(id).kind !== 'pair-rows') return x as Uint8Array;
    const count = batch * this.sizes[id];
    if (this.unpacked.length < count) this.unpacked = new Uint8Array(count);
    return fromImagePairRows(x as Float64Array, batch, this.sizes[id], this.unpacked);
  }

  private scratchCol(bytes: number): Uint8Array {
    if (this.col.length < bytes) this.col = new Uint8Array(bytes);
    return this.col;
  }

  private scratchAcc(elements: number): Int32Array {
    if (this.acc.length < elements) this.acc = new Int32Array(elements);
    return this.acc;
  }

  /**
   * A layer's GEMM and output stage. Fast kernels with K <= 1024: the fused kernel (the TBL /
   * nibble decode of the weights happened in decodeWeights, once); otherwise a GEMM into int32
   * accumulators (row blocks) and the separate output stage.
   */
  private gemmRequantize(w: PackedWeights, values: Int8Array, params: RequantizeChannelsParams, outType: 'uint8' | 'int32'): GemmRequantize {
    let st = stage(params, w.rows, outType);
    if (this.kernels === 'fast' && w.cols <= REQUANTIZE_MAX_K) {
      st = narrowStage(st, values, w.rows, w.cols, outType);
      // Three channels per double where the sums are small enough, the 6-channel tiles need
      // fewer weight streams than 4-channel ones (not for N = 8) and the multiply-adds
      // dominate (K >= 16) or no tile is partial: at K = 8 the output stage dominates and a
      // partial tile's generic path cost more than the triples saved (measured, 28x28 8->32).
      const n = w.rows;
      if (Math.ceil(n / 6) < Math.ceil(n / 4) && (w.cols >= 16 || n % 6 === 0) && fitsTriples(values, n, w.cols)) {
        const triples = prepackInt8RequantizeTriples(values, n, w.cols);
        return (rows, a, out, strides) => gemmInt8RequantizeTriples(rows, a, triples, st.plan, out, 0, strides);
      }
      const panels = prepackInt8Requantize(values, w.rows, w.cols);
      return (rows, a, out, strides) => gemmInt8Requantize(rows, a, panels, st.plan, out, 0, strides);
    }
    const gemm = makeGemm(w, values, this.kernels);
    return (rows, a, out, strides) => {
      if (strides.column !== 1) throw new Error('IntegerRuntime: channel-plane output needs the fused kernel');
      const acc = this.scratchAcc(rows * w.rows);
      gemm(rows, a, acc);
      this.requantize(rows, acc, st, out, strides.start);
    };
  }

  private requantize(rows: number, acc: Int32Array, s: Stage, out: Uint8Array | Int32Array, outStart: number): void {
    if (this.kernels === 'reference') {
      const C = s.plan.channels;
      requantizeChannelsReference(rows, C, acc, s.params, out.subarray(outStart, outStart + rows * C));
    } else {
      requantizeChannels(rows, acc, s.plan, out, 0, outStart);
    }
  }

  private prepare(op: IntegerModel['ops'][number]): Step {
    const T = this.model.tensors;
    // Codes or int32 values; image-pair tensors are read with an explicit cast to Float64Array.
    const buf = (id: number) => this.buffers[id] as Uint8Array | Int32Array;
    switch (op.op) {
      case 'quantize-input': {
        const { channels: C, height: H, width: W } = this.model.input;
        const { scale, zeroPoint: z, qmin, qmax, ties } = op;
        const inv = 1 / scale;
        const layout = this.layout(op.output);
        const [ph, pw] = layout.pad;
        if (layout.kind === 'pairs') {
          // Image b's code in the low lane, b + 1's in the high one (a lone last image: twice).
          return (batch, x) => {
            const out = this.buffers[op.output] as Float64Array;
            for (let b = 0; b < batch; b++) {
              const lane = (b & 1) === 1 ? IMAGE_PAIR_LANE : b + 1 < batch ? 1 : 1 + IMAGE_PAIR_LANE;
              for (let c = 0; c < C; c++) {
                for (let p = 0; p < H * W; p++) {
                  const code = inputCode(x, (b * C + c) * H * W + p, inv, ties, z, qmin, qmax);
                  const o = paddedOffset((b >> 1) * C + c, p, H, W, ph, pw);
                  if ((b & 1) === 0) out[o] = code * lane;
                  else out[o] += code * lane;
                }
              }
            }
          };
        }
        return (batch, x) => {
          const out = buf(op.output) as Uint8Array;
          for (let b = 0; b < batch; b++) {
            for (let c = 0; c < C; c++) {
              for (let p = 0; p < H * W; p++) {
                const o = layout.kind === 'nhwc' ? (b * H * W + p) * C + c : paddedOffset(b * C + c, p, H, W, ph, pw);
                out[o] = inputCode(x, (b * C + c) * H * W + p, inv, ties, z, qmin, qmax);
              }
            }
          }
        };
      }
      case 'conv': {
        const inT = T[op.input];
        const outT = T[op.output];
        const [h, w, cIn] = inT.shape;
        const cOut = op.weights.rows;
        const p: Conv2dParams = {
          n: 1, cIn, h, w, cOut, kh: op.kernel[0], kw: op.kernel[1], strideH: op.stride[0], strideW: op.stride[1],
          padH: op.padding[0], padW: op.padding[1], dilationH: op.dilation[0], dilationW: op.dilation[1], groups: op.depthwise ? cIn : 1,
        };
        const { outH, outW } = conv2dOutputSize(p);
        const values = decodeWeights(op.weights);
        const z = inT.zeroPoint;
        const outSize = outH * outW * cOut;
        // One input channel per group (depthwise, or a dense conv on one input channel, which is
        // depthwise with a channel multiplier): the fast kernels work plane by plane.
        if (op.depthwise || (cIn === 1 && this.kernels === 'fast')) {
          // Tap-major weights [kh·kw][cOut] for the kernels' per-channel loops.
          const taps = p.kh * p.kw;
          const wt = new Int8Array(taps * cOut);
          for (let c = 0; c < cOut; c++) for (let t = 0; t < taps; t++) wt[t * cOut + c] = values[c * taps + t];
          const st = stage(channelParams(op.requant), cOut, outT.type);
          const inSize = h * w * cIn;
          const perBlock = Math.max(1, Math.floor(BLOCK_ELEMENTS / outSize));
          if (this.kernels === 'fast') {
            const pg = { ...p, groups: cIn };
            const li = this.layout(op.input);
            const lo = this.layout(op.output);
            if (li.kind === 'pooled' || lo.kind === 'pooled') throw new Error('IntegerRuntime: only a pointwise GEMM on image-pair rows sums into pooling');
            if (li.kind === 'pairs') {
              const outLayouts = { output: lo.kind, outputPad: lo.pad };
              return (batch) => depthwiseConv2dIntImagePairs({ ...pg, n: batch }, this.buffers[op.input] as Float64Array, z, wt, st.plan, this.buffers[op.output], outLayouts);
            }
            if (lo.kind === 'pairs' || lo.kind === 'pair-rows') throw new Error('IntegerRuntime: only a plane kernel on image pairs writes image pairs');
            if (li.kind === 'pair-rows') throw new Error('IntegerRuntime: image-pair rows feed pointwise layers only');
            // A padded input must carry exactly this conv's padding (tensorLayouts ensures it).
            const layouts = { input: li.kind, output: lo.kind, outputPad: lo.pad };
            return (batch) => depthwiseConv2dIntRequantize({ ...pg, n: batch }, buf(op.input) as Uint8Array, z, wt, st.plan, buf(op.output) as Uint8Array | Int32Array, layouts);
          }
          return (batch) => {
            const x = buf(op.input) as Uint8Array;
            const out = buf(op.output);
            for (let b0 = 0; b0 < batch; b0 += perBlock) {
              const imgs = Math.min(perBlock, batch - b0);
              const acc = this.scratchAcc(imgs * outSize);
              const pb = { ...p, n: imgs };
              const xs = x.subarray(b0 * inSize, (b0 + imgs) * inSize);
              if (this.kernels === 'reference') depthwiseConv2dIntReference(pb, xs, z, wt, acc);
              else depthwiseConv2dInt(pb, xs, z, wt, acc);
              this.requantize(imgs * outH * outW, acc, st, out, b0 * outSize);
            }
          };
        }
        const K = op.weights.cols;
        const lo = this.layout(op.output);
        const [oph, opw] = lo.pad;
        const pairRowsInput = this.layout(op.input).kind === 'pair-rows';
        const pairRowsOutput: PairRowsOutput | null =
          lo.kind === 'pairs' ? { kind: 'planes', height: outH, width: outW, pad: lo.pad } : lo.kind === 'pair-rows' ? { kind: 'rows' }
            : lo.kind === 'nhwc' ? { kind: 'nhwc' } : lo.kind === 'pooled' ? { kind: 'pool' } : null;
        if (pairRowsInput && pairRowsOutput) {
          // Pointwise on image-pair rows (tensorLayouts checked the conditions): the whole batch
          // in one call, two images per multiply.
          const st = narrowStage(stage(channelParams(op.requant, zeroPointBias(values, cOut, K, z)), cOut, outT.type), values, cOut, K, outT.type);
          const layer = preparePairRowsLayer(values, cOut, K, st.plan);
          return (batch) => gemmImagePairRows(batch, outH * outW, this.buffers[op.input] as Float64Array, layer, this.buffers[op.output], pairRowsOutput);
        }
        if (lo.kind === 'pairs') {
          // Pointwise into image-pair planes (tensorLayouts checked the conditions): two images
          // at a time, whole image rows per call.
          const plan = stage(channelParams(op.requant, zeroPointBias(values, cOut, K, z)), cOut, 'uint8').plan;
          const panels = prepackInt8Requantize(values, cOut, K);
          const P = outH * outW;
          const planeSize = (outH + 2 * oph) * (outW + 2 * opw);
          // Depth 8 (expand layers after an 8-channel projection): the unrolled kernel.
          const pairsGemm = K === 8 ? gemmInt8RequantizeImagePairsK8 : gemmInt8RequantizeImagePairs;
          const rowsPerCall = Math.max(1, Math.floor(Math.max(8, Math.floor(BLOCK_ELEMENTS / Math.max(cOut, K))) / outW)) * outW;
          return (batch) => {
            const x = this.codes(op.input, batch);
            const out = this.buffers[op.output] as Float64Array;
            for (let b = 0; b < batch; b += 2) {
              const b1 = b + 1 < batch ? b + 1 : b;
              for (let r = 0; r < P; r += rowsPerCall) {
                const rows = Math.min(rowsPerCall, P - r);
                const start = (b >> 1) * cOut * planeSize + (r / outW + oph) * (outW + 2 * opw) + opw;
                pairsGemm(rows, x, (b * P + r) * K, (b1 * P + r) * K, panels, plan, out, { start, column: planeSize, wrap: outW, gap: 2 * opw });
              }
            }
          };
        }
        const layer = this.gemmRequantize(op.weights, values, channelParams(op.requant, zeroPointBias(values, cOut, K, z)), outT.type);
        const pointwise = p.kh === 1 && p.kw === 1 && p.strideH === 1 && p.strideW === 1 && p.padH === 0 && p.padW === 0;
        const block = Math.max(8, Math.floor(BLOCK_ELEMENTS / Math.max(cOut, K)));
        const P = outH * outW;
        const planeSize = (outH + 2 * oph) * (outW + 2 * opw);
        // Plane outputs go one image at a time (a row's plane position needs its image); for
        // padded planes a block is whole image rows, each row followed by the border (the gap).
        const planeBlock = lo.kind === 'padded' ? Math.max(1, Math.floor(block / outW)) * outW : block;
        return (batch) => {
          const x = this.codes(op.input, batch);
          const out = buf(op.output);
          const pb = { ...p, n: batch };
          if (lo.kind === 'nhwc') {
            const M = batch * P;
            for (let r0 = 0; r0 < M; r0 += block) {
              const rows = Math.min(block, M - r0);
              const a = pointwise ? x.subarray(r0 * K, (r0 + rows) * K) : im2colInt(pb, x, z, this.scratchCol(block * K), r0, rows);
              layer(rows, a, out, { start: r0 * cOut, row: cOut, column: 1 });
            }
            return;
          }
          for (let b = 0; b < batch; b++) {
            for (let r = 0; r < P; r += planeBlock) {
              const rows = Math.min(planeBlock, P - r);
              const r0 = b * P + r;
              const a = pointwise ? x.subarray(r0 * K, (r0 + rows) * K) : im2colInt(pb, x, z, this.scratchCol(planeBlock * K), r0, rows);
              if (lo.kind === 'padded') {
                const start = b * cOut * planeSize + (r / outW + oph) * (outW + 2 * opw) + opw;
                layer(rows, a, out, { start, row: 1, column: planeSize, wrap: outW, gap: 2 * opw });
              } else {
                layer(rows, a, out, { start: b * cOut * P + r, row: 1, column: planeSize });
              }
            }
          }
        };
      }
      case 'linear': {
        const inT = T[op.input];
        const outT = T[op.output];
        const { rows: N, cols: K } = op.weights;
        const values = decodeWeights(op.weights);
        const layer = this.gemmRequantize(op.weights, values, channelParams(op.requant, zeroPointBias(values, N, K, inT.zeroPoint)), outT.type);
        const block = Math.max(8, Math.floor(BLOCK_ELEMENTS / Math.max(N, K)));
        return (batch) => {
          const x = buf(op.input) as Uint8Array;
          const out = buf(op.output);
          for (let r0 = 0; r0 < batch; r0 += block) {
            const rows = Math.min(block, batch - r0);
            layer(rows, x.subarray(r0 * K, (r0 + rows) * K), out, { start: r0 * N, row: N, column: 1 });
          }
        };
      }
      case 'max-pool': {
        const [h, w, c] = T[op.input].shape;
        const p: Pool2dParams = pool2dParams({ n: 1, c, h, w, kh: op.kernel[0], kw: op.kernel[1], strideH: op.stride[0], strideW: op.stride[1], padH: op.padding[0], padW: op.padding[1] });
        return (batch) => {
          maxPool2dInt({ ...p, n: batch }, buf(op.input), buf(op.output));
        };
      }
      case 'global-avg-pool': {
        const [h, w, c] = T[op.input].shape;
        const st = stage(tensorParams(op.requant, c, h * w), c, T[op.output].type);
        if (this.layout(op.input).kind === 'pooled') {
          // The conv before summed its outputs per image already: only the output stage is left.
          return (batch) => this.requantize(batch, this.buffers[op.input] as Int32Array, st, buf(op.output), 0);
        }
        return (batch) => {
          const acc = this.scratchAcc(batch * c);
          globalSumPool2dInt(batch, h * w, c, buf(op.input), acc);
          this.requantize(batch, acc, st, buf(op.output), 0);
        };
      }
      case 'add': {
        const size = this.sizes[op.output];
        const params: AddIntParams = op.params;
        if (this.layout(op.output).kind === 'pair-rows') {
          return (batch) => addIntImagePairRows(batch, size, buf(op.a), buf(op.b), params, this.buffers[op.output] as Float64Array);
        }
        return (batch) => {
          const f = this.kernels === 'reference' ? addIntReference : addInt;
          f(batch * size, buf(op.a), buf(op.b), params, buf(op.output));
        };
      }
      case 'requantize': {
        const size = this.sizes[op.input];
        const st = stage(tensorParams(op.requant, 1, 1), 1, T[op.output].type);
        if (this.kernels !== 'reference') {
          return this.layout(op.output).kind === 'pair-rows'
            ? (batch) => requantizeTensorImagePairRows(batch, size, buf(op.input), st.plan, this.buffers[op.output] as Float64Array)
            : (batch) => requantizeTensor(batch * size, buf(op.input), st.plan, buf(op.output));
        }
        return (batch) => {
          const x = buf(op.input);
          const acc = this.scratchAcc(batch * size);
          for (let i = 0; i < batch * size; i++) acc[i] = x[i];
          this.requantize(batch * size, acc, st, buf(op.output), 0);
        };
      }
      case 'reshape':
        return () => {};
    }
  }
}

/** -z·Σ_t w[j][t] per output channel: the activation zero point, folded into the bias. */
function zeroPointBias(values: Int8Array, rows: number, cols: number, zeroPoint: number): Int32Array {
  const out = new Int32Array(rows);
  for (let j = 0; j < rows; j++) {
    let s = 0;
    for (let t = 0; t < cols; t++) s += values[j * cols + t];
    out[j] = -zeroPoint * s;
  }
  return out;
}
