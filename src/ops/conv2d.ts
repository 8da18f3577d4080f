// conv2d: 2-D convolution, NCHW activations, weights [cOut, cIn/groups, kh, kw], with stride,
// padding, dilation and groups (groups == channels is depthwise). The kernels choose the
// fastest method per shape; here the forward and its three gradients sit side by side:
//   dx = conv2dBackwardInput(dy, w),  dw = conv2dBackwardWeight(x, dy),  db = Σ_{n,h,w} dy.
import { conv2d as conv2dKernel, conv2dBackwardInput, conv2dBackwardWeight, conv2dBackwardBias } from '../../kernels/conv2d';
import { Conv2dParams, conv2dOutputSize, validateConv2dParams } from '../../kernels/conv2d-params';
import { record } from '../autograd/node';
import { ownedGradient } from '../autograd/owned';
import { Tensor } from '../tensor/tensor';
import { shapeString } from '../tensor/shape';
import { allocFor } from './operand';

export interface Conv2dOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
  dilation?: number | [number, number];
  groups?: number;
}

const pair = (v: number | [number, number] | undefined, d: number): [number, number] =>
  v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : v;

/** The kernel parameters for input x and weight w, with a clear error if they do not fit. */
export function conv2dParams(x: readonly number[], w: readonly number[], opts: Conv2dOptions = {}): Conv2dParams {
  if (x.length !== 4 || w.length !== 4) {
    throw new Error(`conv2d: input ${shapeString(x)} and weight ${shapeString(w)} must be [N, C, H, W] and [cOut, cIn/groups, kh, kw]`);
  }
  const groups = opts.groups ?? 1;
  const [strideH, strideW] = pair(opts.stride, 1);
  const [padH, padW] = pair(opts.padding, 0);
  const [dilationH, dilationW] = pair(opts.dilation, 1);
  if (x[1] !== w[1] * groups) {
    throw new Error(`conv2d: input ${shapeString(x)} has ${x[1]} channels but weight ${shapeString(w)} with ${groups} groups expects ${w[1] * groups}`);
  }
  const p: Conv2dParams = {
    n: x[0], cIn: x[1], h: x[2], w: x[3], cOut: w[0], kh: w[2], kw: w[3],
    strideH, strideW, padH, padW, dilationH, dilationW, groups,
  };
  validateConv2dParams(p);
  return p;
}

export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: Conv2dOptions = {}): Tensor {
  const p = conv2dParams(x.shape, weight.shape, opts);
  if (bias !== null && (bias.rank !== 1 || bias.shape[0] !== p.cOut)) {
    throw new Error(`conv2d: bias ${shapeString(bias.shape)} does not match ${p.cOut} output channels`);
  }
  const { outH, outW } = conv2dOutputSize(p);
  const inputs = bias === null ? [x, weight] : [x, weight, bias];
  const y = new Tensor(allocFor(p.n * p.cOut * outH * outW, ...inputs), [p.n, p.cOut, outH, outW]);
  conv2dKernel(p, x.data, weight.data, bias === null ? null : bias.data, y.data);
  return record('conv2d', inputs, y, (g, needs) => {
    const grads: (Tensor | null)[] = [null, null, null];
    if (needs[0]) {
      // Fresh and returned once: the consumer of x's gradient may write into it (autograd/owned.ts).
      grads[0] = ownedGradient(new Tensor(allocFor(x.size, g, x), x.shape));
      conv2dBackwardInput(p, g.data, weight.data, grads[0].data);
    }
    if (needs[1]) {
      grads[1] = new Tensor(allocFor(weight.size, g, weight), weight.shape);
      conv2dBackwardWeight(p, x.data, g.data, grads[1].data);
    }
    if (bias !== null && needs[2]) {
      grads[2] = new Tensor(allocFor(p.cOut, g, bias), bias.shape);
      conv2dBackwardBias(p, g.data, grads[2].data);
    }
    return grads.slice(0, inputs.length);
  });
}
