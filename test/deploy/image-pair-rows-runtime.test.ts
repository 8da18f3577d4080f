// The benchmarked MobileNetV2 (width 0.35, 28x28x1, 8-bit LSQ weights and activations,
// calibrated MinMax like bench/int-vs-ort) on the fast kernels keeps its pointwise inputs as
// image-pair rows and its expand outputs as image-pair planes, and returns exactly the reference
// kernels' logits and every tensor, for odd and even batches (a lone last image) with the
// buffers of a larger batch reused. Weights are the seeded initialization (speed and exactness
// do not depend on training).
import t from 'tap';
import { Rng } from '../../src/tensor/rng';
import { mobilenetv2 } from '../../nets/mobilenetv2';
import { quantize } from '../../src/quant/quantize';
import { convertToInteger } from '../../src/deploy/convert';
import { IntegerRuntime } from '../../src/deploy/integer-runtime';
import { calibrateLsqMinMax } from '../../bench/onnx/calibrate-lsq';

t.test('MobileNetV2 W8A8 on image-pair rows = reference kernels, bit for bit', async (t) => {
  const net = mobilenetv2({ classes: 10, widthMultiplier: 0.35, size: 28, rng: new Rng(77) });
  quantize(net, { method: 'lsq', weightBits: 8, activationBits: 8, perChannel: true });
  const rng = new Rng(5);
  const x = Float32Array.from({ length: 8 * 28 * 28 }, () => rng.normal() * 1.2 - 0.2);
  calibrateLsqMinMax(net, [{ x, shape: [8, 1, 28, 28] }]);
  net.eval();
  const model = convertToInteger(net, { inputShape: [1, 28, 28] });
  const fast = new IntegerRuntime(model);
  const kinds = [...(fast as unknown as { layouts: Map<number, { kind: string }> }).layouts.values()].map((l) => l.kind);
  t.ok(kinds.filter((k) => k === 'pair-rows').length >= 10, `${kinds.filter((k) => k === 'pair-rows').length} tensors as image-pair rows`);
  t.ok(kinds.includes('pairs'), 'and image-pair planes');
  // The last pointwise conv sums straight into the global pooling: its output is not stored,
  // and the pooled codes after it (compared below) carry its sums.
  t.equal(kinds.filter((k) => k === 'pooled').length, 1, 'one conv output summed into the pooling');
  for (const batch of [5, 2, 1]) {
    const xb = x.subarray(0, batch * 28 * 28);
    const got = fast.run(xb, batch);
    const ref = new IntegerRuntime(model, { kernels: 'reference' });
    t.same([...got], [...ref.run(xb, batch)], `batch ${batch}: logits equal the reference kernels'`);
    let bad = 0;
    for (const op of model.ops) {
      if (op.op === 'reshape' || !fast.stored(op.output)) continue;
      const a = fast.tensorData(op.output, batch);
      const b = ref.tensorData(op.output, batch);
      if (a.length !== b.length || a.some((v, i) => v !== b[i])) bad++;
    }
    t.equal(bad, 0, `batch ${batch}: every tensor equals the reference kernels'`);
  }
});
