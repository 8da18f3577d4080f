// The clamp-free stage (clamp-free-stage.ts) equals requantizeChannelsReference on every raw sum
// of the declared range (ends included, and a sweep through the middle), or declines: random
// plans with negative multipliers, shifts from -13 to 3, small to huge reachable ranges, int32
// outputs narrowed to the reachable range (nothing clamps: prepared) and uint8 outputs whose
// ReLU clamps (declined, never wrong).
import t from 'tap';
import { Rng } from '../../../src/tensor/rng';
import { requantizeChannelsReference, type RequantizeChannelsParams } from '../../../kernels/int/requantize-channels-reference';
import { prepareRequantizeChannels } from '../../../kernels/int/requantize-channels';
import { reachableRange } from '../../../kernels/int/reachable-range';
import { prepareClampFreeStage } from '../../../kernels/int/clamp-free-stage';

const MAX = 2147483647;

t.test('clamp-free stage = reference output stage over the whole reachable range, or declined', async (t) => {
  const rng = new Rng(4242);
  let prepared = 0;
  let declined = 0;
  for (let c = 0; c < 300; c++) {
    const C = rng.int(1, 5);
    const span = [255 * 8, 255 * 300, 255 * 4000, 2 ** 24][c % 4];
    const sMin = Float64Array.from({ length: C }, () => -rng.int(0, span));
    const sMax = Float64Array.from({ length: C }, () => rng.int(0, span));
    const wide = c % 3 !== 2;
    let p: RequantizeChannelsParams = {
      bias: Int32Array.from({ length: C }, () => rng.int(-30000, 30000)),
      multiplier: Int32Array.from({ length: C }, () => (rng.int(0, 4) ? 1 : -1) * rng.int(1 << 30, MAX)),
      shift: Int32Array.from({ length: C }, () => rng.int(-13, 4)),
      fraction: Int32Array.from({ length: C }, () => rng.int(-32768, 32769)),
      offset: Int32Array.from({ length: C }, () => rng.int(-200, 200)),
      qmin: wide ? -MAX : 0,
      qmax: wide ? MAX : 255,
    };
    if (wide) {
      // Narrowed to what is reachable (as the runtime does), so nothing clamps.
      const bound = Float64Array.from({ length: C }, (_, j) => Math.max(-sMin[j], sMax[j]));
      p = { ...p, ...reachableRange(C, p, bound) };
    }
    const plan = prepareRequantizeChannels(C, p, wide ? 'int32' : 'uint8');
    const stage = prepareClampFreeStage(plan, Float64Array.from(p.bias), sMin, sMax);
    if (!stage) {
      declined++;
      continue;
    }
    prepared++;
    for (let j = 0; j < C; j++) {
      const sums: number[] = [sMin[j], sMax[j], 0];
      for (let q = 0; q < 200; q++) sums.push(Math.round(sMin[j] + ((sMax[j] - sMin[j]) * q) / 199));
      let bad = 0;
      for (const s of sums) {
        const acc = new Int32Array(C);
        acc[j] = s;
        const want = wide ? new Int32Array(C) : new Uint8Array(C);
        requantizeChannelsReference(1, C, acc, p, want);
        if (((s * plan.scale[j] + stage.constant[j]) | 0) + stage.base !== want[j]) bad++;
      }
      if (bad > 0) t.fail(`case ${c} channel ${j}: ${bad} sums differ (shift ${p.shift[j]}, range [${sMin[j]}, ${sMax[j]}])`);
    }
  }
  t.ok(prepared >= 60, `${prepared} stages prepared`);
  t.ok(declined >= 50, `${declined} declined`);
});
