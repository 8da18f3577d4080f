// Pooling ops over NCHW activations: max (backward routes each gradient to the element that
// won its window), average (spreads it evenly) and global average (one value per channel).
import { avgPool2d as avgKernel, avgPool2dBackward, globalAvgPool2d as gapKernel, globalAvgPool2dBackward, maxPool2d as maxKernel, maxPool2dBackward } from '../../kernels/pool2d';
import { Pool2dParams, pool2dOutputSize, validatePool2dParams } from '../../kernels/pool2d-params';
import { record } from '../autograd/node';
import { Tensor } from '../tensor/tensor';
import { shapeString } from '../tensor/shape';
import { allocFor } from './operand';

export interface Pool2dOptions {
  /** Defaults to the kernel size. */
  stride?: number;
  padding?: number;
}

function params(op: string, x: Tensor, kernel: number, opts: Pool2dOptions): Pool2dParams {
  if (x.rank !== 4) throw new Error(`${op}: input must be [N, C, H, W], got ${shapeString(x.shape)}`);
  const [n, c, h, w] = x.shape;
  const stride = opts.stride ?? kernel;
  const pad = opts.padding ?? 0;
  const p = { n, c, h, w, kh: kernel, kw: kernel, strideH: stride, strideW: stride, padH: pad, padW: pad };
  validatePool2dParams(p, op);
  return p;
}

export function maxPool2d(x: Tensor, kernel: number, opts: Pool2dOptions = {}): Tensor {
  const p = params('maxPool2d', x, kernel, opts);
  const { outH, outW } = pool2dOutputSize(p);
  const y = new Tensor(allocFor(p.n * p.c * outH * outW, x), [p.n, p.c, outH, outW]);
  const argmax = new Int32Array(y.size);
  maxKernel(p, x.data, y.data, argmax);
  return record('maxPool2d', [x], y, (g) => {
    const dx = new Tensor(allocFor(x.size, g, x), x.shape);
    maxPool2dBackward(p, g.data, argmax, dx.data);
    return [dx];
  });
}

/** Average pooling; windows overlapping the padding divide by the full window (PyTorch's default). */
export function avgPool2d(x: Tensor, kernel: number, opts: Pool2dOptions = {}): Tensor {
  const p = params('avgPool2d', x, kernel, opts);
  const { outH, outW } = pool2dOutputSize(p);
  const y = new Tensor(allocFor(p.n * p.c * outH * outW, x), [p.n, p.c, outH, outW]);
  avgKernel(p, x.data, y.data);
  return record('avgPool2d', [x], y, (g) => {
    const dx = new Tensor(allocFor(x.size, g, x), x.shape);
    avgPool2dBackward(p, g.data, dx.data);
    return [dx];
  });
}

/** Mean over H and W: [N, C, H, W] -> [N, C, 1, 1]. */
export function globalAvgPool2d(x: Tensor): Tensor {
  if (x.rank !== 4) throw new Error(`globalAvgPool2d: input must be [N, C, H, W], got ${shapeString(x.shape)}`);
  const [n, c, h, w] = x.shape;
  const s = { n, c, h, w };
  const y = new Tensor(allocFor(n * c, x), [n, c, 1, 1]);
  gapKernel(s, x.data, y.data);
  return record('globalAvgPool2d', [x], y, (g) => {
    const dx = new Tensor(allocFor(x.size, g, x), x.shape);
    globalAvgPool2dBackward(s, g.data, dx.data);
    return [dx];
  });
}
