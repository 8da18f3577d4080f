// im2col against its definition (each entry read straight from the input with a bounds test),
// and col2im as its adjoint: <im2col(x), c> = <x, col2im(c)>, in float64, with offsets.
import t from 'tap';
import { Rng } from '../../src/tensor/rng';
import { col2im, im2col } from '../../kernels/im2col';
import { conv2dOutputSize } from '../../kernels/conv2d-params';
import { randomConv, dot } from './conv-cases';
import { randomArray } from './float-compare';

t.test('im2col matches the definition; col2im is its adjoint', (tt) => {
  const rng = new Rng(50);
  let mismatches = 0;
  let worstAdjoint = 0;
  for (let r = 0; r < 150; r++) {
    const p = randomConv(rng, 'dense');
    const { outH, outW } = conv2dOutputSize(p);
    const channels = p.cIn;
    const rows = channels * p.kh * p.kw;
    const cols = outH * outW;
    const xOff = rng.int(0, 5);
    const colOff = rng.int(0, 5);
    const x = randomArray(rng, 'f64', xOff + channels * p.h * p.w);
    const col = new Float64Array(colOff + rows * cols).fill(NaN);
    im2col(p, x, xOff, channels, col, colOff);
    for (let c = 0; c < channels; c++) {
      for (let i = 0; i < p.kh; i++) {
        for (let j = 0; j < p.kw; j++) {
          for (let oy = 0; oy < outH; oy++) {
            for (let ox = 0; ox < outW; ox++) {
              const iy = oy * p.strideH - p.padH + i * p.dilationH;
              const ix = ox * p.strideW - p.padW + j * p.dilationW;
              const inside = iy >= 0 && iy < p.h && ix >= 0 && ix < p.w;
              const expect = inside ? x[xOff + (c * p.h + iy) * p.w + ix] : 0;
              const got = col[colOff + ((c * p.kh + i) * p.kw + j) * cols + oy * outW + ox];
              if (got !== expect) mismatches++;
            }
          }
        }
      }
    }
    const g = randomArray(rng, 'f64', colOff + rows * cols);
    const back = new Float64Array(xOff + channels * p.h * p.w);
    col2im(p, g, colOff, channels, back, xOff);
    const lhs = dot(col.subarray(colOff), g.subarray(colOff));
    const rhs = dot(x.subarray(xOff), back.subarray(xOff));
    worstAdjoint = Math.max(worstAdjoint, Math.abs(lhs - rhs) / (1 + Math.abs(lhs)));
    for (let i = 0; i < xOff; i++) if (back[i] !== 0) mismatches++; // nothing written before the offset
  }
  tt.equal(mismatches, 0, 'every im2col entry equals the definition');
  tt.ok(worstAdjoint < 1e-13, `worst relative adjoint mismatch ${worstAdjoint.toExponential(2)}`);
  tt.end();
});

t.test('col2im accumulates into dx', (tt) => {
  const p = { n: 1, cIn: 1, h: 2, w: 2, cOut: 1, kh: 1, kw: 1, strideH: 1, strideW: 1, padH: 0, padW: 0, dilationH: 1, dilationW: 1, groups: 1 };
  const dx = new Float32Array([1, 2, 3, 4]);
  col2im(p, new Float32Array([10, 20, 30, 40]), 0, 1, dx, 0);
  tt.same(Array.from(dx), [11, 22, 33, 44]);
  tt.end();
});
