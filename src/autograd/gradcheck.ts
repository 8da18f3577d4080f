// gradcheck: compare the tape's gradients with central finite differences, in float64.
// A non-scalar output is reduced with fixed random weights (sum(w * f(x))), so every output
// element's gradient is exercised, not just their sum.
import { Tensor } from '../tensor/tensor';
import { Rng } from '../tensor/rng';
import { shapeString } from '../tensor/shape';
import { noGrad } from './grad-mode';

export interface GradcheckOptions {
  /** Finite-difference step. */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Seed of the random output weights. */
  seed?: number;
  /** Which inputs to check (default: all). */
  wrt?: readonly number[];
}

export interface GradcheckResult {
  ok: boolean;
  /** Largest |analytic - numeric| - rtol*|numeric| over all checked elements. */
  worstExcess: number;
  /** Human-readable description of the worst mismatch, if any. */
  message: string;
}

/** Run the check and return its result; `fn` must be deterministic. */
export function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  opts: GradcheckOptions = {},
): GradcheckResult {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-6;
  const rtol = opts.rtol ?? 1e-4;
  const wrt = opts.wrt ?? inputs.map((_, i) => i);
  const xs = inputs.map((t, i) => new Tensor(Float64Array.from(t.data), t.shape, wrt.includes(i)));

  const y = fn(...xs);
  if (y.dtype !== 'float64') throw new Error(`gradcheck: output is ${y.dtype}; some op dropped to float32`);
  const rng = new Rng(opts.seed ?? 1234);
  const w = Tensor.zeros(y.shape, { dtype: 'float64' });
  rng.fillUniform(w.data, -1, 1);
  if (!y.requiresGrad) throw new Error('gradcheck: the output does not depend on any checked input');
  y.backward(w);

  const objective = (): number =>
    noGrad(() => {
      const out = fn(...xs);
      let s = 0;
      for (let i = 0; i < out.size; i++) s += w.data[i] * out.data[i];
      return s;
    });

  let worst = -Infinity;
  let message = '';
  for (const k of wrt) {
    const x = xs[k];
    const analytic = x.grad?.data ?? new Float64Array(x.size);
    for (let j = 0; j < x.size; j++) {
      const saved = x.data[j];
      x.data[j] = saved + eps;
      const plus = objective();
      x.data[j] = saved - eps;
      const minus = objective();
      x.data[j] = saved;
      const numeric = (plus - minus) / (2 * eps);
      const excess = Math.abs(analytic[j] - numeric) - rtol * Math.abs(numeric);
      if (excess > worst) {
        worst = excess;
        message = `input ${k} ${shapeString(x.shape)} element ${j}: analytic ${analytic[j]}, numeric ${numeric}`;
      }
    }
  }
  return { ok: worst <= atol, worstExcess: worst, message };
}

/** Like `gradcheck`, but throws with the worst mismatch when the check fails. */
export function assertGradcheck(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  opts: GradcheckOptions = {},
): void {
  const r = gradcheck(fn, inputs, opts);
  if (!r.ok) throw new Error(`gradcheck failed: ${r.message}`);
}
