// convertToInteger: a trained quantized model (quantize(model, ...), eval mode) becomes an integer
// model (int-graph.ts) that computes the same function with integers only. See
// docs/deployment.md for the full story; the decisions, briefly:
//
// 1. Every activation tensor is stored as the codes of the quantizer that consumes it. The conv
//    or linear that produces it requantizes its int32 accumulators straight onto that grid,
//    code = clamp(round(real / s) + z, qmin, qmax), and ReLU / ReLU6 are that clamp (lower bound
//    the code of 0, upper bound the code of 6). Max pooling and flattening sit between producer
//    and consumer unchanged: they commute with a monotone requantization.
// 2. Batch norm is folded into the output stage, not into the weights: the weights were trained
//    on their grid with batch norm after the conv, so per channel the real output is
//    A_c·acc + B_c with A_c = s_in·s_w·γ/σ and B_c = β + (b - μ)·γ/σ, and A_c / s_out becomes the
//    channel's fixed-point multiplier (negative when γ < 0), B_c / s_out its integer offset plus
//    a 16-bit fraction of an output step added before the rounding (requantize-channels-
//    reference.ts says why not an accumulator-unit bias). (foldBatchNorm: float folding for fp32.)
// 3. Weights: DDQ as b-bit level indices with an int8 codebook, LSQ as intN values
//    (weight-quantization.ts); accumulators Σ (a - z_in)·w in int32.
// 4. Residual additions in integers (TFLite style, add-int-reference.ts): both operands on a
//    common fine scale (2^-12 of the output step for 8-bit grids, FINE_SPAN), added, requantized onto the consumer's grid.
//    The body's output is produced directly on that fine scale as int32. The skip operand is the
//    block input, kept as int32 on the fine scale of the body's first grid; the body reads its
//    codes through a requantize op (so that input is rounded twice: fine, then its grid).
// 5. Tensors no quantizer consumes (a conv output before global average pooling, the body of a
//    residual block) are int32 on a fine scale until the next quantizer. Global average pooling
//    sums in int32 and folds the division into its requantization.
// 6. The float input is quantized by the first layer's input quantizer (a float op), the final
//    logits are int32 with one float scale. Nothing else is float.
//
// The lowering is lazy: walking the module tree yields symbolic values ("the accumulators of
// this conv, scaled by A and shifted by B, clamped to [lo, hi], then max-pooled") and a value is
// turned into ops only when a consumer says which grid or scale it needs.
import type { Module } from '../nn/module';
import { Sequential } from '../nn/sequential';
import { Conv2d } from '../nn/conv2d';
import { Linear } from '../nn/linear';
import { BatchNorm2d } from '../nn/batch-norm';
import { Flatten, Identity, ReLU, ReLU6 } from '../nn/activations';
import { AvgPool2d, GlobalAvgPool2d, MaxPool2d } from '../nn/pooling';
import { Dropout } from '../nn/dropout';
import { QuantConv2d, QuantizedLayer, QuantLinear } from '../quant/quantized-layers';
import { quantizedLayers } from '../quant/quantize';
import { InvertedResidual } from '../../nets/mobilenetv2';
import { BasicBlock } from '../../nets/resnet20';
import { quantizeMultiplier } from '../../kernels/int/quantize-multiplier';
import { IDENTITY_MULTIPLIER, type AddOperand } from '../../kernels/int/add-int-reference';
import { packInt8 } from '../../kernels/int/pack-int8';
import { packInt4 } from '../../kernels/int/pack-int4';
import { packInt2 } from '../../kernels/int/pack-int2';
import { packIndices } from '../../kernels/int/pack-indices';
import { activationGrid, type ActivationGrid } from './activation-grid';
import { quantizeWeights, type WeightQuantization } from './weight-quantization';
import { batchNormAffine } from './fold-batch-norm';
import type {
  ActType, IntegerModel, IntOp, PackedWeights, Requant, TensorInfo, TensorRequant,
} from './int-graph';

export interface ConvertOptions {
  /** One sample's input shape [channels, height, width]. */
  inputShape: readonly [number, number, number];
  /** Normalisation the model was trained with (stored for the command line; not applied here). */
  mean?: number[];
  std?: number[];
  meta?: Record<string, unknown>;
}

/**
 * Wide (int32) tensors on their way to a grid are kept on the finest scale at which the grid's
 * whole code range spans at most 2^20 fine steps (2^-12 of a step for 8-bit grids, 2^-16 for
 * 4-bit ones), coarser only where int32 range or the output stage's multiplier limit demands.
 * Why so fine: every extra rounding moves a code when the value lands within half a fine step of
 * a rounding boundary, and one moved code spreads through every layer after it (the more, the
 * fewer the bits). Top-1 agreement with the fake-quant model over 10,000 test images, 2026-11-26:
 * main job MobileNetV2 (MNIST, A8) 99.65% at 1/256 of a step, 99.92% at 2^-12, 99.97% at 2^-16;
 * MobileNetV2 on Fashion-MNIST with 4-bit activations (LSQ W3A4, DDQ budget 2) 98.76% / 96.76% at
 * 2^-12, 99.99% / 99.64% at 2^-16. Why not finer: below 2^20 for the grid's range (2^21 with
 * values up to twice past it), values stay inside the kernels' exact double path (|x| < 2^21,
 * add-int.ts, requantize-channels.ts); 8-bit grids at 2^-16 made the add and requantize ops run
 * 6-9x slower.
 */
const FINE_SPAN = 2 ** 20;
/** The kernels' exact double path holds |x| < 2^21 (add-int.ts, requantize-channels.ts). */
const FAST_PATH_LIMIT = 2 ** 21;
/** Output stage limit: a multiplier below 2^14 per accumulator unit (shift <= 15, a margin kept). */
const MAX_STAGE_MULTIPLIER = 2 ** 14;
/** Headroom kept below int32 for sums of wide values. */
const WIDE_LIMIT = 2 ** 30;
const INT32_MAX = 2147483647;

/** A real interval the value is clamped to (ReLU: [0, inf), ReLU6: [0, 6]). */
interface Clamp {
  lo: number;
  hi: number;
}
const UNBOUNDED: Clamp = { lo: -Infinity, hi: Infinity };

/** Logical per-sample shape, NCHW semantics: [c, h, w] or [features]. */
type Shape = number[];

type PostOp =
  | { kind: 'max-pool'; kernel: [number, number]; stride: [number, number]; padding: [number, number]; shape: Shape }
  | { kind: 'flatten'; from: Shape; shape: Shape };

interface AffineSite {
  name: string;
  layer: QuantizedLayer;
  input: number;
  /** Flattened input that was [c, h, w]: the weight columns are permuted to NHWC order. */
  flatFrom: Shape | null;
  wq: WeightQuantization;
  /** Real output per channel = A[c]·acc + B[c]. */
  A: Float64Array;
  B: Float64Array;
  inputGrid: ActivationGrid;
}

type Base =
  | { kind: 'input'; shape: Shape }
  | { kind: 'tensor'; id: number; shape: Shape }
  | { kind: 'affine'; site: AffineSite; shape: Shape }
  | { kind: 'add'; a: Value; b: Value; shape: Shape }
  | { kind: 'mean'; src: Value; shape: Shape };

interface Value {
  base: Base;
  clamp: Clamp;
  post: PostOp[];
}

type Target = { kind: 'codes'; grid: ActivationGrid } | { kind: 'wide'; scale: number } | { kind: 'logits' };

function shapeOf(v: Value): Shape {
  return v.post.length ? v.post[v.post.length - 1].shape : v.base.shape;
}

const fmt = (s: Shape) => `[${s.join(', ')}]`;

/** NHWC storage shape of a logical shape. */
function storage(s: Shape): number[] {
  return s.length === 3 ? [s[1], s[2], s[0]] : [...s];
}

function roundTies(x: number, ties: 'up' | 'even'): number {
  const r = Math.floor(x + 0.5);
  return ties === 'even' && r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** A multiplier for a real factor: Q31 magnitude, sign carried by the multiplier. */
function signedMultiplier(real: number, where: string): { multiplier: number; shift: number } {
  if (!Number.isFinite(real)) throw new Error(`convertToInteger: ${where}: rescale factor ${real} is not finite`);
  const q = quantizeMultiplier(Math.abs(real), { singleRounding: true });
  return { multiplier: real < 0 ? -q.multiplier : q.multiplier, shift: q.shift };
}

class Lowering {
  readonly tensors: TensorInfo[] = [];
  readonly ops: IntOp[] = [];
  private readonly names: Map<Module, string>;

  constructor(model: Module) {
    this.names = new Map(model.namedModules().map(([n, m]) => [m, n || '(model)']));
  }

  nameOf(m: Module): string {
    return this.names.get(m) ?? m.constructor.name;
  }

  /** Integer range each tensor's values are known to lie in (to skip no-op requantizations). */
  private readonly ranges = new Map<number, [number, number]>();
  /** A bound on the real magnitude of each tensor's values (choosing fine scales that cannot overflow). */
  private readonly magnitudes = new Map<number, number>();
  /** Flattened tensors that were [c, h, w] images (a linear reading them permutes its columns). */
  private readonly flatOrigin = new Map<number, Shape>();

  tensor(name: string, shape: number[], type: ActType, scale: number, zeroPoint: number, range: [number, number]): number {
    this.tensors.push({ name, shape, type, scale, zeroPoint });
    this.ranges.set(this.tensors.length - 1, range);
    this.magnitudes.set(this.tensors.length - 1, scale * Math.max(Math.abs(range[0] - zeroPoint), Math.abs(range[1] - zeroPoint)));
    return this.tensors.length - 1;
  }

  // --- walking the module tree -------------------------------------------------------------

  value(m: Module, x: Value): Value {
    const name = this.nameOf(m);
    if (m instanceof Sequential) return m.layers.reduce((v, child) => this.value(child, v), x);
    if (m instanceof QuantConv2d) return this.conv(m, x, name);
    if (m instanceof QuantLinear) return this.linear(m, x, name);
    if (m instanceof BatchNorm2d) return this.batchNorm(m, x, name);
    if (m instanceof ReLU) return { ...x, clamp: { lo: Math.max(x.clamp.lo, 0), hi: x.clamp.hi } };
    if (m instanceof ReLU6) return { ...x, clamp: { lo: Math.max(x.clamp.lo, 0), hi: Math.min(x.clamp.hi, 6) } };
    if (m instanceof Dropout || m instanceof Identity) return x;
    if (m instanceof Flatten) {
      const s = shapeOf(x);
      return s.length === 1 ? x : { ...x, post: [...x.post, { kind: 'flatten', from: s, shape: [s.reduce((a, b) => a * b, 1)] }] };
    }
    if (m instanceof MaxPool2d) {
      const [c, h, w] = this.imageShape(x, name);
      const outH = Math.floor((h + 2 * m.padding - m.kernel) / m.stride) + 1;
      const outW = Math.floor((w + 2 * m.padding - m.kernel) / m.stride) + 1;
      return {
        ...x,
        post: [...x.post, { kind: 'max-pool', kernel: [m.kernel, m.kernel], stride: [m.stride, m.stride], padding: [m.padding, m.padding], shape: [c, outH, outW] }],
      };
    }
    if (m instanceof GlobalAvgPool2d) {
      const [c] = this.imageShape(x, name);
      return { base: { kind: 'mean', src: x, shape: [c, 1, 1] }, clamp: UNBOUNDED, post: [] };
    }
    if (m instanceof InvertedResidual) {
      if (!m.useResidual) return this.value(m.body, x);
      const skip = this.fork(x, m.body, name);
      return this.add(this.value(m.body, skip), skip, UNBOUNDED, name);
    }
    if (m instanceof BasicBlock) {
      const skip = this.fork(x, m.body, name);
      const body = this.value(m.body, skip);
      const short = m.shortcut ? this.value(m.shortcut, skip) : skip;
      return this.add(body, short, { lo: 0, hi: Infinity }, name);
    }
    if (m instanceof Conv2d || m instanceof Linear) {
      throw new Error(`convertToInteger: ${name} is a full-precision ${m.constructor.name}; the integer model needs every conv/linear quantized (quantize(model, ...))`);
    }
    if (m instanceof AvgPool2d) throw new Error(`convertToInteger: ${name}: AvgPool2d has no integer lowering yet (GlobalAvgPool2d and MaxPool2d do)`);
    throw new Error(`convertToInteger: ${name}: no integer lowering for ${m.constructor.name}`);
  }

  private imageShape(x: Value, name: string): Shape {
    const s = shapeOf(x);
    if (s.length !== 3) throw new Error(`convertToInteger: ${name} needs an image input [c, h, w], got ${fmt(s)}`);
    return s;
  }

  /**
   * A value used twice (block input): stored once, as int32 on the fine scale of the grid the
   * body reads (fineScale). The body's first layer gets its codes through a requantize
   * op, and the skip path adds the fine value, as the float model adds the unquantized tensor.
   * (Stored as the body's codes instead, the skip was off by up to half a step, and on the main
   * job's MobileNetV2 every layer after the first residual block had 18-64% of its input codes
   * one step away from the fake-quant ones.) A value that already is a stored tensor is used as is.
   */
  private fork(x: Value, body: Module, name: string): Value {
    const first = quantizedLayers(body)[0];
    if (!first) throw new Error(`convertToInteger: ${name}: the block body has no quantized layer`);
    const grid = activationGrid(first.layer.inputQuantizer, `${name}.body.${first.name} input`);
    const id = x.base.kind === 'tensor' ? this.materialize(x, { kind: 'codes', grid }) : this.materialize(x, { kind: 'wide', scale: this.fineScale(x, grid) });
    return { base: { kind: 'tensor', id, shape: shapeOf(x) }, clamp: UNBOUNDED, post: [] };
  }

  private add(a: Value, b: Value, clamp: Clamp, name: string): Value {
    const sa = shapeOf(a);
    const sb = shapeOf(b);
    if (fmt(sa) !== fmt(sb)) throw new Error(`convertToInteger: ${name}: residual shapes differ, ${fmt(sa)} and ${fmt(sb)}`);
    return { base: { kind: 'add', a, b, shape: sa }, clamp, post: [] };
  }

  private conv(m: QuantConv2d, x: Value, name: string): Value {
    const [cIn, h, w] = this.imageShape(x, name);
    const conv = m.layer;
    const { stride, padding, dilation, groups } = conv.options;
    if (cIn !== conv.inChannels) throw new Error(`convertToInteger: ${name} expects ${conv.inChannels} input channels, gets ${fmt([cIn, h, w])}`);
    if (groups !== 1 && !conv.isDepthwise) throw new Error(`convertToInteger: ${name}: grouped convolutions other than depthwise (groups ${groups}) are not supported`);
    const k = conv.kernelSize;
    const outH = Math.floor((h + 2 * padding - dilation * (k - 1) - 1) / stride) + 1;
    const outW = Math.floor((w + 2 * padding - dilation * (k - 1) - 1) / stride) + 1;
    return this.affine(m, x, name, [conv.outChannels, outH, outW], null);
  }

  private linear(m: QuantLinear, x: Value, name: string): Value {
    const s = shapeOf(x);
    const features = s.reduce((a, b) => a * b, 1);
    if (features !== m.layer.inFeatures) throw new Error(`convertToInteger: ${name} expects ${m.layer.inFeatures} features, gets ${fmt(s)}`);
    // QuantLinear flattens an image input itself; flatten it here too, so that one rule applies.
    const input: Value = s.length === 1 ? x : { ...x, post: [...x.post, { kind: 'flatten', from: s, shape: [features] }] };
    // Images are stored NHWC, so a flattened one is in (h, w, c) order: remember its shape.
    const flatten = [...input.post].reverse().find((p): p is Extract<PostOp, { kind: 'flatten' }> => p.kind === 'flatten');
    let flatFrom: Shape | null = flatten && flatten.from.length === 3 ? flatten.from : null;
    if (!flatten && input.base.kind === 'tensor') flatFrom = this.flatOrigin.get(input.base.id) ?? null;
    return this.affine(m, input, name, [m.layer.outFeatures], flatFrom);
  }

  private affine(m: QuantizedLayer, x: Value, name: string, outShape: Shape, flatFrom: Shape | null): Value {
    const inputGrid = activationGrid(m.inputQuantizer, `${name} input`);
    const input = this.materialize(x, { kind: 'codes', grid: inputGrid });
    const wq = quantizeWeights(m, name);
    const rows = wq.rows;
    const A = new Float64Array(rows);
    const B = new Float64Array(rows);
    const bias = m instanceof QuantConv2d ? m.layer.bias : (m as QuantLinear).layer.bias;
    for (let c = 0; c < rows; c++) {
      A[c] = inputGrid.scale * wq.scale[wq.groups === 1 ? 0 : c];
      B[c] = bias ? bias.data[c] : 0;
    }
    const site: AffineSite = { name, layer: m, input, flatFrom, wq, A, B, inputGrid };
    return { base: { kind: 'affine', site, shape: outShape }, clamp: UNBOUNDED, post: [] };
  }

  private batchNorm(bn: BatchNorm2d, x: Value, name: string): Value {
    if (x.base.kind !== 'affine' || x.post.length || x.clamp.lo !== -Infinity || x.clamp.hi !== Infinity) {
      throw new Error(`convertToInteger: ${name}: batch norm must follow a quantized conv directly to be folded into its output stage`);
    }
    const site = x.base.site;
    if (bn.channels !== site.A.length) throw new Error(`convertToInteger: ${name}: ${bn.channels} channels after ${site.name} with ${site.A.length}`);
    const { scale, shift } = batchNormAffine(bn);
    const A = Float64Array.from(site.A, (a, c) => a * scale[c]);
    const B = Float64Array.from(site.B, (b, c) => b * scale[c] + shift[c]);
    return { ...x, base: { ...x.base, site: { ...site, A, B } } };
  }

  // --- fine scales --------------------------------------------------------------------------

  /** A bound on |v| (real units), from the weights and input grids that produce it. */
  magnitude(v: Value): number {
    const clamped = Math.max(Math.abs(v.clamp.lo), Math.abs(v.clamp.hi));
    const b = v.base;
    let m: number;
    switch (b.kind) {
      case 'input':
        return Infinity;
      case 'tensor':
        m = this.magnitudes.get(b.id)!;
        break;
      case 'affine': {
        const { wq, A, B, inputGrid: g } = b.site;
        const maxA = Math.max(g.zeroPoint - g.qmin, g.qmax - g.zeroPoint);
        let maxW = 1;
        for (let i = 0; i < wq.values.length; i++) maxW = Math.max(maxW, Math.abs(wq.values[i]));
        m = 0;
        for (let c = 0; c < wq.rows; c++) m = Math.max(m, Math.abs(A[c]) * wq.cols * maxA * maxW + Math.abs(B[c]));
        break;
      }
      case 'add':
        m = this.magnitude(b.a) + this.magnitude(b.b);
        break;
      case 'mean':
        m = this.magnitude(b.src);
        break;
    }
    return Math.min(m, clamped);
  }

  /** The finest scale v can be stored on as int32: no overflow, output stages within range. */
  finest(v: Value): number {
    const b = v.base;
    let limit = 0;
    if (b.kind === 'affine') for (const a of b.site.A) limit = Math.max(limit, Math.abs(a) / MAX_STAGE_MULTIPLIER);
    if (b.kind === 'add') limit = Math.max(this.finest(b.a), this.finest(b.b));
    if (b.kind === 'mean') limit = this.finest(b.src);
    return Math.max(limit, this.magnitude(v) / WIDE_LIMIT);
  }

  /** The wide scale for v on its way to `grid`: its code range over FINE_SPAN, or the finest v allows. */
  fineScale(v: Value, grid: ActivationGrid): number {
    return Math.max((grid.scale * Math.max(1, grid.qmax - grid.qmin)) / FINE_SPAN, this.finest(v));
  }

  // --- turning values into ops ----------------------------------------------------------------

  materialize(v: Value, target: Target): number {
    let id = this.materializeBase(v.base, v.clamp, target);
    // A wide tensor declares the int32 range; remember what its values can actually reach.
    const bound = target.kind === 'codes' ? Infinity : this.magnitude(v) + this.tensors[id].scale;
    this.magnitudes.set(id, Math.min(this.magnitudes.get(id)!, bound));
    for (const p of v.post) {
      const from = this.tensors[id];
      const shape = storage(p.shape);
      const out = this.tensor(`${from.name}/${p.kind}`, shape, from.type, from.scale, from.zeroPoint, this.ranges.get(id)!);
      if (p.kind === 'max-pool') this.ops.push({ op: 'max-pool', input: id, output: out, kernel: p.kernel, stride: p.stride, padding: p.padding });
      else {
        this.ops.push({ op: 'reshape', input: id, output: out });
        if (p.from.length === 3) this.flatOrigin.set(out, p.from);
      }
      this.magnitudes.set(out, this.magnitudes.get(id)!);
      id = out;
    }
    return id;
  }

  /** Scale, zero point, type and integer bounds of a target, with a real clamp applied. */
  private bounds(target: Exclude<Target, { kind: 'logits' }>, clamp: Clamp): { scale: number; zeroPoint: number; type: ActType; qmin: number; qmax: number } {
    if (target.kind === 'codes') {
      const g = target.grid;
      const lo = clamp.lo === -Infinity ? g.qmin : Math.max(g.qmin, g.zeroPoint + roundTies(clamp.lo / g.scale, g.ties));
      const hi = clamp.hi === Infinity ? g.qmax : Math.min(g.qmax, g.zeroPoint + roundTies(clamp.hi / g.scale, g.ties));
      return { scale: g.scale, zeroPoint: g.zeroPoint, type: 'uint8', qmin: Math.min(lo, hi), qmax: hi };
    }
    const s = target.scale;
    const lo = clamp.lo === -Infinity ? -INT32_MAX : Math.max(-INT32_MAX, roundTies(clamp.lo / s, 'up'));
    const hi = clamp.hi === Infinity ? INT32_MAX : Math.min(INT32_MAX, roundTies(clamp.hi / s, 'up'));
    return { scale: s, zeroPoint: 0, type: 'int32', qmin: lo, qmax: hi };
  }

  private materializeBase(base: Base, clamp: Clamp, target: Target): number {
    switch (base.kind) {
      case 'input': {
        if (target.kind !== 'codes') throw new Error('convertToInteger: the model input must go to a quantized layer first');
        const b = this.bounds(target, clamp);
        const out = this.tensor('input', storage(base.shape), 'uint8', b.scale, b.zeroPoint, [b.qmin, b.qmax]);
        this.ops.push({ op: 'quantize-input', output: out, scale: b.scale, zeroPoint: b.zeroPoint, qmin: b.qmin, qmax: b.qmax, ties: target.grid.ties });
        return out;
      }
      case 'tensor': {
        if (target.kind === 'logits') throw new Error('convertToInteger: the model must end in a quantized linear or conv layer');
        const from = this.tensors[base.id];
        const b = this.bounds(target, clamp);
        const [lo, hi] = this.ranges.get(base.id)!;
        if (from.type === b.type && from.scale === b.scale && from.zeroPoint === b.zeroPoint && b.qmin <= lo && b.qmax >= hi) return base.id;
        const out = this.tensor(`${from.name}/requantized`, [...from.shape], b.type, b.scale, b.zeroPoint, [b.qmin, b.qmax]);
        const m = signedMultiplier(from.scale / b.scale, `requantizing ${from.name}`);
        const requant: TensorRequant = { inputZeroPoint: from.zeroPoint, ...m, offset: b.zeroPoint, qmin: b.qmin, qmax: b.qmax };
        this.ops.push({ op: 'requantize', input: base.id, output: out, requant });
        return out;
      }
      case 'affine':
        return this.emitAffine(base.site, base.shape, clamp, target);
      case 'add': {
        if (target.kind === 'logits') throw new Error('convertToInteger: the model must end in a quantized linear or conv layer');
        const b = this.bounds(target, clamp);
        const fine = target.kind === 'codes' ? this.fineScale({ base, clamp, post: [] }, target.grid) : b.scale;
        const operand = (v: Value, which: string): [number, AddOperand] => {
          if (v.base.kind === 'tensor' && !v.post.length && v.clamp.lo === -Infinity && v.clamp.hi === Infinity) {
            const t = this.tensors[v.base.id];
            return [v.base.id, { zeroPoint: t.zeroPoint, ...signedMultiplier(t.scale / fine, `residual operand ${which}`) }];
          }
          return [this.materialize(v, { kind: 'wide', scale: fine }), { zeroPoint: 0, ...IDENTITY_MULTIPLIER }];
        };
        const [ia, pa] = operand(base.a, 'a');
        const [ib, pb] = operand(base.b, 'b');
        const out = this.tensor(`add:${this.tensors[ia].name}+${this.tensors[ib].name}`, storage(base.shape), b.type, b.scale, b.zeroPoint, [b.qmin, b.qmax]);
        const scaleDown = target.kind === 'codes' ? signedMultiplier(fine / b.scale, 'residual output') : IDENTITY_MULTIPLIER;
        this.ops.push({
          op: 'add', a: ia, b: ib, output: out,
          params: { a: pa, b: pb, output: { ...scaleDown, offset: b.zeroPoint, qmin: b.qmin, qmax: b.qmax } },
        });
        return out;
      }
      case 'mean': {
        if (target.kind === 'logits') throw new Error('convertToInteger: the model must end in a quantized linear or conv layer');
        const b = this.bounds(target, clamp);
        const [c, h, w] = shapeOf(base.src);
        let src: number;
        const v = base.src;
        if (v.base.kind === 'tensor' && !v.post.length && v.clamp.lo === -Infinity && v.clamp.hi === Infinity) src = v.base.id;
        else {
          // The int32 sum over h·w pixels must fit, and (where that costs at most 4 bits of the
          // fine scale) stay on the kernels' exact double path.
          const mag = h * w * this.magnitude(v);
          let scale = b.scale;
          if (target.kind === 'codes') {
            const fine = this.fineScale(v, target.grid);
            scale = Math.max(fine, Math.min(mag / FAST_PATH_LIMIT, 16 * fine));
          }
          src = this.materialize(v, { kind: 'wide', scale: Math.max(scale, mag / WIDE_LIMIT) });
        }
        const from = this.tensors[src];
        const m = signedMultiplier(from.scale / (h * w * b.scale), 'global average pooling');
        const out = this.tensor(`${from.name}/mean`, [1, 1, c], b.type, b.scale, b.zeroPoint, [b.qmin, b.qmax]);
        this.ops.push({ op: 'global-avg-pool', input: src, output: out, requant: { inputZeroPoint: from.zeroPoint, ...m, offset: b.zeroPoint, qmin: b.qmin, qmax: b.qmax } });
        return out;
      }
    }
  }

  private emitAffine(site: AffineSite, shape: Shape, clamp: Clamp, target: Target): number {
    const { wq, A, B, name } = site;
    const rows = wq.rows;
    let t: Exclude<Target, { kind: 'logits' }>;
    if (target.kind === 'logits') {
      // As fine as the output stage allows, coarse enough that no logit can overflow int32.
      t = { kind: 'wide', scale: this.finest({ base: { kind: 'affine', site, shape }, clamp: UNBOUNDED, post: [] }) || 1 };
    } else t = target;
    const b = this.bounds(t, clamp);
    const requant: Requant = {
      multiplier: new Int32Array(rows), shift: new Int8Array(rows), fraction: new Int32Array(rows), offset: new Int32Array(rows), qmin: b.qmin, qmax: b.qmax,
    };
    for (let c = 0; c < rows; c++) {
      // out/s = (A/s)·acc + B/s: the multiplier, then B/s split into an integer offset and a
      // fraction in [-1/2, 1/2] of an output step, kept to 16 bits.
      const M = A[c] / b.scale;
      const off = B[c] / b.scale;
      if (!Number.isFinite(M) || !Number.isFinite(off) || Math.abs(off) > 2 ** 30) {
        throw new Error(`convertToInteger: ${name}: channel ${c} has an unusable scale (${A[c]}) or shift (${B[c]}) for output scale ${b.scale}`);
      }
      const integer = Math.round(off);
      const m = signedMultiplier(M, `${name} channel ${c}`);
      if (m.shift > 15) throw new Error(`convertToInteger: ${name}: channel ${c} needs a rescale by ${M}, beyond the output stage's range`);
      requant.multiplier[c] = m.multiplier;
      requant.shift[c] = m.shift;
      requant.fraction[c] = Math.round((off - integer) * 65536);
      requant.offset[c] = b.zeroPoint + integer;
    }
    const conv = site.layer instanceof QuantConv2d ? site.layer.layer : null;
    const weights = packWeights(wq, conv ? reorderConv(wq, conv) : reorderLinear(wq, site.flatFrom));
    const out = this.tensor(name, storage(shape), b.type, b.scale, b.zeroPoint, [b.qmin, b.qmax]);
    if (conv) {
      const { stride, padding, dilation } = conv.options;
      const k = conv.kernelSize;
      this.ops.push({
        op: 'conv', name, input: site.input, output: out, kernel: [k, k], stride: [stride, stride], padding: [padding, padding],
        dilation: [dilation, dilation], depthwise: conv.isDepthwise, inputBits: site.inputGrid.bits, weights, requant,
      });
    } else {
      this.ops.push({ op: 'linear', name, input: site.input, output: out, inputBits: site.inputGrid.bits, weights, requant });
    }
    return out;
  }
}

/** Permutation of a conv's weight columns: [cIn][kh][kw] -> [kh][kw][cIn] (NHWC im2col order). */
function reorderConv(wq: WeightQuantization, conv: Conv2d): Int32Array {
  const cIn = conv.inChannels / conv.options.groups;
  const taps = conv.kernelSize * conv.kernelSize;
  const perm = new Int32Array(wq.cols);
  for (let c = 0; c < cIn; c++) for (let t = 0; t < taps; t++) perm[t * cIn + c] = c * taps + t;
  return perm;
}

/** Permutation of a linear's columns when its input was an NCHW-flattened [c, h, w] image. */
function reorderLinear(wq: WeightQuantization, flatFrom: Shape | null): Int32Array {
  const perm = Int32Array.from({ length: wq.cols }, (_, j) => j);
  if (!flatFrom) return perm;
  const [C, H, W] = flatFrom;
  for (let c = 0; c < C; c++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) perm[(y * W + x) * C + c] = (c * H + y) * W + x;
  return perm;
}

/** Store the weights in runtime column order (new column j = old column perm[j]), packed. */
function packWeights(wq: WeightQuantization, perm: Int32Array): PackedWeights {
  const { rows, cols, bits } = wq;
  const total = rows * cols;
  const pick = <T extends Int8Array | Uint8Array>(src: T, dst: T): T => {
    for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) dst[r * cols + j] = src[r * cols + perm[j]];
    return dst;
  };
  const base = { method: wq.method, bits, rows, cols, groups: wq.groups, scale: wq.scale };
  if (wq.method === 'ddq') {
    const codes = pick(wq.codes!, new Uint8Array(total));
    return { ...base, format: 'indices', data: packIndices(codes, 1, total, bits).data, codebook: wq.codebook };
  }
  const values = pick(wq.values, new Int8Array(total));
  if (bits === 8) return { ...base, format: 'int8', data: packInt8(values, 1, total).data };
  if (bits === 4) return { ...base, format: 'int4', data: packInt4(values, 1, total, 1).data };
  if (bits === 2) return { ...base, format: 'int2', data: packInt2(values, 1, total, 1).data };
  const zeroPoint = 2 ** (bits - 1);
  const codes = Uint8Array.from(values, (v) => v + zeroPoint);
  return { ...base, format: 'indices', data: packIndices(codes, 1, total, bits).data, zeroPoint };
}

/** The integer model of a trained quantized model (put in eval mode here). */
export function convertToInteger(model: Module, opts: ConvertOptions): IntegerModel {
  const [channels, height, width] = opts.inputShape;
  if (![channels, height, width].every((d) => Number.isInteger(d) && d >= 1)) {
    throw new Error(`convertToInteger: inputShape must be three positive integers [c, h, w], got [${opts.inputShape.join(', ')}]`);
  }
  if (quantizedLayers(model).length === 0) throw new Error('convertToInteger: the model has no quantized layer; quantize(model, ...) and train it first');
  model.eval();
  const low = new Lowering(model);
  const out = low.value(model, { base: { kind: 'input', shape: [channels, height, width] }, clamp: UNBOUNDED, post: [] });
  const s = shapeOf(out);
  if (out.base.kind !== 'affine' || out.post.length || out.clamp.lo !== -Infinity || out.clamp.hi !== Infinity || s.length !== 1) {
    throw new Error(`convertToInteger: the model must end in a quantized linear layer giving logits (got ${out.base.kind} of shape ${fmt(s)})`);
  }
  const tensor = low.materialize(out, { kind: 'logits' });
  return {
    format: 'ddq-integer-model',
    input: { channels, height, width, ...(opts.mean ? { mean: opts.mean } : {}), ...(opts.std ? { std: opts.std } : {}) },
    classes: s[0],
    tensors: low.tensors,
    ops: low.ops,
    output: { tensor, scale: low.tensors[tensor].scale },
    meta: opts.meta ?? {},
  };
}
