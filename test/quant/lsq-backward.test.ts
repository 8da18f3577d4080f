// LSQ's one-pass backward and the fast step sum against the plain loops, bit for bit, on many
// lengths, signed and unsigned ranges, float32 and float64, with values outside the range,
// exact ties and NaN.
import t from 'tap';
import { Rng } from '../../src/tensor/rng';
import { lsqBackwardFused, lsqInputGrad, lsqStepSum, lsqStepSumFast } from '../../src/quant/lsq-backward';

const rng = new Rng(47);
const LENGTHS = [1, 2, 3, 5, 7, 13, 31, 97, 256, 1021, 4099];

t.test('lsqBackwardFused equals lsqInputGrad + lsqStepSum exactly', async (tt) => {
  for (const [qn, qp] of [[0, 255], [128, 127], [4, 3], [0, 3]]) {
    const s = 0.037;
    for (const length of LENGTHS) {
      for (const wide of [false, true]) {
        const x = wide ? new Float64Array(length) : new Float32Array(length);
        const g = wide ? new Float64Array(length) : new Float32Array(length);
        for (let i = 0; i < length; i++) {
          const r = rng.uniform();
          x[i] = r < 0.3 ? 0 : r < 0.35 ? (rng.int(-qn, qp + 1) + 0.5) * s : r < 0.37 ? [NaN, 1e9, -1e9][rng.int(0, 3)] : s * (-qn - 3 + (qn + qp + 6) * rng.uniform());
          g[i] = rng.normal();
        }
        for (const [begin, end] of [[0, length], [Math.floor(length / 4), length - Math.floor(length / 3)]]) {
          const dxA = wide ? new Float64Array(length) : new Float32Array(length);
          const dxB = wide ? new Float64Array(length) : new Float32Array(length);
          const sumA = lsqBackwardFused(x, g, s, qn, qp, dxA, begin, end);
          lsqInputGrad(x, g, s, qn, qp, dxB, begin, end);
          const sumB = lsqStepSum(x, g, s, qn, qp, begin, end);
          const what = `Q_N=${qn} Q_P=${qp}, [${begin}, ${end}) of ${length}, ${wide ? 'f64' : 'f32'}`;
          tt.same(Array.from(dxA), Array.from(dxB), `dx: ${what}`);
          tt.ok(Object.is(sumA, sumB), `sum: ${what} (${sumA} vs ${sumB})`);
          const sumC = lsqStepSumFast(x, g, s, qn, qp, begin, end);
          tt.ok(Object.is(sumC, sumB), `fast sum: ${what} (${sumC} vs ${sumB})`);
        }
      }
    }
  }
});

t.test('the plain loops follow the definition (so the comparison can fail)', async (tt) => {
  const s = 0.5;
  const x = Float64Array.from([-3, -0.9, 0.2, 0.76, 1.6, 9]);
  const g = Float64Array.from([1, 2, 3, 4, 5, 6]);
  const dx = new Float64Array(x.length);
  lsqInputGrad(x, g, s, 2, 1, dx, 0, x.length); // grid -2..1 steps: [-1, 0.5]
  tt.same(Array.from(dx), [0, 2, 3, 0, 0, 0]);
  // local: below -2, -1.8 -> round -2 - (-1.8) = -0.2, 0.4 -> -0.4, above 1, 1, 1
  const expected = 1 * -2 + 2 * -0.2 + 3 * -0.4 + 4 * 1 + 5 * 1 + 6 * 1;
  tt.ok(Math.abs(lsqStepSum(x, g, s, 2, 1, 0, x.length) - expected) < 1e-12);
});
