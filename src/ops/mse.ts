// mse: mean squared error, composed from sub, mul and mean (their gradients compose).
import { Tensor } from '../tensor/tensor';
import { sameShape, shapeString } from '../tensor/shape';
import { mul, sub } from './binary';
import { mean } from './reduce';

export function mse(prediction: Tensor, target: Tensor): Tensor {
  // Silent broadcasting here is a classic bug ([N,1] vs [N] gives an N x N loss), so shapes must match.
  if (!sameShape(prediction.shape, target.shape)) {
    throw new Error(`mse: prediction ${shapeString(prediction.shape)} and target ${shapeString(target.shape)} differ in shape`);
  }
  const d = sub(prediction, target);
  return mean(mul(d, d));
}
