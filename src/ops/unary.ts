// Elementwise unary ops: each forward loop with its derivative right beside it.
// Derivatives reuse the forward output where that is cheaper (exp, sqrt, sigmoid, tanh).
import type { FloatArray } from '../../kernels/float-array';
import { record } from '../autograd/node';
import { Tensor } from '../tensor/tensor';
import { allocFor } from './operand';

type Loop = (x: FloatArray, out: FloatArray) => void;
/** dx from (input, output, upstream gradient), all the same length. */
type GradLoop = (x: FloatArray, y: FloatArray, g: FloatArray, dx: FloatArray) => void;

function unary(op: string, x: Tensor, forward: Loop, gradient: GradLoop): Tensor {
  const out = new Tensor(allocFor(x.size, x), x.shape);
  forward(x.data, out.data);
  return record(op, [x], out, (g) => {
    const dx = new Tensor(allocFor(x.size, g, x), x.shape);
    gradient(x.data, out.data, g.data, dx.data);
    return [dx];
  });
}

export function neg(x: Tensor): Tensor {
  return unary('neg', x,
    (a, y) => { for (let i = 0; i < y.length; i++) y[i] = -a[i]; },
    (_a, _y, g, dx) => { for (let i = 0; i < dx.length; i++) dx[i] = -g[i]; });
}

export function exp(x: Tensor): Tensor {
  return unary('exp', x,
    (a, y) => { for (let i = 0; i < y.length; i++) y[i] = Math.exp(a[i]); },
    (_a, y, g, dx) => { for (let i = 0; i < dx.length; i++) dx[i] = g[i] * y[i]; });
}

export function log(x: Tensor): Tensor {
  return unary('log', x,
    (a, y) => { for (let i = 0; i < y.length; i++) y[i] = Math.log(a[i]); },
    (a, _y, g, dx) => { for (let i = 0; i < dx.length; i++) dx[i] = g[i] / a[i]; });
}

export function sqrt(x: Tensor): Tensor {
  return unary('sqrt', x,
    (a, y) => { for (let i = 0; i < y.length; i++) y[i] = Math.sqrt(a[i]); },
    (_a, y, g, dx) => { for (let i = 0; i < dx.length; i++) dx[i] = g[i] / (2 * y[i]); });
}

/** |x|; the derivative at 0 is taken as 0. */
export function abs(x: Tensor): Tensor {
  return unary('abs', x,
    (a, y) => { for (let i = 0; i < y.length; i++) y[i] = Math.abs(a[i]); },
    (a, _y, g, dx) => { for (let i = 0; i < dx.length; i++) dx[i] = a[i] > 0 ? g[i] : a[i] < 0 ? -g[i] : 0; });
}

// relu and relu6 are written without branches: their inputs have random signs, so a branch per
// element is mispredicted half the time, which made these loops 5-8x slower than a copy.
// u = (v + |v|)/2 is exactly max(v, 0); u - (w + |w|)/2 with w = u - 6 is exactly min(u, 6) for
// float32 inputs (w is exact when u >= 6, and only its sign matters below; the shorter
// (|v| - |v - 6| + 6)/2 loses inputs below about 1e-8, which |v - 6| rounds away). `+(v > 0)`
// turns a comparison into 0 or 1 without a jump. (An infinite input gives NaN in relu6, which
// the training loop reports as a non-finite loss.) The fused batchNorm2dRelu computes the same.

/** max(x, 0); the derivative at 0 is taken as 0. */
export function relu(x: Tensor): Tensor {
  return unary('relu', x,
    (a, y) => { for (let i = 0; i < y.length; i++) { const v = a[i]; y[i] = (v + Math.abs(v)) * 0.5; } },
    (a, _y, g, dx) => { for (let i = 0; i < dx.length; i++) dx[i] = g[i] * +(a[i] > 0); });
}

/** min(max(x, 0), 6) (MobileNet's activation); the gradient passes only strictly inside (0, 6). */
export function relu6(x: Tensor): Tensor {
  return unary('relu6', x,
    (a, y) => {
      for (let i = 0; i < y.length; i++) {
        const v = a[i];
        const u = (v + Math.abs(v)) * 0.5;
        const w = u - 6;
        y[i] = u - (w + Math.abs(w)) * 0.5;
      }
    },
    (a, _y, g, dx) => { for (let i = 0; i < dx.length; i++) { const v = a[i]; dx[i] = g[i] * +(v > 0) * +(v < 6); } });
}

export function sigmoid(x: Tensor): Tensor {
  return unary('sigmoid', x,
    // Two branches keep exp from overflowing for large |x|.
    (a, y) => {
      for (let i = 0; i < y.length; i++) {
        const v = a[i];
        if (v >= 0) y[i] = 1 / (1 + Math.exp(-v));
        else { const e = Math.exp(v); y[i] = e / (1 + e); }
      }
    },
    (_a, y, g, dx) => { for (let i = 0; i < dx.length; i++) dx[i] = g[i] * y[i] * (1 - y[i]); });
}

export function tanh(x: Tensor): Tensor {
  return unary('tanh', x,
    (a, y) => { for (let i = 0; i < y.length; i++) y[i] = Math.tanh(a[i]); },
    (_a, y, g, dx) => { for (let i = 0; i < dx.length; i++) dx[i] = g[i] * (1 - y[i] * y[i]); });
}

/** Clip to [lo, hi]; the gradient passes where lo <= x <= hi (inclusive, as in PyTorch). */
export function clamp(x: Tensor, lo: number, hi: number): Tensor {
  if (!(lo <= hi)) throw new Error(`clamp: lower bound ${lo} is above upper bound ${hi}`);
  return unary('clamp', x,
    (a, y) => { for (let i = 0; i < y.length; i++) y[i] = a[i] < lo ? lo : a[i] > hi ? hi : a[i]; },
    (a, _y, g, dx) => { for (let i = 0; i < dx.length; i++) dx[i] = a[i] >= lo && a[i] <= hi ? g[i] : 0; });
}

/** A copy (differentiable identity). */
export function clone(x: Tensor): Tensor {
  return unary('clone', x,
    (a, y) => y.set(a),
    (_a, _y, g, dx) => dx.set(g));
}
