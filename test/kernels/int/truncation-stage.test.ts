// The truncation stage (truncation-stage.ts) equals requantizeChannelsReference on every raw sum
// of the declared range (ends included, and a sweep through the middle), or declines: random
// plans with narrow and int32 ranges, negative multipliers, shifts from -13 to 3, large and
// small reachable ranges (tables up to the size limit, clamp-free int32 outputs), and sums
// whose index would leave the exact range (refused, never wrong).
import t from 'tap';
import { Rng } from '../../../src/tensor/rng';
import { requantizeChannelsReference, type RequantizeChannelsParams } from '../../../kernels/int/requantize-channels-reference';
import { prepareRequantizeChannels } from '../../../kernels/int/requantize-channels';
import { reachableRange } from '../../../kernels/int/reachable-range';
import { prepareTruncationStage } from '../../../kernels/int/truncation-stage';

const MAX = 2147483647;

t.test('truncation stage = reference output stage over the whole reachable range', async (t) => {
  const rng = new Rng(4242);
  let prepared = 0;
  let free = 0;
  let declined = 0;
  for (let c = 0; c < 300; c++) {
    const C = rng.int(1, 5);
    const span = [255 * 8, 255 * 300, 255 * 4000, 2 ** 24][c % 4];
    const sMin = Float64Array.from({ length: C }, () => -rng.int(0, span));
    const sMax = Float64Array.from({ length: C }, () => rng.int(0, span));
    let p: RequantizeChannelsParams = {
      bias: Int32Array.from({ length: C }, () => rng.int(-30000, 30000)),
      multiplier: Int32Array.from({ length: C }, () => (rng.int(0, 4) ? 1 : -1) * rng.int(1 << 30, MAX)),
      shift: Int32Array.from({ length: C }, () => rng.int(-13, 4)),
      fraction: Int32Array.from({ length: C }, () => rng.int(-32768, 32769)),
      offset: Int32Array.from({ length: C }, () => rng.int(-200, 200)),
      qmin: c % 3 === 2 ? -MAX : 0,
      qmax: c % 3 === 2 ? MAX : 255,
    };
    const wide = c % 3 === 2;
    if (wide) {
      // Narrowed to what is reachable (as the runtime does), so nothing clamps.
      const bound = Float64Array.from({ length: C }, (_, j) => Math.max(-sMin[j], sMax[j]));
      p = { ...p, ...reachableRange(C, p, bound) };
    }
    const plan = prepareRequantizeChannels(C, p, wide ? 'int32' : 'uint8');
    const bias = Float64Array.from(p.bias);
    const stage = prepareTruncationStage(plan, bias, sMin, sMax);
    if (!stage) {
      declined++;
      continue;
    }
    prepared++;
    if (stage.clampFree) free++;
    for (let j = 0; j < C; j++) {
      const sums: number[] = [sMin[j], sMax[j], 0];
      for (let q = 0; q < 200; q++) sums.push(Math.round(sMin[j] + ((sMax[j] - sMin[j]) * q) / 199));
      let bad = 0;
      for (const s of sums) {
        const acc = new Int32Array(C);
        acc[j] = s;
        const want = wide ? new Int32Array(C) : new Uint8Array(C);
        requantizeChannelsReference(1, C, acc, p, want);
        const i = (s * plan.scale[j] + stage.constant[j]) | 0;
        const got = stage.clampFree ? i + stage.base : stage.codes[i];
        if (got !== want[j]) bad++;
      }
      if (bad > 0) t.fail(`case ${c} channel ${j}: ${bad} sums differ (shift ${p.shift[j]}, range [${sMin[j]}, ${sMax[j]}])`);
    }
  }
  t.ok(prepared >= 100, `${prepared} stages prepared`);
  t.ok(free >= 20, `${free} of them clamp-free`);
  t.ok(declined >= 10, `${declined} declined`);
});
