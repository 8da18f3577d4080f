// Shape errors at op boundaries name the op and the shapes involved.
import t from 'tap';
import { Tensor } from '../../src/index';
import * as ops from '../../src/ops/index';

const z = (...shape: number[]) => Tensor.zeros(shape);

const cases: [string, () => unknown, RegExp][] = [
  ['matmul inner', () => ops.matmul(z(2, 3), z(4, 5)), /^matmul: \[2,3\] x \[4,5\]: inner dimensions 3 and 4 differ$/],
  ['matmul batch', () => ops.matmul(z(2, 3, 4), z(3, 4, 5)), /matmul: shapes \[2\] and \[3\] cannot broadcast/],
  ['matmul scalar', () => ops.matmul(z(), z(2)), /matmul: .* at least one axis/],
  ['add broadcast', () => ops.add(z(2, 3), z(4)), /^add: shapes \[2,3\] and \[4\] cannot broadcast: axis -1 has sizes 3 and 4$/],
  ['mul broadcast', () => ops.mul(z(2, 3), z(3, 3)), /^mul: shapes/],
  ['where broadcast', () => ops.where(z(2), z(3), z(2)), /^where: shapes/],
  ['reshape count', () => ops.reshape(z(2, 3), [4, 2]), /^reshape: cannot reshape \[2,3\] \(6 elements\) to \[4,2\] \(8 elements\)$/],
  ['reshape two -1', () => ops.reshape(z(2, 3), [-1, -1]), /^reshape: only one axis may be -1/],
  ['reshape -1 no fit', () => ops.reshape(z(2, 3), [4, -1]), /^reshape: cannot reshape/],
  ['sum axis range', () => ops.sum(z(2, 3), 2), /^sum: axis 2 is out of range for a tensor of rank 2$/],
  ['mean repeated axis', () => ops.mean(z(2, 3), [1, -1]), /^mean: repeated axis/],
  ['permute length', () => ops.permute(z(2, 3), [0]), /^permute: order \[0\] has 1 axes but the tensor has 2$/],
  ['permute repeat', () => ops.permute(z(2, 3), [1, 1]), /^permute: order \[1,1\] repeats an axis$/],
  ['transpose rank', () => ops.transpose(z(3)), /^transpose: needs at least 2 axes/],
  ['slice ranges', () => ops.slice(z(2), [null, null]), /^slice: 2 ranges given for a tensor of shape \[2\]$/],
  ['slice step', () => ops.slice(z(4), [[0, 4, 0]]), /^slice: step on axis 0 must be a positive integer/],
  ['concat shapes', () => ops.concat([z(2, 3), z(3, 3)], 1), /^concat: shapes \[2,3\], \[3,3\] differ outside axis 1$/],
  ['stack shapes', () => ops.stack([z(2), z(3)]), /^stack: shapes \[2\], \[3\] differ$/],
  ['pad pairs', () => ops.pad(z(2, 3), [[1, 1]]), /^pad: 1 \[before, after\] pairs given for a tensor of shape \[2,3\]$/],
  ['pad negative', () => ops.pad(z(2), [[-1, 0]]), /^pad: widths must be non-negative integers/],
  ['crossEntropy rank', () => ops.crossEntropy(z(3), [0]), /^crossEntropy: logits must be \[N, C\], got \[3\]$/],
  ['crossEntropy count', () => ops.crossEntropy(z(2, 3), [0]), /^crossEntropy: 1 labels for 2 rows/],
  ['crossEntropy label', () => ops.crossEntropy(z(2, 3), [0, 3]), /^crossEntropy: label 3 at row 1 is not a class index in \[0, 3\)$/],
  ['mse shapes', () => ops.mse(z(3, 1), z(3)), /^mse: prediction \[3,1\] and target \[3\] differ in shape$/],
  ['clamp bounds', () => ops.clamp(z(2), 1, 0), /^clamp: lower bound 1 is above upper bound 0$/],
  ['expand', () => ops.expand(z(2, 3), [3]), /^expand: /],
  ['softmax axis', () => ops.softmax(z(2, 3), 3), /^softmax: axis 3 is out of range/],
  ['squeeze', () => ops.squeeze(z(2, 3), 0), /^squeeze: axis 0 of \[2,3\] has size 2, not 1$/],
  ['item', () => z(2).item(), /^item: tensor of shape \[2\] has 2 elements, not 1$/],
  ['Tensor data length', () => new Tensor(new Float32Array(5), [2, 3]), /^Tensor: data has 5 elements but shape \[2,3\] needs 6$/],
  ['zeros bad shape', () => Tensor.zeros([2, -1]), /^zeros: invalid shape \[2,-1\]/],
  ['fromArray ragged', () => Tensor.fromArray([[1, 2], [3]]), /^fromArray: ragged array at \[1\]/],
  ['arange step', () => Tensor.arange(0, 5, 0), /^arange: step must be a non-zero finite number/],
];

for (const [name, fn, pattern] of cases) {
  t.test(name, async (tt) => {
    tt.throws(fn, pattern);
  });
}
