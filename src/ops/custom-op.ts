// customOp: the hook for ops defined by their own gradient, e.g. straight-through estimators:
//   const roundSTE = (x: Tensor) => customOp('roundSTE', [x], ([v]) => roundTensor(v), (g) => [g]);
// `forward` runs without recording; `backward` maps dL/d(output) to one gradient per input.
import { record } from '../autograd/node';
import { noGrad } from '../autograd/grad-mode';
import { Tensor } from '../tensor/tensor';

/** `gradOwned`: the op may overwrite gradOutput's data (autograd/owned.ts). */
export type CustomBackward = (gradOutput: Tensor, output: Tensor, needsGrad: readonly boolean[], gradOwned: boolean) => (Tensor | null)[];

export function customOp(
  name: string,
  inputs: readonly Tensor[],
  forward: (inputs: readonly Tensor[]) => Tensor,
  backward: CustomBackward,
): Tensor {
  const result = noGrad(() => forward(inputs));
  // The tape hangs off the output, so it must be a tensor of its own even if forward returned an input.
  const out = new Tensor(result.data, result.shape);
  return record(name, inputs, out, (g, needs, gradOwned) => backward(g, out, needs, gradOwned === true));
}
