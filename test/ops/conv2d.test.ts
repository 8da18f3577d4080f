// The conv2d op: gradients (input, weight, bias) against finite differences in float64, for
// dense, strided, padded, dilated, grouped and depthwise geometries; and shape errors.
import t from 'tap';
import { Tensor, Rng, gradcheck } from '../../src/index';
import { conv2d } from '../../src/ops/conv2d';

const rng = new Rng(17);
const randn = (...shape: number[]) => Tensor.randn(shape, rng, 0, 1, { dtype: 'float64' });

const cases: [string, number[], number[], Parameters<typeof conv2d>[3]][] = [
  ['3x3 pad 1', [2, 3, 5, 5], [4, 3, 3, 3], { padding: 1 }],
  ['1x1', [2, 4, 3, 3], [5, 4, 1, 1], {}],
  ['stride 2, odd size', [1, 2, 7, 6], [3, 2, 3, 3], { stride: 2, padding: 1 }],
  ['dilation 2, pad 2', [1, 2, 6, 6], [2, 2, 3, 3], { dilation: 2, padding: 2 }],
  ['rectangular kernel, asymmetric stride', [1, 2, 6, 7], [3, 2, 2, 3], { stride: [2, 1], padding: [0, 1] }],
  ['groups 2', [2, 4, 5, 5], [6, 2, 3, 3], { groups: 2, padding: 1 }],
  ['depthwise stride 2', [2, 3, 6, 6], [3, 1, 3, 3], { groups: 3, stride: 2, padding: 1 }],
  ['depthwise pad 0', [1, 4, 5, 5], [4, 1, 3, 3], { groups: 4 }],
];

for (const [name, xs, ws, opts] of cases) {
  t.test(name, async (tt) => {
    const x = randn(...xs);
    const w = randn(...ws);
    const b = randn(ws[0]);
    const r = gradcheck((a, ww, bb) => conv2d(a, ww, bb, opts), [x, w, b]);
    tt.ok(r.ok, r.message);
  });
}

t.test('conv2d used twice in one graph (shared weight)', async (tt) => {
  const r = gradcheck((a, w) => conv2d(conv2d(a, w, null, { padding: 1 }), w, null, { padding: 1 }), [randn(1, 2, 4, 4), randn(2, 2, 3, 3)]);
  tt.ok(r.ok, r.message);
});

t.test('shape errors name the op and the shapes', async (tt) => {
  tt.throws(() => conv2d(Tensor.zeros([1, 3, 5, 5]), Tensor.zeros([4, 2, 3, 3])), /conv2d: input \[1,3,5,5\] has 3 channels but weight \[4,2,3,3\] with 1 groups expects 2/);
  tt.throws(() => conv2d(Tensor.zeros([3, 5, 5]), Tensor.zeros([4, 3, 3, 3])), /conv2d: input \[3,5,5\] and weight \[4,3,3,3\] must be/);
  tt.throws(() => conv2d(Tensor.zeros([1, 3, 5, 5]), Tensor.zeros([4, 3, 3, 3]), Tensor.zeros([3])), /conv2d: bias \[3\] does not match 4 output channels/);
});
