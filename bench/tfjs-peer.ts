// The peer we compare against: @tensorflow/tfjs-core on its pure-JS CPU backend (dev
// dependencies only, never imported by the library). Helpers here build ready-to-time closures
// that do the same work as our kernels, on tensors created outside the timed region; every
// closure reads its results back with dataSync() (so tfjs really computes) and disposes them.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

export type Tf = typeof tf;

/** tfjs-core with the CPU backend selected and initialised. */
export async function tfjsCpu(): Promise<Tf> {
  await tf.setBackend('cpu');
  await tf.ready();
  if (tf.getBackend() !== 'cpu') throw new Error(`tfjs-peer: wanted the cpu backend, got ${tf.getBackend()}`);
  return tf;
}

/** C = A·B for row-major m×k and k×n float32 data: `run` times one product, `dispose` frees A and B. */
export function tfjsMatMul(
  m: number, n: number, k: number, a: Float32Array, b: Float32Array,
): { run: () => void; result: () => Float32Array; dispose: () => void } {
  const ta = tf.tensor2d(a, [m, k]);
  const tb = tf.tensor2d(b, [k, n]);
  return {
    result: () => {
      const c = tf.matMul(ta, tb);
      const out = c.dataSync() as Float32Array;
      c.dispose();
      return out;
    },
    run: () => {
      const c = tf.matMul(ta, tb);
      c.dataSync();
      c.dispose();
    },
    dispose: () => {
      ta.dispose();
      tb.dispose();
    },
  };
}

/** NCHW data to NHWC (tfjs's native layout). */
export function nchwToNhwc(x: Float32Array, n: number, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      for (let y = 0; y < h; y++) {
        for (let xx = 0; xx < w; xx++) out[((b * h + y) * w + xx) * c + ch] = x[((b * c + ch) * h + y) * w + xx];
      }
    }
  }
  return out;
}

/** Conv weights [cOut, cIn, kh, kw] to tfjs's conv2d filter layout [kh, kw, cIn, cOut]. */
export function oihwToHwio(wt: Float32Array, cOut: number, cIn: number, kh: number, kw: number): Float32Array {
  const out = new Float32Array(wt.length);
  for (let o = 0; o < cOut; o++) {
    for (let i = 0; i < cIn; i++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) out[((y * kw + x) * cIn + i) * cOut + o] = wt[((o * cIn + i) * kh + y) * kw + x];
      }
    }
  }
  return out;
}

/** NHWC data back to NCHW. */
export function nhwcToNchw(x: ArrayLike<number>, n: number, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(n * c * h * w);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      for (let y = 0; y < h; y++) {
        for (let xx = 0; xx < w; xx++) out[((b * c + ch) * h + y) * w + xx] = x[((b * h + y) * w + xx) * c + ch];
      }
    }
  }
  return out;
}

/** tfjs filter layout [kh, kw, cIn, cOut] back to ours [cOut, cIn, kh, kw]. */
export function hwioToOihw(f: ArrayLike<number>, cOut: number, cIn: number, kh: number, kw: number): Float32Array {
  const out = new Float32Array(cOut * cIn * kh * kw);
  for (let o = 0; o < cOut; o++) {
    for (let i = 0; i < cIn; i++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) out[((o * cIn + i) * kh + y) * kw + x] = f[((y * kw + x) * cIn + i) * cOut + o];
      }
    }
  }
  return out;
}

export interface TfConvCase {
  n: number; cIn: number; h: number; w: number; cOut: number; kh: number; kw: number;
  stride: number; pad: number;
  /** Depthwise (groups == cIn == cOut): weights are [C, 1, kh, kw] in our layout. */
  depthwise: boolean;
}

/**
 * Closures for a tfjs convolution on NCHW input `x` and our-layout weights `wt`, converted to
 * NHWC outside the timed region: `forward` computes y; `forwardBackward` computes y, dx and dw
 * for an upstream gradient `dy` (NCHW) with tf.valueAndGrads.
 *
 * The CommonJS build of tfjs-core that Node loads registers no kernel gradients (tf.grads on
 * tf.conv2d, tf.relu6 or tf.matMul fails with "gradient function not found"), but the fused ops
 * tf.fused.conv2d / tf.fused.depthwiseConv2d / tf.fused.matMul carry their own gradient
 * (customGrad), which runs the Conv2DBackpropInput/Filter (or depthwise) backprop kernels.
 * So the backward pass differentiates the fused ops, without bias or activation.
 */
export function tfjsConv(
  c: TfConvCase, x: Float32Array, wt: Float32Array, dy: Float32Array, outH: number, outW: number,
): {
  forward: () => void; forwardBackward: () => void; dispose: () => void;
  /** One untimed run returning y, dx and dw in our layouts, to check both sides do the same work. */
  results: () => { y: Float32Array; dx: Float32Array; dw: Float32Array };
} {
  const tx = tf.tensor4d(nchwToNhwc(x, c.n, c.cIn, c.h, c.w), [c.n, c.h, c.w, c.cIn]);
  const filter = c.depthwise
    ? tf.tensor4d(oihwToHwio(wt, c.cIn, 1, c.kh, c.kw), [c.kh, c.kw, c.cIn, 1]) // [kh, kw, C, multiplier 1]
    : tf.tensor4d(oihwToHwio(wt, c.cOut, c.cIn, c.kh, c.kw), [c.kh, c.kw, c.cIn, c.cOut]);
  const tdy = tf.tensor4d(nchwToNhwc(dy, c.n, c.cOut, outH, outW), [c.n, outH, outW, c.cOut]);
  const conv = (xx: tf.Tensor, ww: tf.Tensor): tf.Tensor4D =>
    c.depthwise
      ? tf.fused.depthwiseConv2d({ x: xx as tf.Tensor4D, filter: ww as tf.Tensor4D, strides: c.stride, pad: c.pad })
      : tf.fused.conv2d({ x: xx as tf.Tensor4D, filter: ww as tf.Tensor4D, strides: c.stride, pad: c.pad });
  const valueAndGrads = tf.valueAndGrads(conv);
  return {
    results: () => {
      const { value, grads } = valueAndGrads([tx, filter], tdy);
      const out = {
        y: nhwcToNchw(value.dataSync(), c.n, c.cOut, outH, outW),
        dx: nhwcToNchw(grads[0].dataSync(), c.n, c.cIn, c.h, c.w),
        dw: c.depthwise
          ? hwioToOihw(grads[1].dataSync(), c.cIn, 1, c.kh, c.kw)
          : hwioToOihw(grads[1].dataSync(), c.cOut, c.cIn, c.kh, c.kw),
      };
      value.dispose();
      grads.forEach((g) => g.dispose());
      return out;
    },
    forward: () => {
      const y = conv(tx, filter);
      y.dataSync();
      y.dispose();
    },
    forwardBackward: () => {
      const { value, grads } = valueAndGrads([tx, filter], tdy);
      value.dataSync();
      grads[0].dataSync();
      grads[1].dataSync();
      value.dispose();
      grads.forEach((g) => g.dispose());
    },
    dispose: () => {
      tx.dispose();
      filter.dispose();
      tdy.dispose();
    },
  };
}
