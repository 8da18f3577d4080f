// DDQ quantizer (as formulated in docs/ddq.md): per-tensor (or per-channel) learned levels,
// learned dynamic range, and learned precision through Kronecker-structured gates.
//
// Forward (hard gates): levels q = first + cumsum(softplus(gaps)); b = number of open
// monotone gates; the 2^b merged levels are block means of q; each x takes its nearest merged
// level (values beyond the ends clip to them). Weight levels are by default used rounded onto
// the int8 codebook grid the integer model stores them on (int8-codebook.ts), so export is exact.
// Activations use a uniform grid anchored at zero instead (q_i = (i - z)·step, step learned;
// z = 0 for non-negative data, 2^(K-1) for signed): our choice for integer deployment, where
// such a grid is exactly uint8/int8 with a scale and an integer zero point, and zero (the conv
// padding value) is a level. Free non-uniform levels pay off for weights, which are stored as
// codebook indices; for activations every layer output would need a per-element level search.
// Backward: x straight through inside [min, max] level, 0 outside, plus alpha·(x - x_q);
// levels through (Z·U)ᵀ; gates exactly through the multilinear Z·U and then straight through
// each gate to its own logit (sigmoid'(t_i)), not through the monotone product (our reading,
// see docs/ddq.md: the product collapses precision).
import type { FloatArray } from '../../kernels/float-array';
import { Tensor } from '../tensor/tensor';
import { customOp } from '../ops/custom-op';
import { Module } from '../nn/module';
import {
  applyGates, assignNearest, bitsOf, fineLevelsWithBlockMeans, hardGates, levelsFromGaps, levelsFromGapsBackward, mergedLevels, sigmoid, softplus, softplusInverse,
} from './ddq-levels';
import { int8Codebook, type Int8Codebook } from './int8-codebook';
import { lloydMaxLevels } from './lloyd-max';
import { fitUniformStep } from './fit-step';
import { quantizeEven } from './even-grid';
import { levelSums, straightThrough, straightThroughWithLevelSums } from './level-sums';
import { CodePool, type CodeArray } from './code-pool';

export interface DdqOptions {
  /** 'weight': signed range from max|w|; 'activation': range from the first batch seen. */
  kind: 'weight' | 'activation';
  /** Largest bitwidth K; the quantizer holds 2^K levels. */
  maxBits?: number;
  /** Bits the gates start at (default maxBits: all open). */
  initBits?: number;
  /** One level set per output channel (weights only; axis 0). Gates stay shared. */
  perChannel?: boolean;
  /** Gradient-correction weight: adds alpha·(x - x_q) to the input gradient. */
  alpha?: number;
  /** Soft gates g_i = sigmoid(t_i) (the relaxed form; used to check gradients). */
  relaxed?: boolean;
  /** false: a fixed-precision quantizer (gates frozen at initBits for good). Default true. */
  learnBits?: boolean;
  /** The fewest bits learning may reach (gates 1..minBits held open by projectGates); default 1. */
  minBits?: number;
  /** 'learned': free sorted levels (default for weights); 'uniform': zero-anchored grid (activations). */
  grid?: 'learned' | 'uniform';
  /**
   * Learned grid: use the merged levels rounded onto their int8 codebook grid (int8-codebook.ts),
   * as the integer model stores them; default true. false: free float levels (as in the paper).
   */
  int8Levels?: boolean;
  /**
   * Below 8 bits, start from levels fitted to the data (fitLevels: Lloyd-Max weight levels, the
   * least-squares activation step) instead of the grid over the data's range; default true.
   * [ours, docs/ddq.md item 10]
   */
  fitLevels?: boolean;
}

/** Starting logit of an open gate: just above the threshold (docs/ddq.md). */
const OPEN_LOGIT = 1;

/**
 * Most outside-range activations listed for the backward; with more, it reads x instead. Inputs
 * after ReLU6 are usually all inside the range, others have a handful outside (measured).
 */
const OUTSIDE_LIST = 1024;

export class DdqQuantizer extends Module {
  readonly kind: 'weight' | 'activation';
  readonly maxBits: number;
  readonly perChannel: boolean;
  readonly grid: 'learned' | 'uniform';
  /** Whether the forward pass uses the levels rounded onto their int8 codebook grid. */
  readonly int8Levels: boolean;
  /** Whether levels starting below 8 bits are fitted to the data (fitLevels). */
  readonly fitsLevels: boolean;
  alpha: number;
  relaxed: boolean;
  /** Learned grid: the lowest level per group. Uniform grid: the zero level's index (a buffer). */
  readonly first: Tensor;
  /** Learned grid: raw gaps [G, 2^K - 1]. Uniform grid: the raw step [G, 1]. */
  readonly gaps: Tensor;
  readonly gateLogits: Tensor;
  /** 1 once the range has been initialised from data. */
  private readonly initialized: Tensor;
  /** 1 when the bitwidth is fixed (a buffer, so checkpoints keep it). */
  private readonly frozen: Tensor;
  /** Whether this quantizer's bitwidth is meant to be learned (false for fixed-precision layers). */
  readonly learnableBits: boolean;
  /** Level sets (1, or the number of channels); fixed at construction. */
  readonly groups: number;
  /** The fewest bits the gates may learn down to. */
  readonly minBits: number;
  /** Code buffers lent to each forward pass until its backward is done (code-pool.ts). */
  readonly codePool = new CodePool();

  constructor(opts: DdqOptions & { groups?: number }) {
    super();
    this.kind = opts.kind;
    this.maxBits = opts.maxBits ?? 8;
    if (!Number.isInteger(this.maxBits) || this.maxBits < 1 || this.maxBits > 12) {
      throw new Error(`DdqQuantizer: maxBits must be an integer in 1..12, got ${this.maxBits}`);
    }
    this.perChannel = opts.perChannel ?? false;
    if (this.perChannel && this.kind !== 'weight') throw new Error('DdqQuantizer: per-channel levels are for weights only');
    this.groups = this.perChannel ? opts.groups ?? 0 : 1;
    if (!(this.groups >= 1)) throw new Error('DdqQuantizer: per-channel levels need the channel count (groups)');
    this.alpha = opts.alpha ?? 0;
    this.relaxed = opts.relaxed ?? false;
    const n = 1 << this.maxBits;
    this.grid = opts.grid ?? (this.kind === 'weight' ? 'learned' : 'uniform');
    this.int8Levels = this.grid === 'learned' && (opts.int8Levels ?? true);
    this.fitsLevels = opts.fitLevels ?? true;
    if (this.grid === 'learned') {
      this.first = this.param('first', Tensor.zeros([this.groups], { dtype: 'float64' }));
      this.gaps = this.param('gaps', Tensor.zeros([this.groups, n - 1], { dtype: 'float64' }));
    } else {
      this.first = this.buffer('zeroIndex', Tensor.zeros([this.groups], { dtype: 'float64' }));
      this.gaps = this.param('step', Tensor.zeros([this.groups, 1], { dtype: 'float64' }));
    }
    this.gateLogits = this.param('gateLogits', Tensor.zeros([this.maxBits], { dtype: 'float64' }));
    this.initialized = this.buffer('initialized', Tensor.zeros([1]));
    this.frozen = this.buffer('gatesFrozen', Tensor.zeros([1]));
    this.minBits = opts.minBits ?? 1;
    if (!Number.isInteger(this.minBits) || this.minBits < 1 || this.minBits > this.maxBits) {
      throw new Error(`DdqQuantizer: minBits must be an integer in 1..${this.maxBits}, got ${this.minBits}`);
    }
    this.setBits(opts.initBits ?? this.maxBits);
    this.learnableBits = opts.learnBits ?? true;
    if (!this.learnableBits) this.freezeGates();
  }

  /** Current bitwidth (number of open monotone gates). */
  bits(): number {
    return bitsOf(hardGates(this.gateLogits.data));
  }

  /** Set the gate logits so the quantizer has exactly `bits` bits. */
  setBits(bits: number): void {
    if (!Number.isInteger(bits) || bits < this.minBits || bits > this.maxBits) {
      throw new Error(`DdqQuantizer: bits must be an integer in ${this.minBits}..${this.maxBits}, got ${bits}`);
    }
    for (let i = 0; i < this.maxBits; i++) this.gateLogits.data[i] = i < bits ? OPEN_LOGIT : -OPEN_LOGIT;
  }

  /**
   * The order constraint on the logits, applied after each update of the gates: once gate i is
   * closed (t_i < 0), every less significant gate is kept at most as open (t_j <= t_i for j > i).
   * Those gates have no effect on the forward pass, but their logits still receive (straight-
   * through) gradients; left free they drift, and when gate i reopened the bitwidth jumped by
   * several bits at once, then fell back (measured: 8 -> 2 -> 8 -> 2 bits within a few dozen
   * steps). With the constraint, bits come back one at a time. [ours; see docs/ddq.md]
   * First, the gates below minBits are held open (t_i >= 0).
   */
  projectGates(): void {
    const t = this.gateLogits.data;
    for (let i = 1; i < this.minBits; i++) if (!(t[i] >= 0)) t[i] = 0;
    for (let i = 1; i < t.length; i++) if (t[i - 1] < 0 && t[i] > t[i - 1]) t[i] = t[i - 1];
  }

  /** When frozen, the bitwidth is fixed and gate logits receive no gradient. */
  get gatesFrozen(): boolean {
    return this.frozen.data[0] === 1;
  }

  /** Fix the precision (at `bits`, or where it is now): gates stop learning. */
  freezeGates(bits?: number): void {
    if (bits !== undefined) this.setBits(bits);
    this.frozen.data[0] = 1;
  }

  unfreezeGates(): void {
    this.frozen.data[0] = 0;
  }

  isInitialized(): boolean {
    return this.initialized.data[0] === 1;
  }

  /**
   * Uniform levels on [lo, hi] per group (the starting point of training). Learned grid:
   * first = lo and every gap = (hi - lo)/(n - 1) through the inverse softplus. Uniform grid:
   * zero-anchored, unsigned (z = 0) when lo >= 0, else signed (z = n/2) and symmetric.
   */
  initRange(lo: number[] | number, hi: number[] | number): void {
    const n = 1 << this.maxBits;
    for (let gIdx = 0; gIdx < this.groups; gIdx++) {
      const l = typeof lo === 'number' ? lo : lo[gIdx];
      let h = typeof hi === 'number' ? hi : hi[gIdx];
      if (!(h > l)) h = l + 1e-3; // a constant tensor still gets a valid, tiny range
      if (this.grid === 'learned') {
        this.first.data[gIdx] = l;
        this.gaps.data.fill(softplusInverse((h - l) / (n - 1)), gIdx * (n - 1), (gIdx + 1) * (n - 1));
      } else if (l >= 0) {
        this.first.data[gIdx] = 0;
        this.gaps.data[gIdx] = softplusInverse(Math.max(h, 1e-6) / (n - 1));
      } else {
        this.first.data[gIdx] = n / 2;
        this.gaps.data[gIdx] = softplusInverse(Math.max(-l, h, 1e-6) / Math.max(1, n / 2 - 1));
      }
    }
    this.initialized.data[0] = 1;
  }

  /**
   * Levels fitted to data at the current bitwidth (docs/ddq.md, item 10). Learned grid: each
   * group's 2^bits merged levels become the Lloyd-Max levels of its values (lloyd-max.ts), the
   * full-resolution levels spread tightly around them (fineLevelsWithBlockMeans); used to start a
   * low bitwidth, and when gates freeze. Uniform grid without merging (a fixed activation
   * bitwidth): the step with the least squared error (fit-step.ts), zero-anchored as initRange.
   */
  fitLevels(x: FloatArray): void {
    if (x.length % this.groups !== 0) throw new Error(`DdqQuantizer.fitLevels: ${x.length} values do not split into ${this.groups} groups`);
    const n = 1 << this.maxBits;
    if (this.grid === 'uniform') {
      if (this.bits() !== this.maxBits) throw new Error('DdqQuantizer.fitLevels: a uniform grid is fitted only without merging (bits = maxBits)');
      // The zero index as initRange chooses it (unsigned or signed from the data), then the fitted step.
      let min = 0;
      for (let i = 0; i < x.length; i++) if (x[i] < min) min = x[i];
      this.initRange(min, Math.max(1e-6, -min));
      this.gaps.data[0] = softplusInverse(fitUniformStep(x, n, this.first.data[0]));
      return;
    }
    const per = x.length / this.groups;
    for (let gIdx = 0; gIdx < this.groups; gIdx++) {
      const fine = fineLevelsWithBlockMeans(lloydMaxLevels(x.subarray(gIdx * per, (gIdx + 1) * per), 1 << this.bits()), n);
      this.first.data[gIdx] = fine[0];
      for (let i = 1; i < n; i++) this.gaps.data[gIdx * (n - 1) + i - 1] = softplusInverse(fine[i] - fine[i - 1]);
    }
    this.initialized.data[0] = 1;
  }

  /**
   * Whether initFromData fits the levels: only below 8 bits, where the min-max grid wastes levels
   * (a learned grid below its full resolution; a uniform grid with fewer than 2^8 levels and no
   * merging), and unless the fitLevels option turned it off.
   */
  private startsFitted(): boolean {
    if (!this.fitsLevels || this.bits() >= 8) return false;
    return this.grid === 'learned' ? this.bits() < this.maxBits : this.bits() === this.maxBits;
  }

  /**
   * Range from data: weights symmetric ±max|w| (per channel if so), activations [min, max] with 0
   * included; below 8 bits, levels fitted to the data instead (startsFitted, fitLevels).
   */
  initFromData(x: FloatArray): void {
    if (this.startsFitted()) {
      this.fitLevels(x);
      return;
    }
    const per = x.length / this.groups;
    const lo: number[] = [];
    const hi: number[] = [];
    for (let gIdx = 0; gIdx < this.groups; gIdx++) {
      let mn = 0;
      let mx = 0;
      for (let i = gIdx * per; i < (gIdx + 1) * per; i++) {
        if (x[i] < mn) mn = x[i];
        if (x[i] > mx) mx = x[i];
      }
      if (this.kind === 'weight') {
        const c = Math.max(-mn, mx);
        lo.push(-c);
        hi.push(c);
      } else {
        lo.push(mn < 0 ? -Math.max(-mn, mx) : 0);
        hi.push(mx);
      }
    }
    this.initRange(lo, hi);
  }

  /** The gate values used in the forward pass: hard monotone, or soft sigmoid(t) when relaxed. */
  gates(): number[] {
    if (!this.relaxed) return hardGates(this.gateLogits.data);
    return Array.from(this.gateLogits.data, (t, i) => (i === 0 ? 1 : sigmoid(t)));
  }

  /** The full-resolution levels of one group. */
  levels(group = 0): Float64Array {
    return gridLevels(this.grid, this.maxBits, this.first, this.gaps, group);
  }

  /** Uniform grid: the step between levels of one group. */
  step(group = 0): number {
    if (this.grid !== 'uniform') throw new Error('DdqQuantizer.step: only a uniform grid has one step');
    return softplus(this.gaps.data[group]);
  }

  /** The distinct levels in use for one group: 2^bits merged levels (hard gates), as the forward pass uses them. */
  mergedLevels(group = 0): Float64Array {
    const merged = mergedLevels(this.levels(group), this.bits());
    return this.int8Levels ? int8Codebook(merged).levels : merged;
  }

  /** The int8 codebook of one group (the merged levels' grid; exact when int8Levels is on). */
  codebook(group = 0): Int8Codebook {
    return int8Codebook(mergedLevels(this.levels(group), this.bits()));
  }

  forward(x: Tensor): Tensor {
    if (!this.isInitialized()) {
      if (!this.training && this.kind === 'activation') {
        throw new Error('DdqQuantizer: activation range is not initialised; run a training batch or call initFromData first');
      }
      this.initFromData(x.data);
    }
    return ddqQuantize(x, this.first, this.gaps, this.gateLogits, this);
  }

  /** The bitwidth as a differentiable scalar: straight through each gate to its logit. */
  bitsTensor(): Tensor {
    const self = this;
    return customOp('ddqBits', [this.gateLogits], () => Tensor.scalar(this.bits(), { dtype: 'float64' }), (g) => {
      if (self.gatesFrozen) return [null];
      const d = Tensor.zeros([self.maxBits], { dtype: 'float64' });
      for (let i = 1; i < self.maxBits; i++) {
        const s = sigmoid(self.gateLogits.data[i]);
        d.data[i] = g.data[0] * s * (1 - s);
      }
      return [d];
    });
  }
}

/** Levels of group g: free sorted levels from (first, gaps), or the zero-anchored uniform grid. */
export function gridLevels(grid: 'learned' | 'uniform', maxBits: number, first: Tensor, gaps: Tensor, g: number): Float64Array {
  const n = 1 << maxBits;
  if (grid === 'learned') return levelsFromGaps(first.data[g], gaps.data.subarray(g * (n - 1), (g + 1) * (n - 1)));
  const step = softplus(gaps.data[g]);
  const z = first.data[g];
  // Plain loops here and for the slots below: `TypedArray.from({ length }, fn)` takes V8's
  // generic iteration path, ~5 ms per training step over all quantizers (profiled).
  const q = new Float64Array(n);
  for (let i = 0; i < n; i++) q[i] = (i - z) * step;
  return q;
}

export interface DdqQuantizeConfig {
  grid?: 'learned' | 'uniform';
  maxBits: number;
  /** Level sets: x is split into this many equal consecutive parts (channels). */
  groups: number;
  relaxed: boolean;
  alpha: number;
  gatesFrozen: boolean;
  /** Learned grid with hard gates: round the merged levels onto their int8 codebook grid. */
  int8Levels?: boolean;
  /** Where the per-element code buffer comes from and goes back to (else a fresh one per call). */
  codePool?: CodePool;
}

/**
 * The quantize op as a function of all its inputs: x, first levels [G], raw gaps [G, 2^K - 1]
 * and gate logits [K]. The module calls it with its own parameters; tests call it directly.
 */
export function ddqQuantize(x: Tensor, first: Tensor, gaps: Tensor, gateLogits: Tensor, qz: DdqQuantizeConfig): Tensor {
  const K = qz.maxBits;
  const n = 1 << K;
  const G = qz.groups;
  if (x.size % G !== 0) throw new Error(`ddqQuantize: ${x.size} values do not split into ${G} channels`);
  const grid = qz.grid ?? 'learned';
  if (first.size !== G || gaps.size !== G * (grid === 'learned' ? n - 1 : 1) || gateLogits.size !== K) {
    throw new Error(`ddqQuantize: parameters do not match ${G} groups of 2^${K} levels`);
  }
  const per = x.size / G;
  const gates = qz.relaxed
    ? Array.from(gateLogits.data, (t, i) => (i === 0 ? 1 : sigmoid(t)))
    : hardGates(gateLogits.data);
  const bits = bitsOf(gates);
  const gapsOf = (gIdx: number) => gaps.data.subarray(gIdx * (n - 1), (gIdx + 1) * (n - 1));
  // Per group: the full-resolution levels, and the distinct levels in use, sorted, with the
  // full-resolution slot each distinct level is read through.
  const fine: Float64Array[] = [];
  const merged: Float64Array[] = [];
  const slotOf: Int32Array[] = [];
  const block = qz.relaxed ? 1 : n >> bits;
  for (let gIdx = 0; gIdx < G; gIdx++) {
    const q = gridLevels(grid, K, first, gaps, gIdx);
    fine.push(q);
    if (qz.relaxed) {
      // Soft gates mix non-adjacent levels, so the n relaxed levels need not be sorted.
      const relaxedLevels = applyGates(q, gates);
      const order = Int32Array.from({ length: n }, (_, k) => k).sort((a, b) => relaxedLevels[a] - relaxedLevels[b]);
      merged.push(Float64Array.from(order, (k) => relaxedLevels[k]));
      slotOf.push(order);
    } else {
      const m = mergedLevels(q, bits);
      merged.push(qz.int8Levels && grid === 'learned' ? int8Codebook(m).levels : m);
      const slots = new Int32Array(1 << bits);
      for (let j = 0; j < slots.length; j++) slots[j] = j * block;
      slotOf.push(slots);
    }
  }
  // code[i]: which distinct level x_i took. For the gate gradients (only while gates learn)
  // each element also needs the full-resolution slot it reads through: within its merged
  // block, the slot of its nearest fine level, i.e. the level it would move to if the next
  // gate opened. Otherwise the slot is simply the block's first, code·block.
  const xd = x.data;
  const outData = x.dtype === 'float64' ? new Float64Array(x.size) : new Float32Array(x.size);
  // Every element's code is written below, so a pooled buffer's stale contents never show.
  const pool = qz.codePool;
  let code: CodeArray | null = pool ? pool.take(x.size, n > 256) : n <= 256 ? new Uint8Array(x.size) : new Uint16Array(x.size);
  const needGateGrad = !qz.gatesFrozen && gateLogits.requiresGrad && !qz.relaxed && block > 1;
  const fineSlot = needGateGrad ? new Uint16Array(x.size) : null;
  // One uniform group (every activation quantizer): the forward also lists the few elements
  // outside the level range, so the backward need not read x again (see below). -1: not listed.
  const outside = grid === 'uniform' && !qz.relaxed && G === 1 ? new Int32Array(Math.min(x.size, OUTSIDE_LIST)) : null;
  let outsideCount = -1;
  for (let gIdx = 0; gIdx < G; gIdx++) {
    const begin = gIdx * per;
    const lv = merged[gIdx];
    const codes = code.subarray(begin, begin + per);
    const xs = xd.subarray(begin, begin + per);
    if (grid === 'uniform' && !qz.relaxed) {
      // A uniform grid's merged levels are evenly spaced: nearest by arithmetic, checked exactly.
      const count = quantizeEven(xs, lv, outData.subarray(begin, begin + per), codes, outside ?? undefined);
      if (outside) outsideCount = count;
    } else {
      assignNearest(xs, lv, codes);
      for (let i = 0; i < per; i++) outData[begin + i] = lv[codes[i]];
    }
    if (fineSlot) {
      const fs = fineSlot.subarray(begin, begin + per);
      assignNearest(xd.subarray(begin, begin + per), fine[gIdx], fs);
      for (let i = 0; i < per; i++) {
        const first = codes[i] * block;
        const f = fs[i];
        fs[i] = f < first ? first : f >= first + block ? first + block - 1 : f;
      }
    }
  }
  const out = new Tensor(outData, x.shape);
  // The backward reads the codes only for per-level sums without fine slots.
  if (pool && fineSlot) {
    pool.give(code);
    code = null;
  }
  /** The codes again, exactly as the forward assigned them (every assignment equals the reference's). */
  const recomputeCodes = (): CodeArray => {
    const c = n <= 256 ? new Uint8Array(x.size) : new Uint16Array(x.size);
    for (let gIdx = 0; gIdx < G; gIdx++) assignNearest(xd.subarray(gIdx * per, (gIdx + 1) * per), merged[gIdx], c.subarray(gIdx * per, (gIdx + 1) * per));
    return c;
  };

  const result = customOp('ddqQuantize', [x, first, gaps, gateLogits], () => out, (g, _o, needs, gradOwned) => {
    const grads: (Tensor | null)[] = [null, null, null, null];
    const gd = g.data;
    const needLevels = needs[1] || needs[2] || needs[3];
    let needDx = needs[0];
    // Set when the listed outside elements are zeroed in g itself, after the level sums read it.
    let zeroInPlace = false;
    if (needDx && outside && outsideCount <= outside.length && qz.alpha === 0) {
      // Straight through everywhere but at the listed outside elements: the incoming gradient
      // itself when there are none (ops may share gradient tensors, as add does), or when it is
      // ours to overwrite (gradOwned: autograd/owned.ts) with those zeroed below, else a copy
      // with those zeroed; the level sums read only the codes and g. Same values as below.
      // Writing into an owned g saves a fresh buffer the size of the activation (page faults
      // and a copy) for every quantizer with values past its range, most of them (measured).
      if (outsideCount === 0 && g.dtype === x.dtype) {
        grads[0] = g;
      } else if (gradOwned && g.dtype === x.dtype) {
        grads[0] = g;
        zeroInPlace = true;
      } else {
        const dxData = x.dtype === 'float64' ? new Float64Array(gd) : new Float32Array(gd);
        for (let k = 0; k < outsideCount; k++) dxData[outside[k]] = 0;
        grads[0] = new Tensor(dxData, x.shape);
      }
      needDx = false;
    }
    const dx = needDx ? (x.dtype === 'float64' ? new Float64Array(x.size) : new Float32Array(x.size)) : null;
    // Per group, the gradient summed per distinct level (unless it is read through fine slots);
    // when dx is needed too, both come from one pass (level-sums.ts; same values as two passes).
    const perLevel: (Float64Array | null)[] = [];
    // A second backward over the same graph: this pass's buffer went back to the pool after the first.
    const codes = !fineSlot && needLevels ? code ?? recomputeCodes() : null;
    for (let gIdx = 0; gIdx < G; gIdx++) {
      const lv = merged[gIdx];
      const lo = lv[0];
      const hi = lv[lv.length - 1];
      const begin = gIdx * per;
      const end = begin + per;
      const sumsHere = needLevels && !fineSlot;
      if (dx && sumsHere) {
        perLevel.push(straightThroughWithLevelSums(xd, gd, codes!, lo, hi, dx, begin, end, lv.length));
      } else {
        if (dx) straightThrough(xd, gd, lo, hi, dx, begin, end);
        perLevel.push(sumsHere ? levelSums(codes!, gd, begin, end, lv.length) : null);
      }
      const alpha = qz.alpha;
      if (dx && alpha !== 0) for (let i = begin; i < end; i++) dx[i] += alpha * (xd[i] - outData[i]);
    }
    if (dx) grads[0] = new Tensor(dx, x.shape);
    // Done with the codes (read or not): the buffer goes back for the next forward, a recomputed one too.
    const held = codes ?? code;
    if (pool && held) pool.give(held);
    code = null;
    if (needLevels) {
      const dFirst = Tensor.zeros([G], { dtype: 'float64' });
      const dGaps = Tensor.zeros(gaps.shape, { dtype: 'float64' });
      const dLogits = Tensor.zeros([K], { dtype: 'float64' });
      const gSlots = new Float64Array(n);
      for (let gIdx = 0; gIdx < G; gIdx++) {
        // dL/dq̃ per full-resolution slot, then dL/dq = (Z·U)ᵀ dL/dq̃ = Z·U dL/dq̃.
        gSlots.fill(0);
        const end = (gIdx + 1) * per;
        if (fineSlot) {
          for (let i = gIdx * per; i < end; i++) gSlots[fineSlot[i]] += gd[i];
        } else {
          const slots = slotOf[gIdx];
          const sums = perLevel[gIdx]!;
          for (let j = 0; j < slots.length; j++) gSlots[slots[j]] += sums[j];
        }
        const dq = applyGates(gSlots, gates);
        if (grid === 'learned') {
          dFirst.data[gIdx] = levelsFromGapsBackward(gapsOf(gIdx), dq, (dGaps.data as Float64Array).subarray(gIdx * (n - 1), (gIdx + 1) * (n - 1)));
        } else {
          // q_i = (i - z)·softplus(raw): dL/draw = sigmoid(raw)·Σ_i (i - z)·dL/dq_i
          const z = first.data[gIdx];
          let s = 0;
          for (let i = 0; i < n; i++) s += (i - z) * dq[i];
          dGaps.data[gIdx] = sigmoid(gaps.data[gIdx]) * s;
        }
        if (needs[3] && !qz.gatesFrozen) {
          // dL/dg_i = <dL/dq̃, (∂Z·U/∂g_i) q>, exact because Z·U is multilinear in the gates.
          for (let i = 1; i < K; i++) {
            const dv = applyGates(fine[gIdx], gates, i);
            let s = 0;
            for (let k = 0; k < n; k++) s += gSlots[k] * dv[k];
            const t = sigmoid(gateLogits.data[i]);
            dLogits.data[i] += s * t * (1 - t);
          }
        }
      }
      grads[1] = needs[1] ? dFirst : null;
      grads[2] = needs[2] ? dGaps : null;
      grads[3] = needs[3] && !qz.gatesFrozen ? dLogits : null;
    }
    // Last: every read of g above (level sums, fine slots) saw it unchanged.
    if (zeroInPlace) for (let k = 0; k < outsideCount; k++) gd[outside![k]] = 0;
    return grads;
  });
  // Not recorded (no gradient wanted): no backward will ever read the codes.
  if (pool && code && result.node === null) {
    pool.give(code);
    code = null;
  }
  return result;
}
