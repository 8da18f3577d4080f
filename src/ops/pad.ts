// pad: surround a tensor with a constant. The forward writes the input into the interior of a
// filled output; the gradient reads the interior back out.
import { contiguousStrides, gather, stridedIndices } from '../../kernels/strided-indices';
import { record } from '../autograd/node';
import { Tensor } from '../tensor/tensor';
import { shapeString } from '../tensor/shape';
import { allocFor } from './operand';

/** `widths[d] = [before, after]` for every axis d. */
export function pad(x: Tensor, widths: readonly (readonly [number, number])[], value = 0): Tensor {
  if (widths.length !== x.rank) {
    throw new Error(`pad: ${widths.length} [before, after] pairs given for a tensor of shape ${shapeString(x.shape)}`);
  }
  for (const [b, e] of widths) {
    if (!Number.isInteger(b) || !Number.isInteger(e) || b < 0 || e < 0) {
      throw new Error(`pad: widths must be non-negative integers, got [${b}, ${e}]`);
    }
  }
  const shape = x.shape.map((d, i) => d + widths[i][0] + widths[i][1]);
  const strides = contiguousStrides(shape);
  const offset = widths.reduce((o, [b], i) => o + b * strides[i], 0);
  // Position of every input element inside the padded output.
  const interior = stridedIndices(x.shape, strides, offset);
  const out = new Tensor(allocFor(shape.reduce((p, d) => p * d, 1), x), shape);
  out.data.fill(value);
  for (let i = 0; i < interior.length; i++) out.data[interior[i]] = x.data[i];
  return record('pad', [x], out, (g) => {
    const dx = new Tensor(allocFor(x.size, g, x), x.shape);
    gather(g.data, interior, dx.data);
    return [dx];
  });
}
