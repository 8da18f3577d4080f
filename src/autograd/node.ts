// The tape: every recorded op leaves a GradNode on its output, pointing at its inputs and
// holding the closure that turns the output's gradient into the inputs' gradients.
import type { Tensor } from '../tensor/tensor';
import { isGradEnabled } from './grad-mode';

/**
 * Given dL/d(output), return dL/d(input) for each input (same order, same shapes), or null
 * where `needsGrad[i]` is false or the gradient is identically zero. Runs without a tape.
 * `gradOwned`: nothing else references gradOutput's data and the engine will not read it again,
 * so the op may overwrite it (owned.ts); otherwise it must leave it untouched.
 */
export type BackwardFn = (gradOutput: Tensor, needsGrad: readonly boolean[], gradOwned?: boolean) => (Tensor | null)[];

export interface GradNode {
  /** Name of the op, used in error messages (e.g. `matmul`). */
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly backward: BackwardFn;
}

/**
 * Attach `backward` to `output` if recording is on and any input needs a gradient.
 * Ops call this right after computing their forward result; it returns `output`.
 */
export function record(op: string, inputs: readonly Tensor[], output: Tensor, backward: BackwardFn): Tensor {
  if (!isGradEnabled()) return output;
  let any = false;
  for (const x of inputs) if (x.requiresGrad) any = true;
  if (!any) return output;
  output.requiresGrad = true;
  output.node = { op, inputs, backward };
  return output;
}
