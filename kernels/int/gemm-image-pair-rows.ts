// A pointwise GEMM with the output stage fused in, on image-pair rows (image-pair-rows.ts): for
// each pair of images, out[p][j] = requantize(Σ_t X[p][t]·W[j][t], channel j) of both images,
// where X[p][t] = x_b + 2^26·x_{b+1} holds two images' codes. Bit for bit
// requantizeChannelsReference(gemmIntReference(A, W)) of each image.
//
// Why: in the channel-pair kernels (gemm-int8-requantize*.ts) every multiply-add costs a byte
// load, its conversion to double and a bounds-checked weight load; V8 keeps neither the
// activations nor the weights in registers, and index arithmetic and bounds checks are most of
// the instructions (measured on the K = 8 expand layers: 48 checked loads and 32 conversions
// per 16 outputs). Here the activations arrive as doubles already holding two images, and the
// weights of a block of 4 output channels are locals for the whole pass over the pixels (V8
// spills them to stack slots and multiplies from there, no checks): per pixel pair, K loads serve
// 4 channels x 2 images. The depth is written out (kernels generated for chunks of up to 16
// depths, see generate()), so each weight has its own local.
//
// Exactness: each image's sum Σ x·w is an integer of magnitude at most 255·Σ_t|w| < 2^25, so the
// packed sum lo + 2^26·hi is exact and splits exactly (as in image-pairs.ts). The fast output
// stage is requantize-channels.ts's double path without per-element checks (when every
// channel's |lane + bias| stays below its limit), with bias and low folded into one constant
// where gemm-int8-requantize.ts's fold conditions hold for every channel; a layer that fails
// the first, or whose channel count is not a multiple of 4, takes a plain loop with the checked
// output stage (requantize-channels.ts).
//
// Outputs: 'planes' (image-pair planes with a border, for a depthwise layer: image-pairs.ts),
// 'rows' (image-pair rows, for the next pointwise layer), 'nhwc' (each image's codes or int32
// values, image-major) or 'pool' (each image's per-channel sums over the pixels, int32 wrapping
// as global-sum-pool2d-int.ts: the layer before global average pooling, whose own output is
// then never stored).
import { rescaleWithFraction } from './requantize-channels-reference';
import type { RequantizeChannelsPlan } from './requantize-channels';
import { IMAGE_PAIR_LANE } from './image-pairs';
import { prepareClampFreeStage, rawSumRange } from './clamp-free-stage';
import { checkDims, checkIntRange, checkLength } from './validate';

const L = IMAGE_PAIR_LANE;
const INV_L = 1 / L;
const ROUNDER = 6755399441055744; // 1.5·2^52: x + ROUNDER - ROUNDER rounds x (|x| < 2^51) to an integer

export type PairRowsOutput =
  | { kind: 'planes'; height: number; width: number; pad: [number, number] }
  | { kind: 'rows' }
  | { kind: 'nhwc' }
  | { kind: 'pool' };

/** One layer, prepared once: weights, output stage, and the kernel that will run it. */
export interface PairRowsLayer {
  n: number;
  k: number;
  /** W as doubles, [n][k]. */
  weights: Float64Array;
  plan: RequantizeChannelsPlan;
  /** Whether the generated kernel runs (unchecked narrow stage, n a multiple of 4). */
  fast: boolean;
  /**
   * How the generated kernel runs the output stage: 'free' (clamp-free-stage.ts: where nothing
   * reachable clamps, (lane·scale + constant) | 0 + base), else the bit-operation clamp on
   * floor((lane + bias)·scale + constant) + low, 'folded' (bias and low inside the constant,
   * bias·scale + addend + low; bias and low then 0) or 'unfolded' (constant = addend).
   */
  stage: 'free' | 'folded' | 'unfolded';
  bias: Float64Array;
  constant: Float64Array;
  low: Float64Array;
  /** The 'free' stage's base (0 otherwise). */
  base: number;
}

/** Largest depth served (exact lanes hold far beyond; this bounds the generated code). */
export const PAIR_ROWS_MAX_K = 256;

/**
 * Depth per generated kernel: each holds 4·CHUNK weights in locals. Deeper layers run one kernel
 * per chunk of depths, the partial sums kept in scratch between them. Why 16: TurboFan's time
 * to compile such a kernel grows fast with its size (measured: ~35 ms at 8 depths, ~60 ms at 16,
 * ~330 ms at 32, and kernels with 96 depths were never optimized within a benchmark's runs);
 * the chunks' kernels are shared by every layer (depth and offset are arguments), so few exist.
 */
const CHUNK = 16;

let PARTIAL = new Float64Array(0);

/** Can image-pair rows carry this layer's sums exactly (255·Σ_t|w| < 2^25 for every channel)? */
export function pairRowsFit(w: ArrayLike<number>, n: number, k: number): boolean {
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let t = 0; t < k; t++) s += Math.abs(w[j * k + t]);
    if (!(255 * s < 2 ** 25)) return false;
  }
  return true;
}

/** Prepare W (n×k int8 values) and the output stage of n channels. */
export function preparePairRowsLayer(w: ArrayLike<number>, n: number, k: number, plan: RequantizeChannelsPlan): PairRowsLayer {
  const fn = 'preparePairRowsLayer';
  checkDims(fn, { n, k });
  if (k > PAIR_ROWS_MAX_K) throw new Error(`${fn}: depth ${k} is above ${PAIR_ROWS_MAX_K}`);
  checkLength(fn, 'w', w, n * k, `${n}x${k}`);
  checkIntRange(fn, 'w', w, n * k, -128, 127);
  if (plan.channels !== n) throw new Error(`${fn}: the output stage has ${plan.channels} channels, the weights ${n}`);
  if (!pairRowsFit(w, n, k)) throw new Error(`${fn}: some channel has 255·Σ|w| >= 2^25; its image lanes would not be exact`);
  let fast = n % 4 === 0 && plan.narrow;
  let folded = true;
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let t = 0; t < k; t++) s += Math.abs(w[j * k + t]);
    const bound = 255 * s;
    const r = 31 - plan.shift[j];
    // requantize-channels.ts's fast path without checks (|lane + bias| below the limit), and
    // the fold of gemm-int8-requantize.ts (every numerator over 2^r below 2^51).
    if (!(bound + Math.abs(plan.bias[j]) < plan.limit[j])) fast = false;
    if (!(bound < 2 ** 20 && Math.abs(plan.bias[j]) < 2 ** 20 && Math.abs(plan.low[j]) * 2 ** r < 2 ** 51)) folded = false;
  }
  const weights = Float64Array.from({ length: n * k }, (_, i) => w[i]);
  const bias = new Float64Array(n);
  const low = new Float64Array(n);
  const { sMin, sMax } = rawSumRange(w, n, k);
  const free = fast ? prepareClampFreeStage(plan, plan.bias, sMin, sMax) : null;
  if (free) return { n, k, weights, plan, fast, stage: 'free', bias, constant: free.constant, low, base: free.base };
  const constant = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    constant[j] = folded ? plan.bias[j] * plan.scale[j] + plan.addend[j] + plan.low[j] : plan.addend[j];
    bias[j] = folded ? 0 : plan.bias[j];
    low[j] = folded ? 0 : plan.low[j];
  }
  return { n, k, weights, plan, fast, stage: folded ? 'folded' : 'unfolded', bias, constant, low, base: 0 };
}

/**
 * The `images` images' pixels (image-pair rows x[q·pixels·k + p·k + t]) through the layer, into
 * `out`: image-pair planes or rows (a Float64Array), or each image's NHWC values.
 */
export function gemmImagePairRows(images: number, pixels: number, x: Float64Array, layer: PairRowsLayer, out: Float64Array | Uint8Array | Int32Array, output: PairRowsOutput): void {
  const fn = 'gemmImagePairRows';
  const { n, k, plan } = layer;
  checkDims(fn, { images, pixels });
  const pairs = Math.ceil(images / 2);
  checkLength(fn, 'x', x, pairs * pixels * k, `${images} images of ${pixels}x${k} as image-pair rows`);
  const pool = output.kind === 'pool';
  const packed = output.kind === 'planes' || output.kind === 'rows';
  if (pool && !(out instanceof Int32Array)) throw new Error(`${fn}: 'pool' output needs an Int32Array (the sums), got ${out.constructor.name}`);
  if (packed !== out instanceof Float64Array) throw new Error(`${fn}: '${output.kind}' output needs ${packed ? 'a Float64Array' : 'codes or int32'}, got ${out.constructor.name}`);
  if (!(out instanceof Int32Array) && (plan.qmin < 0 || plan.qmax > 255)) throw new Error(`${fn}: range [${plan.qmin}, ${plan.qmax}] does not fit ${packed ? 'image-pair codes' : 'a Uint8Array output'}`);
  const g = geometry(output, pixels, n);
  checkLength(fn, 'out', out, packed ? pairs * g.pairStride : images * (pool ? 1 : pixels) * n, `${images} images of ${pool ? 1 : pixels}x${n} as ${output.kind}`);
  if (layer.fast && pixels > 0) {
    if (k > CHUNK && PARTIAL.length < pairs * pixels * n) PARTIAL = new Float64Array(pairs * pixels * n);
    for (let t0 = 0; t0 < k; t0 += CHUNK) {
      const phase: Phase = k <= CHUNK ? 'only' : t0 === 0 ? 'first' : t0 + CHUNK >= k ? 'last' : 'middle';
      kernel(Math.min(CHUNK, k - t0), phase, packed ? 'packed' : pool ? 'pool' : 'nhwc', layer.stage)(
        pairs, images, pixels, x, layer.weights, k, t0, plan.scale, layer.bias, layer.constant, layer.low, n, out, plan.qmax - plan.qmin, plan.qmax,
        g.pairStride, g.start, g.channelStride, g.pixelStep, g.wrap, g.gap, PARTIAL, layer.base,
      );
    }
    return;
  }
  generic(pairs, images, pixels, x, layer, out, g);
}

interface Geometry {
  /** Elements per image pair (packed outputs) or per image (nhwc). */
  pairStride: number;
  /** Offset of pixel 0, channel 0. */
  start: number;
  /** Distance between channels, and between pixels (packed outputs). */
  channelStride: number;
  pixelStep: number;
  /** Pixels per row, and the elements skipped after each row (planes' border); wrap 0: never. */
  wrap: number;
  gap: number;
}

function geometry(output: PairRowsOutput, pixels: number, n: number): Geometry {
  if (output.kind === 'planes') {
    const { height, width, pad } = output;
    if (height * width !== pixels) throw new Error(`gemmImagePairRows: planes of ${height}x${width} for ${pixels} pixels`);
    const planeSize = (height + 2 * pad[0]) * (width + 2 * pad[1]);
    return { pairStride: n * planeSize, start: pad[0] * (width + 2 * pad[1]) + pad[1], channelStride: planeSize, pixelStep: 1, wrap: width, gap: 2 * pad[1] };
  }
  if (output.kind === 'pool') return { pairStride: n, start: 0, channelStride: 1, pixelStep: 0, wrap: 0, gap: 0 };
  return { pairStride: pixels * n, start: 0, channelStride: 1, pixelStep: n, wrap: 0, gap: 0 };
}

/** Output index of (pixel p, channel c) within one pair's (or image's) block. */
function outAt(g: Geometry, p: number, c: number, n: number): number {
  if (g.wrap > 0) return g.start + p + Math.floor(p / g.wrap) * g.gap + c * g.channelStride;
  return p * n + c;
}

/** Any layer: per pixel pair and channel, the packed sum, split, through the checked output stage. */
function generic(pairs: number, images: number, pixels: number, x: Float64Array, layer: PairRowsLayer, out: Float64Array | Uint8Array | Int32Array, g: Geometry): void {
  const { n, k, weights, plan } = layer;
  // Pooled: both images' sums start at 0 (a lone last image: its copy's, then its own).
  if (g.pixelStep === 0) for (let q = 0; q < pairs; q++) for (let c = 0; c < n; c++) out[(2 * q + 1 < images ? 2 * q + 1 : 2 * q) * n + c] = out[2 * q * n + c] = 0;
  for (let q = 0; q < pairs; q++) {
    const hiImage = 2 * q + 1 < images ? 2 * q + 1 : 2 * q;
    for (let p = 0; p < pixels; p++) {
      const xi = (q * pixels + p) * k;
      for (let c = 0; c < n; c++) {
        let s = 0;
        for (let t = 0; t < k; t++) s += x[xi + t] * weights[c * k + t];
        const hi = s * INV_L + ROUNDER - ROUNDER;
        const v0 = stage(s - hi * L, c, plan);
        const v1 = stage(hi, c, plan);
        if (g.pixelStep === 0) {
          // Int32Array stores wrap, as the int32 sums of global-sum-pool2d-int.ts do.
          out[hiImage * n + c] += v1;
          if (hiImage !== 2 * q) out[2 * q * n + c] += v0;
          continue;
        }
        const o = outAt(g, p, c, n);
        if (out instanceof Float64Array) {
          out[q * g.pairStride + o] = v0 + L * v1;
        } else {
          out[hiImage * g.pairStride + o] = v1;
          out[2 * q * g.pairStride + o] = v0;
        }
      }
    }
  }
}

/** requantize-channels.ts on one accumulator of channel c, checked. */
function stage(acc: number, c: number, plan: RequantizeChannelsPlan): number {
  const x = (acc + plan.bias[c]) | 0;
  const lim = plan.limit[c];
  const v = (x < lim && x > -lim ? Math.floor(x * plan.scale[c] + plan.addend[c]) : rescaleWithFraction(x, plan.multiplier[c], plan.shift[c], plan.fraction[c])) + plan.offset[c];
  return v < plan.qmin ? plan.qmin : v > plan.qmax ? plan.qmax : v;
}

type Kernel = (
  pairs: number, images: number, pixels: number, x: Float64Array, w: Float64Array, k: number, t0: number,
  scale: Float64Array, bias: Float64Array, constant: Float64Array, low: Float64Array, n: number,
  out: Float64Array | Uint8Array | Int32Array, range: number, qmax: number,
  pairStride: number, start: number, channelStride: number, pixelStep: number, wrap: number, gap: number, partial: Float64Array,
  base: number,
) => void;

/** Which depths a kernel sums: all ('only'), or a chunk whose partial sums go to / come from scratch. */
type Phase = 'only' | 'first' | 'middle' | 'last';

const KERNELS = new Map<string, Kernel>();

/** How a kernel writes: packed (planes, rows), per-image NHWC values, or per-image sums over the pixels. */
type Mode = 'packed' | 'nhwc' | 'pool';

/**
 * The kernel for kc depths, a phase, and an output mode; shared by every layer (few kernels,
 * each compiled once and soon hot).
 */
function kernel(kc: number, phase: Phase, mode: Mode, stage: PairRowsLayer['stage']): Kernel {
  const sums = phase === 'first' || phase === 'middle';
  const kind = sums ? 'sums' : `${mode}_${stage}`;
  const key = `${kc} ${phase} ${kind}`;
  let f = KERNELS.get(key);
  if (!f) {
    const params = [
      'pairs', 'images', 'pixels', 'x', 'w', 'k', 't0', 'scale', 'bias', 'constant', 'low', 'n', 'out', 'range', 'qmax',
      'pairStride', 'start', 'channelStride', 'pixelStep', 'wrap', 'gap', 'partial', 'base',
    ];
    // Named (pairRows<depths>_<phase>_<kind>) so profiles and traces can tell them apart.
    const name = `pairRows${kc}_${phase}_${kind}`;
    f = new Function(`return function ${name}(${params.join(', ')}) {\n${generate(kc, phase, mode, stage)}\n};`)() as Kernel;
    KERNELS.set(key, f);
  }
  return f;
}

/** A balanced sum of the terms (exact integers, so the order does not matter): a short dependency chain. */
function tree(terms: string[]): string {
  if (terms.length === 1) return terms[0];
  const h = terms.length >> 1;
  return `(${tree(terms.slice(0, h))} + ${tree(terms.slice(h))})`;
}

/**
 * The body of the fast kernel for depths [t0, t0 + kc) of k (both arguments): per block of 4 channels (weights
 * w<c>_<t>, scale and folded constant in locals), per image pair, per pixel: kc loads, 4 sums
 * (plus the earlier chunks' partial sums), and unless more chunks follow, each sum split into its
 * two images' lanes and requantized with the folded stage and the int32 bit-operation clamp of
 * requantize-channels.ts: v = floor(lane·scale + constant) (or, unfolded, floor((lane + bias)·scale +
 * constant) + low) clamped to [0, range], minus range; the
 * code is v + qmax. Packed outputs add qmax to both lanes at once (QQ = qmax·(1 + 2^26)).
 */
function generate(kc: number, phase: Phase, mode: Mode, stage: PairRowsLayer['stage']): string {
  const packed = mode === 'packed';
  const pool = mode === 'pool';
  // Pooled: each image's value goes into a running sum per channel (t<lane>_<c>), stored after the pixels.
  const put = (c: number, lane: 0 | 1, value: string) => (pool ? `t${lane}_${c} += ${value};` : `out[o${lane} + ${c}] = ${value};`);
  const lines: string[] = [];
  const add = (s: string) => lines.push(s);
  add(`const L = ${L}, INV_L = 1 / ${L}, R = ${ROUNDER};`);
  add('const QQ = qmax * (1 + L), BB = base * (1 + L);');
  // Channel blocks outside, image pairs inside: the weights are loaded once per layer (small
  // planes late in a network have few pixels per image).
  add('for (let j = 0; j < n; j += 4) {');
  for (let c = 0; c < 4; c++) {
    const ws = [];
    for (let t = 0; t < kc; t++) ws.push(`w${c}_${t} = w[(j + ${c}) * k + t0 + ${t}]`);
    add(`  const ${ws.join(', ')};`);
    add(`  const sc${c} = scale[j + ${c}], k${c} = constant[j + ${c}], b${c} = bias[j + ${c}], l${c} = low[j + ${c}];`);
  }
  add('  for (let q = 0; q < pairs; q++) {');
  add('    const hiImage = 2 * q + 1 < images ? 2 * q + 1 : 2 * q;');
  add('    let xi = q * pixels * k + t0;');
  add('    let a = q * pixels * n + j;');
  if (packed) {
    add('    let o = q * pairStride + start + j * channelStride, col = 0;');
  } else {
    add('    let o0 = 2 * q * pairStride + j, o1 = hiImage * pairStride + j;');
  }
  if (pool && !(phase === 'first' || phase === 'middle')) add('    let t0_0 = 0, t0_1 = 0, t0_2 = 0, t0_3 = 0, t1_0 = 0, t1_1 = 0, t1_2 = 0, t1_3 = 0;');
  add('    for (let p = 0; p < pixels; p++, xi += k, a += n) {');
  // Groups of 8 depths: 8 loads, 4 balanced partial sums, added to the running sums.
  for (let g0 = 0; g0 < kc; g0 += 8) {
    const g1 = Math.min(kc, g0 + 8);
    const xs = [];
    for (let t = g0; t < g1; t++) xs.push(`x${t - g0} = x[xi + ${t}]`);
    add(g0 === 0 ? `      let ${xs.join(', ')};` : `      ${xs.join('; ')};`);
    for (let c = 0; c < 4; c++) {
      const terms = [];
      for (let t = g0; t < g1; t++) terms.push(`x${t - g0} * w${c}_${t}`);
      add(`      ${g0 === 0 ? 'let ' : ''}s${c} ${g0 === 0 ? '=' : '+='} ${tree(terms)};`);
    }
  }
  if (phase === 'first' || phase === 'middle') {
    for (let c = 0; c < 4; c++) add(phase === 'first' ? `      partial[a + ${c}] = s${c};` : `      partial[a + ${c}] += s${c};`);
    add('    }');
    add('  }');
    add('}');
    return lines.join('\n');
  }
  if (phase === 'last') for (let c = 0; c < 4; c++) add(`      s${c} += partial[a + ${c}];`);
  for (let c = 0; c < 4; c++) {
    add(`      {`);
    add(`        const h = s${c} * INV_L + R - R;`);
    if (stage === 'free') {
      // clamp-free-stage.ts: exact and non-negative, so | 0 is the floor; nothing to clamp.
      add(`        const v = ((s${c} - h * L) * sc${c} + k${c}) | 0, u = (h * sc${c} + k${c}) | 0;`);
      if (packed) {
        add(`        out[o + ${c} * channelStride] = v + L * u + BB;`);
      } else {
        add(`        ${put(c, 1, 'u + base')}`);
        add(`        ${put(c, 0, 'v + base')}`);
      }
      add('      }');
      continue;
    }
    if (stage === 'folded') {
      add(`        let v = Math.floor((s${c} - h * L) * sc${c} + k${c}) | 0;`);
      add('        v &= ~(v >> 31); v -= range;');
      add(`        let u = Math.floor(h * sc${c} + k${c}) | 0;`);
    } else {
      add(`        let v = (Math.floor((s${c} - h * L + b${c}) * sc${c} + k${c}) + l${c}) | 0;`);
      add('        v &= ~(v >> 31); v -= range;');
      add(`        let u = (Math.floor((h + b${c}) * sc${c} + k${c}) + l${c}) | 0;`);
    }
    add('        u &= ~(u >> 31); u -= range;');
    if (packed) {
      add(`        out[o + ${c} * channelStride] = (v & (v >> 31)) + L * (u & (u >> 31)) + QQ;`);
    } else {
      // A lone last image: its high lane (a copy) first, then the real low lane over it.
      add(`        ${put(c, 1, '(u & (u >> 31)) + qmax')}`);
      add(`        ${put(c, 0, '(v & (v >> 31)) + qmax')}`);
    }
    add('      }');
  }
  if (packed) {
    // Planes: the next pixel, and the border after each row; rows: the next pixel's channels.
    add('      o += pixelStep;');
    add('      if (++col === wrap) { col = 0; o += gap; }');
  } else if (!pool) {
    add('      o0 += n; o1 += n;');
  }
  add('    }');
  // A lone last image (o1 = o0): both lanes hold its sums.
  if (pool) for (let c = 0; c < 4; c++) add(`    out[o1 + ${c}] = t1_${c}; out[o0 + ${c}] = t0_${c};`);
  add('  }');
  add('}');
  return lines.join('\n');
}
