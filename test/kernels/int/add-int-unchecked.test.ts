// addInt's unchecked whole-call path (taken when one scan shows every operand in the double
// paths' range) against addIntReference: residual-add shapes (int32 branch + uint8 skip, or two
// uint8 operands), outputs clamping at both ends, both multiplier signs, and one int32 value
// just outside the range, which must send the call back to the checked loop; and the same sums
// written as image-pair rows (add-int-image-pair-rows.ts) for odd and even image counts.
import t from 'tap';
import { Rng } from '../../../src/tensor/rng';
import { addIntReference, IDENTITY_MULTIPLIER, type AddIntParams } from '../../../kernels/int/add-int-reference';
import { addInt } from '../../../kernels/int/add-int';
import { addIntImagePairRows } from '../../../kernels/int/add-int-image-pair-rows';
import { fromImagePairRows, imagePairRowsSize } from '../../../kernels/int/image-pair-rows';
import { quantizeMultiplier } from '../../../kernels/int/quantize-multiplier';
import { firstDifference } from './gemm-helper';

t.test('unchecked path = reference (int32 + uint8 and uint8 + uint8, clamping both ends)', async (t) => {
  const rng = new Rng(101);
  let bad = 0;
  for (let trial = 0; trial < 60; trial++) {
    const images = 1 + (trial % 4);
    const size = rng.int(1, 80);
    const count = images * size;
    const wideA = trial % 2 === 0;
    const a = wideA ? Int32Array.from({ length: count }, () => rng.int(-130000, 130000)) : Uint8Array.from({ length: count }, () => rng.int(0, 256));
    const b = Uint8Array.from({ length: count }, () => rng.int(0, 256));
    const mb = quantizeMultiplier(rng.uniformIn(1, 200), { singleRounding: true });
    const p: AddIntParams = {
      a: wideA ? { zeroPoint: 0, ...IDENTITY_MULTIPLIER } : { zeroPoint: rng.int(0, 256), ...quantizeMultiplier(rng.uniformIn(1, 200), { singleRounding: true }) },
      b: { zeroPoint: rng.int(0, 256), ...(trial % 5 === 4 ? { ...mb, multiplier: -mb.multiplier } : mb) },
      output: { ...quantizeMultiplier(rng.uniformIn(2e-4, 0.02), { singleRounding: true }), offset: rng.int(0, 256), qmin: rng.int(0, 40), qmax: rng.int(150, 256) },
    };
    // One value beyond 2^21 in some int32 operands: the call must fall back, still exact.
    if (wideA && trial % 6 === 0) a[rng.int(0, count)] = rng.int(0, 2) ? 3000000 : -3000000;
    const want = new Uint8Array(count);
    addIntReference(count, a, b, p, want);
    const got = new Uint8Array(count);
    addInt(count, a, b, p, got);
    const d = firstDifference(got, want);
    if (d >= 0) {
      bad++;
      t.fail(`trial ${trial}: element ${d} is ${got[d]}, want ${want[d]}`);
    }
    const rows = new Float64Array(imagePairRowsSize(images, size));
    addIntImagePairRows(images, size, a, b, p, rows);
    const e = firstDifference(fromImagePairRows(rows, images, size), want);
    if (e >= 0) {
      bad++;
      t.fail(`trial ${trial}, ${images} images as image-pair rows: element ${e} differs`);
    }
    if (trial === 0) t.ok(want.some((v) => v === p.output.qmin) || want.some((v) => v === p.output.qmax), 'some outputs clamp');
  }
  t.equal(bad, 0);
});
