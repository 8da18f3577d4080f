// cast: the same values in float32 or float64; the gradient is cast back.
import { record } from '../autograd/node';
import { Tensor } from '../tensor/tensor';
import { convert, DType } from '../tensor/dtype';

export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  const out = new Tensor(convert(x.data, dtype), x.shape);
  return record('cast', [x], out, (g) => [new Tensor(convert(g.data, x.dtype), x.shape)]);
}
