// A quantized layer's weights as integers: the values the integer GEMMs multiply and the scales
// that make them real again (w ≈ scale[group]·value).
// - DDQ (as formulated in docs/ddq.md, item 7): each weight keeps the index of its merged level,
//   found exactly as the training forward pass finds it (assignNearest over the 2^b merged
//   levels), and the levels form a 2^b-entry int8 codebook with one scale per level set (per
//   layer, or per channel when the quantizer is per-channel) that the TBL kernels decode.
//   Quantizers trained with int8Levels (the default) already used the levels on that grid
//   (src/quant/int8-codebook.ts): the codebook is exact, levelError 0. For free float levels
//   (int8Levels off, older checkpoints) the levels are rounded here, with the scale chosen by a
//   small search (s = max|level|/m, m = 1..127) for the least squared level error weighted by
//   how many weights use each level; that rounding is then the one approximation DDQ weights
//   add at deployment, and `levelError` reports its size.
// - LSQ: value = round_half_even(clamp(w / step, -Q_N, Q_P)), exactly the training forward's
//   integer, so nothing is approximated.
import type { FloatArray } from '../../kernels/float-array';
import type { QuantizedLayer } from '../quant/quantized-layers';
import { DdqQuantizer } from '../quant/ddq';
import { LsqQuantizer } from '../quant/lsq';
import { assignNearest } from '../quant/ddq-levels';
import { roundHalfEven } from '../quant/rounding';

export interface WeightQuantization {
  method: 'ddq' | 'lsq';
  bits: number;
  /** Level sets / steps: 1, or one per output channel. */
  groups: number;
  rows: number;
  cols: number;
  /** Integer weight per element, in the layer's own order [rows][cols] (int8 range). */
  values: Int8Array;
  /** DDQ: the b-bit level index per element, same order. */
  codes?: Uint8Array;
  /** DDQ: [groups][2^bits] int8 levels. */
  codebook?: Int8Array;
  scale: Float64Array;
  /** DDQ: largest |level - scale·codebook entry| over used levels, relative to the layer's level range. */
  levelError: number;
}

/** The int8 codebook of one level set: the scale with the least use-weighted squared error. */
export function codebookFor(levels: Float64Array, counts: ArrayLike<number>): { scale: number; entries: Int8Array; error: number } {
  let maxAbs = 0;
  for (let j = 0; j < levels.length; j++) if (counts[j] > 0) maxAbs = Math.max(maxAbs, Math.abs(levels[j]));
  if (maxAbs === 0) maxAbs = Math.max(...Array.from(levels, Math.abs), 1e-12);
  let best = { scale: maxAbs / 127, err: Infinity };
  for (let m = 127; m >= 1; m--) {
    const s = maxAbs / m;
    let err = 0;
    for (let j = 0; j < levels.length; j++) {
      if (counts[j] === 0) continue;
      const c = Math.max(-127, Math.min(127, Math.round(levels[j] / s)));
      err += counts[j] * (levels[j] - s * c) ** 2;
    }
    if (err < best.err) best = { scale: s, err };
  }
  const entries = Int8Array.from(levels, (l) => Math.max(-127, Math.min(127, Math.round(l / best.scale))));
  let error = 0;
  for (let j = 0; j < levels.length; j++) if (counts[j] > 0) error = Math.max(error, Math.abs(levels[j] - best.scale * entries[j]));
  return { scale: best.scale, entries, error };
}

/** The codebook a quantizer trained on int8 levels already used: nothing to round. */
function exactCodebook(q: DdqQuantizer, group: number): { scale: number; entries: Int8Array; error: number } {
  const cb = q.codebook(group);
  return { scale: cb.scale, entries: cb.entries, error: 0 };
}

export function quantizeWeights(layer: QuantizedLayer, where: string): WeightQuantization {
  const w = layer.weight;
  const rows = w.shape[0];
  const cols = w.size / rows;
  const q = layer.weightQuantizer;
  const data: FloatArray = w.data;
  if (q instanceof DdqQuantizer) {
    if (!q.isInitialized()) throw new Error(`quantizeWeights: ${where}: the DDQ weight levels were never initialised (run a forward pass or train first)`);
    const bits = q.bits();
    const groups = q.groups;
    const per = w.size / groups;
    const codes = new Uint8Array(w.size);
    const values = new Int8Array(w.size);
    const codebook = new Int8Array(groups << bits);
    const scale = new Float64Array(groups);
    let levelError = 0;
    for (let g = 0; g < groups; g++) {
      const levels = q.mergedLevels(g);
      const slice = codes.subarray(g * per, (g + 1) * per);
      assignNearest(data.subarray(g * per, (g + 1) * per), levels, slice);
      const counts = new Float64Array(levels.length);
      for (let i = 0; i < per; i++) counts[slice[i]]++;
      const cb = q.int8Levels ? exactCodebook(q, g) : codebookFor(levels, counts);
      codebook.set(cb.entries, g << bits);
      scale[g] = cb.scale;
      for (let i = 0; i < per; i++) values[g * per + i] = cb.entries[slice[i]];
      const range = levels[levels.length - 1] - levels[0];
      levelError = Math.max(levelError, range > 0 ? cb.error / range : 0);
    }
    return { method: 'ddq', bits, groups, rows, cols, values, codes, codebook, scale, levelError };
  }
  if (q instanceof LsqQuantizer) {
    if (!q.isInitialized()) throw new Error(`quantizeWeights: ${where}: the LSQ step was never initialised (run a forward pass or train first)`);
    const bits = q.bitwidth;
    if (bits > 8) throw new Error(`quantizeWeights: ${where}: ${bits}-bit LSQ weights do not fit int8`);
    const [qn, qp] = q.range();
    const groups = q.groups;
    const per = w.size / groups;
    const values = new Int8Array(w.size);
    for (let g = 0; g < groups; g++) {
      const s = q.step.data[g];
      for (let i = g * per; i < (g + 1) * per; i++) {
        const v = data[i] / s;
        values[i] = roundHalfEven(v < -qn ? -qn : v > qp ? qp : v);
      }
    }
    return { method: 'lsq', bits, groups, rows, cols, values, scale: Float64Array.from(q.step.data), levelError: 0 };
  }
  throw new Error(`quantizeWeights: ${where}: the weights are not quantized (${q.constructor.name}); the integer model needs DDQ or LSQ weights`);
}
