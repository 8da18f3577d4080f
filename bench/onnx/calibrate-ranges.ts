// Activation ranges for static int8 quantization: the min and max of every value of a
// FoldedGraph over a few calibration batches (ORT's "MinMax" calibration).
import type { FoldedGraph } from './fold-model';
import { runFoldedGraph } from './run-folded-graph';

export interface Range {
  min: number;
  max: number;
}

/** Min and max of every value over the batches (each batch NCHW with `n` samples). */
export function calibrateRanges(g: FoldedGraph, batches: { x: Float32Array; n: number }[]): Map<string, Range> {
  if (batches.length === 0) throw new Error('calibrateRanges: need at least one calibration batch');
  const ranges = new Map<string, Range>();
  for (const { x, n } of batches) {
    for (const [name, v] of runFoldedGraph(g, x, n)) {
      const r = ranges.get(name) ?? { min: Infinity, max: -Infinity };
      for (let i = 0; i < v.length; i++) {
        if (v[i] < r.min) r.min = v[i];
        if (v[i] > r.max) r.max = v[i];
      }
      ranges.set(name, r);
    }
  }
  return ranges;
}
