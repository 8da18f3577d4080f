// Helpers shared by ops: numbers as operands, output allocation.
import { Tensor } from '../tensor/tensor';
import { allocate, DType, promote } from '../tensor/dtype';
import type { FloatArray } from '../../kernels/float-array';

/** A plain number becomes a scalar tensor of the other operand's dtype. */
export function asTensor(value: Tensor | number, like: Tensor | number): Tensor {
  if (value instanceof Tensor) return value;
  if (typeof value !== 'number') throw new Error(`expected a Tensor or a number, got ${typeof value}`);
  return Tensor.scalar(value, { dtype: like instanceof Tensor ? like.dtype : 'float32' });
}

/** A zeroed array for a result computed from `inputs` (float64 if any input is float64). */
export function allocFor(size: number, ...inputs: Tensor[]): FloatArray {
  return allocate(promote(...inputs.map((t) => t.dtype)), size);
}

export function dtypeFor(...inputs: Tensor[]): DType {
  return promote(...inputs.map((t) => t.dtype));
}
