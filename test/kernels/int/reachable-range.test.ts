// reachableRange: clamping to the narrowed range gives the reference output for every
// accumulator within the bound (sampled at the ends and inside), for both multiplier signs;
// the range really narrows; accumulators that could wrap int32 keep the declared range.
import t from 'tap';
import { Rng } from '../../../src/tensor/rng';
import { rescaleWithFraction, type RequantizeChannelsParams } from '../../../kernels/int/requantize-channels-reference';
import { reachableRange } from '../../../kernels/int/reachable-range';

const MAX = 2147483647;

t.test('clamping to the reachable range changes no reachable output', async (t) => {
  const rng = new Rng(91);
  let bad = 0;
  for (let trial = 0; trial < 60; trial++) {
    const C = rng.int(1, 9);
    const wide = trial % 3 !== 0;
    const p: RequantizeChannelsParams = {
      bias: Int32Array.from({ length: C }, () => rng.int(-50000, 50000)),
      multiplier: Int32Array.from({ length: C }, () => (rng.int(0, 3) ? 1 : -1) * rng.int(1 << 30, MAX)),
      shift: Int32Array.from({ length: C }, () => rng.int(-12, 8)),
      fraction: Int32Array.from({ length: C }, () => rng.int(-32768, 32769)),
      offset: Int32Array.from({ length: C }, () => rng.int(-200, 200)),
      qmin: wide ? -MAX : rng.int(-100, 0),
      qmax: wide ? MAX : rng.int(0, 300),
    };
    const bound = Float64Array.from({ length: C }, () => rng.int(0, 400000));
    const r = reachableRange(C, p, bound);
    t.ok(r.qmin >= p.qmin && r.qmax <= p.qmax && r.qmin <= r.qmax, `trial ${trial}: [${r.qmin}, ${r.qmax}] within [${p.qmin}, ${p.qmax}]`);
    if (wide) t.ok(r.qmax - r.qmin < 2 ** 30, `trial ${trial}: narrowed to [${r.qmin}, ${r.qmax}]`);
    for (let j = 0; j < C; j++) {
      for (let s = 0; s < 40; s++) {
        const acc = s === 0 ? -bound[j] : s === 1 ? bound[j] : rng.int(-bound[j], bound[j] + 1);
        const v = rescaleWithFraction(acc + p.bias[j], p.multiplier[j], p.shift[j], p.fraction[j]) + p.offset[j];
        const want = Math.min(p.qmax, Math.max(p.qmin, v));
        const got = Math.min(r.qmax, Math.max(r.qmin, v));
        if (got !== want) bad++;
      }
    }
  }
  t.equal(bad, 0, 'no sampled output changed');
});

t.test('bounds that could wrap int32 keep the declared range', async (t) => {
  const p: RequantizeChannelsParams = {
    bias: Int32Array.of(2000000000), multiplier: Int32Array.of(1 << 30), shift: Int32Array.of(0), fraction: Int32Array.of(0), offset: Int32Array.of(0), qmin: -MAX, qmax: MAX,
  };
  t.same(reachableRange(1, p, [200000000]), { qmin: -MAX, qmax: MAX });
  t.same(reachableRange(1, p, [1000]), { qmin: 1000000000 - 500, qmax: 1000000000 + 500 });
});
