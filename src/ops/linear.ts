// linear: y = x·Wᵀ + b for x [N, in], W [out, in] (PyTorch's layout, also a conv weight's),
// b [out]. One fused op so the forward and both gradients are single GEMMs with no transposed
// copies:  dx = g·W,  dW = gᵀ·x,  db = column sums of g.
import { gemm } from '../../kernels/gemm';
import { record } from '../autograd/node';
import { Tensor } from '../tensor/tensor';
import { shapeString } from '../tensor/shape';
import { allocFor } from './operand';

export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  if (x.rank !== 2 || weight.rank !== 2 || x.shape[1] !== weight.shape[1]) {
    throw new Error(`linear: input ${shapeString(x.shape)} and weight ${shapeString(weight.shape)} do not fit: need [N, in] and [out, in]`);
  }
  const [n, inF] = x.shape;
  const outF = weight.shape[0];
  if (bias !== null && (bias.rank !== 1 || bias.shape[0] !== outF)) {
    throw new Error(`linear: bias ${shapeString(bias.shape)} does not match ${outF} outputs`);
  }
  const inputs = bias === null ? [x, weight] : [x, weight, bias];
  const out = new Tensor(allocFor(n * outF, ...inputs), [n, outF]);
  if (bias !== null) for (let i = 0; i < n; i++) out.data.set(bias.data, i * outF);
  gemm(n, outF, inF, x.data, weight.data, out.data, { transB: true, beta: bias === null ? 0 : 1 });
  return record('linear', inputs, out, (g, needs) => {
    const grads: (Tensor | null)[] = [null, null, null];
    if (needs[0]) {
      grads[0] = new Tensor(allocFor(x.size, g, x), x.shape);
      gemm(n, inF, outF, g.data, weight.data, grads[0].data);
    }
    if (needs[1]) {
      grads[1] = new Tensor(allocFor(weight.size, g, weight), weight.shape);
      gemm(outF, inF, n, g.data, x.data, grads[1].data, { transA: true });
    }
    if (bias !== null && needs[2]) {
      const db = new Tensor(allocFor(outF, g, bias), bias.shape);
      for (let i = 0; i < n; i++) for (let j = 0; j < outF; j++) db.data[j] += g.data[i * outF + j];
      grads[2] = db;
    }
    return grads.slice(0, inputs.length);
  });
}
