// The Tensor: a shape, a row-major Float32Array (or Float64Array for gradient checks), and,
// when it takes part in differentiation, its gradient and the tape node that produced it.
// Creation lives here; every computation is an op in src/ops (the methods below delegate).
import ndarray from 'ndarray';
import type { FloatArray } from '../../kernels/float-array';
import { contiguousStrides, stridedIndices } from '../../kernels/strided-indices';
import type { GradNode } from '../autograd/node';
import { backward as runBackward } from '../autograd/backward';
import { allocate, convert, DType, dtypeOf } from './dtype';
import { checkShape, Shape, shapeString, sizeOf } from './shape';
import type { Rng } from './rng';
import * as ops from '../ops/index';

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

/** Nested JavaScript arrays of numbers, as accepted by `Tensor.fromArray`. */
export type NestedArray = number | NestedArray[];

export class Tensor {
  readonly shape: readonly number[];
  readonly size: number;
  /** Row-major elements. Ops never mutate their inputs' data. */
  data: FloatArray;
  /** Accumulated dL/d(this) after `backward`, for leaves (and tensors that `retainGrad`). */
  grad: Tensor | null = null;
  requiresGrad: boolean;
  /** The recorded op that produced this tensor; null for leaves and untracked results. */
  node: GradNode | null = null;
  /** Keep this non-leaf's gradient in `grad` during backward (for inspection). */
  retainsGrad = false;

  constructor(data: FloatArray, shape: Shape, requiresGrad = false) {
    const s = checkShape(shape, 'Tensor');
    const size = sizeOf(s);
    if (data.length !== size) {
      throw new Error(`Tensor: data has ${data.length} elements but shape ${shapeString(s)} needs ${size}`);
    }
    this.shape = s;
    this.size = size;
    this.data = data;
    this.requiresGrad = requiresGrad;
  }

  get dtype(): DType {
    return dtypeOf(this.data);
  }

  get rank(): number {
    return this.shape.length;
  }

  // ---------------------------------------------------------------- creation

  static zeros(shape: Shape, opts: TensorOptions = {}): Tensor {
    const s = checkShape(shape, 'zeros');
    return new Tensor(allocate(opts.dtype ?? 'float32', sizeOf(s)), s, opts.requiresGrad);
  }

  static ones(shape: Shape, opts: TensorOptions = {}): Tensor {
    return Tensor.full(shape, 1, opts);
  }

  static full(shape: Shape, value: number, opts: TensorOptions = {}): Tensor {
    const t = Tensor.zeros(shape, opts);
    t.data.fill(value);
    return t;
  }

  static scalar(value: number, opts: TensorOptions = {}): Tensor {
    return Tensor.full([], value, opts);
  }

  /** From nested arrays (`[[1, 2], [3, 4]]` is shape [2, 2]); ragged input is rejected. */
  static fromArray(values: NestedArray, opts: TensorOptions = {}): Tensor {
    const shape: number[] = [];
    let probe: NestedArray = values;
    while (Array.isArray(probe)) {
      shape.push(probe.length);
      probe = probe[0];
    }
    const flat = allocate(opts.dtype ?? 'float32', sizeOf(shape));
    let k = 0;
    const walk = (v: NestedArray, depth: number, path: string): void => {
      if (depth === shape.length) {
        if (typeof v !== 'number') throw new Error(`fromArray: element at ${path} is not a number (ragged nesting?)`);
        flat[k++] = v;
        return;
      }
      if (!Array.isArray(v) || v.length !== shape[depth]) {
        throw new Error(`fromArray: ragged array at ${path || 'top'}: expected ${shape[depth]} elements along axis ${depth}`);
      }
      for (let i = 0; i < v.length; i++) walk(v[i], depth + 1, `${path}[${i}]`);
    };
    walk(values, 0, '');
    return new Tensor(flat, shape, opts.requiresGrad);
  }

  /** Wrap (no copy) a typed array; integer arrays are converted to float32. */
  static fromTypedArray(
    data: FloatArray | Int32Array | Uint8Array | Int8Array | Uint16Array | Int16Array,
    shape: Shape,
    opts: TensorOptions = {},
  ): Tensor {
    let floats: FloatArray;
    if (data instanceof Float32Array || data instanceof Float64Array) floats = data;
    else floats = Float32Array.from(data);
    if (opts.dtype) floats = convert(floats, opts.dtype);
    return new Tensor(floats, shape, opts.requiresGrad);
  }

  /** 0, 1, ... like NumPy's arange(start, stop, step). */
  static arange(start: number, stop?: number, step = 1, opts: TensorOptions = {}): Tensor {
    if (stop === undefined) {
      stop = start;
      start = 0;
    }
    if (step === 0 || !Number.isFinite(step)) throw new Error(`arange: step must be a non-zero finite number, got ${step}`);
    const n = Math.max(0, Math.ceil((stop - start) / step));
    const t = Tensor.zeros([n], opts);
    for (let i = 0; i < n; i++) t.data[i] = start + i * step;
    return t;
  }

  /** Uniform in [lo, hi) from the given generator. */
  static rand(shape: Shape, rng: Rng, lo = 0, hi = 1, opts: TensorOptions = {}): Tensor {
    const t = Tensor.zeros(shape, opts);
    rng.fillUniform(t.data, lo, hi);
    return t;
  }

  /** Normal(mean, std) from the given generator. */
  static randn(shape: Shape, rng: Rng, mean = 0, std = 1, opts: TensorOptions = {}): Tensor {
    const t = Tensor.zeros(shape, opts);
    rng.fillNormal(t.data, mean, std);
    return t;
  }

  /** Copy from an `ndarray` (any strides, any numeric storage) into a row-major tensor. */
  static fromNdarray(nd: ndarray.NdArray, opts: TensorOptions = {}): Tensor {
    const shape = nd.shape.slice();
    const index = stridedIndices(shape, nd.stride, nd.offset);
    const out = allocate(opts.dtype ?? 'float32', index.length);
    const src = nd.data as ArrayLike<number>;
    for (let i = 0; i < index.length; i++) out[i] = src[index[i]];
    return new Tensor(out, shape, opts.requiresGrad);
  }

  /** View this tensor's data as an `ndarray` (shares memory, row-major strides). */
  toNdarray(): ndarray.NdArray<FloatArray> {
    return ndarray(this.data, this.shape.slice(), contiguousStrides(this.shape), 0);
  }

  // ---------------------------------------------------------------- reading

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item: tensor of shape ${shapeString(this.shape)} has ${this.size} elements, not 1`);
    return this.data[0];
  }

  /** Nested arrays (a number for a scalar). */
  toArray(): NestedArray {
    if (this.rank === 0) return this.data[0];
    const strides = contiguousStrides(this.shape);
    const build = (depth: number, offset: number): NestedArray => {
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[depth]; i++) {
        const o = offset + i * strides[depth];
        out.push(depth === this.rank - 1 ? this.data[o] : build(depth + 1, o));
      }
      return out;
    };
    return build(0, 0);
  }

  toString(): string {
    const body = this.size <= 64 ? JSON.stringify(this.toArray()) : `${this.size} elements`;
    return `Tensor(${shapeString(this.shape)}, ${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''}): ${body}`;
  }

  // ---------------------------------------------------------------- autograd

  /** A new tensor with the same data, cut from the tape (no gradient flows through it). */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, false);
  }

  /** A copy of the data (differentiable). */
  clone(): Tensor {
    return ops.clone(this);
  }

  /** Same values in another dtype (differentiable). */
  to(dtype: DType): Tensor {
    return ops.cast(this, dtype);
  }

  /** Mark this tensor as a leaf that needs a gradient; returns this. */
  requireGrad(flag = true): this {
    if (this.node !== null && !flag) throw new Error('requireGrad: cannot turn off gradients of a non-leaf tensor; use detach()');
    this.requiresGrad = flag;
    return this;
  }

  retainGrad(): this {
    this.retainsGrad = true;
    return this;
  }

  zeroGrad(): void {
    this.grad = null;
  }

  backward(gradient?: Tensor): void {
    runBackward(this, gradient);
  }

  // ---------------------------------------------------------------- ops (see src/ops)

  add(other: Tensor | number): Tensor { return ops.add(this, other); }
  sub(other: Tensor | number): Tensor { return ops.sub(this, other); }
  mul(other: Tensor | number): Tensor { return ops.mul(this, other); }
  div(other: Tensor | number): Tensor { return ops.div(this, other); }
  pow(other: Tensor | number): Tensor { return ops.pow(this, other); }
  maximum(other: Tensor | number): Tensor { return ops.maximum(this, other); }
  minimum(other: Tensor | number): Tensor { return ops.minimum(this, other); }
  neg(): Tensor { return ops.neg(this); }
  exp(): Tensor { return ops.exp(this); }
  log(): Tensor { return ops.log(this); }
  sqrt(): Tensor { return ops.sqrt(this); }
  abs(): Tensor { return ops.abs(this); }
  relu(): Tensor { return ops.relu(this); }
  relu6(): Tensor { return ops.relu6(this); }
  sigmoid(): Tensor { return ops.sigmoid(this); }
  tanh(): Tensor { return ops.tanh(this); }
  clamp(lo: number, hi: number): Tensor { return ops.clamp(this, lo, hi); }
  sum(axes?: number | number[], keepdims = false): Tensor { return ops.sum(this, axes, keepdims); }
  mean(axes?: number | number[], keepdims = false): Tensor { return ops.mean(this, axes, keepdims); }
  max(axes?: number | number[], keepdims = false): Tensor { return ops.max(this, axes, keepdims); }
  min(axes?: number | number[], keepdims = false): Tensor { return ops.min(this, axes, keepdims); }
  /** Variance; `correction` 0 is the population variance (NumPy's default), 1 is unbiased. */
  var(axes?: number | number[], keepdims = false, correction = 0): Tensor { return ops.variance(this, axes, keepdims, correction); }
  argmax(axis?: number, keepdims = false): Tensor { return ops.argmax(this, axis, keepdims); }
  reshape(shape: Shape): Tensor { return ops.reshape(this, shape); }
  flatten(startAxis = 0, endAxis = -1): Tensor { return ops.flatten(this, startAxis, endAxis); }
  permute(...order: number[]): Tensor { return ops.permute(this, order); }
  transpose(axis0 = -2, axis1 = -1): Tensor { return ops.transpose(this, axis0, axis1); }
  expand(shape: Shape): Tensor { return ops.expand(this, shape); }
  matmul(other: Tensor): Tensor { return ops.matmul(this, other); }
  softmax(axis = -1): Tensor { return ops.softmax(this, axis); }
  logSoftmax(axis = -1): Tensor { return ops.logSoftmax(this, axis); }
}
