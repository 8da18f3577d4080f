// The integer grid of an activation quantizer: real = scale·(code - zeroPoint), codes in
// [qmin, qmax] (uint8). This is where a trained model's learned activation ranges become the
// integer model's scales and zero points.
// - DDQ activations (grid 'uniform', as formulated in docs/ddq.md): levels (i - z)·step, z = 0
//   for unsigned data and 2^(K-1) for signed. With fixed precision all 2^K levels are in use and
//   the grid is exactly that. If the activation gates learned fewer bits, the merged levels are
//   block means, still uniform but generally no longer zero-anchored (no integer zero point):
//   such a quantizer is rejected with a message saying so.
// - LSQ: code = round(x / step) + Q_N clamped to [0, Q_N + Q_P], zero point Q_N.
// Ties: DDQ's nearest-level search sends a midpoint to the upper level (ties up); LSQ rounds half
// to even. Only the input quantization (a float op) needs this; requantization in the runtime
// rounds ties up (single rounding), which matches DDQ and differs from LSQ only on exact ties.
import type { Quantizer } from '../quant/quantizer';
import { DdqQuantizer } from '../quant/ddq';
import { LsqQuantizer } from '../quant/lsq';

export interface ActivationGrid {
  scale: number;
  zeroPoint: number;
  qmin: number;
  qmax: number;
  bits: number;
  ties: 'up' | 'even';
}

export function activationGrid(q: Quantizer, where: string): ActivationGrid {
  if (q instanceof DdqQuantizer) {
    if (q.grid !== 'uniform') throw new Error(`activationGrid: ${where}: DDQ activation quantizer has free levels (grid '${q.grid}'); the integer model needs a uniform grid`);
    if (!q.isInitialized()) throw new Error(`activationGrid: ${where}: the activation range was never initialised (train or calibrate the model first)`);
    const levels = q.mergedLevels(0);
    const n = levels.length;
    const bits = Math.log2(n);
    if (bits > 8) throw new Error(`activationGrid: ${where}: ${bits}-bit activations do not fit uint8 codes`);
    const step = bits === q.maxBits ? q.step(0) : (levels[n - 1] - levels[0]) / (n - 1);
    const z = -levels[0] / step;
    if (!(step > 0) || Math.abs(z - Math.round(z)) > 1e-6) {
      throw new Error(
        `activationGrid: ${where}: the ${bits}-bit DDQ activation grid (merged from ${q.maxBits} bits) has no integer zero point ` +
          `(lowest level ${levels[0]}, step ${step}); export needs activations at a fixed precision (gates frozen at maxBits)`,
      );
    }
    return { scale: step, zeroPoint: Math.round(z), qmin: 0, qmax: n - 1, bits, ties: 'up' };
  }
  if (q instanceof LsqQuantizer) {
    if (!q.isInitialized()) throw new Error(`activationGrid: ${where}: the LSQ step was never initialised (train or calibrate the model first)`);
    if (q.groups !== 1) throw new Error(`activationGrid: ${where}: activations need one step per tensor, this quantizer has ${q.groups}`);
    if (q.bitwidth > 8) throw new Error(`activationGrid: ${where}: ${q.bitwidth}-bit activations do not fit uint8 codes`);
    const [qn, qp] = q.range();
    return { scale: q.step.data[0], zeroPoint: qn, qmin: 0, qmax: qn + qp, bits: q.bitwidth, ties: 'even' };
  }
  throw new Error(`activationGrid: ${where}: the input is not quantized (${q.constructor.name}); the integer model needs every conv/linear input quantized`);
}

export function sameGrid(a: ActivationGrid, b: ActivationGrid): boolean {
  return a.scale === b.scale && a.zeroPoint === b.zeroPoint && a.qmin === b.qmin && a.qmax === b.qmax;
}
