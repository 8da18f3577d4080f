// Integer-only inference (src/deploy) of the small MobileNetV2 against our own fp32 inference of
// the same architecture, batch 64, 28x28x1, in the same run. The fp32 side is the training
// framework's forward pass in eval mode without a tape (noGrad); the integer side is the model
// file's runtime (fast kernels), for LSQ and DDQ 4-bit weights with 8-bit activations, on one
// thread and split over two (ThreadedRuntime). Quantizer ranges come from one calibration batch
// (speed does not depend on trained values). The machines are shared and loaded, so each round
// times fp32 and then every integer variant back to back, and the reported ratio is the median
// of the per-round ratios (with their range). Target (issue 7): >= 1.5x fp32.
// Before timing, the fast kernels are checked bit-exact against the reference kernels.
import { mobilenetv2 } from '../nets/mobilenetv2';
import { Rng } from '../src/tensor/rng';
import { Tensor } from '../src/tensor/tensor';
import { noGrad } from '../src/autograd/grad-mode';
import { quantize, type QuantizeConfig } from '../src/quant/quantize';
import { convertToInteger } from '../src/deploy/convert';
import { IntegerRuntime } from '../src/deploy/integer-runtime';
import { ThreadedRuntime } from '../src/deploy/threaded-runtime';
import { modelSize } from '../src/deploy/model-size';
import { fmtRatio, fmtSeconds, markdownTable, measure, writeReport } from './harness';

const BATCH = 64;
const ROUNDS = 5;
const TARGET = 1.5;

function integerModel(config: QuantizeConfig, x: Tensor) {
  const net = mobilenetv2({ classes: 10, widthMultiplier: 0.35, rng: new Rng(1) });
  quantize(net, { ...config, inputShape: [1, 28, 28] });
  net.train();
  noGrad(() => net.forward(x)); // calibration: initialises every quantizer's range
  return convertToInteger(net.eval(), { inputShape: [1, 28, 28] });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export function run(): void {
  const rng = new Rng(2);
  const x = Tensor.zeros([BATCH, 1, 28, 28]);
  rng.fillNormal(x.data as Float32Array);
  const xs = x.data as Float32Array;
  const fp32 = mobilenetv2({ classes: 10, widthMultiplier: 0.35, rng: new Rng(1) }).eval();

  const lsq = integerModel({ method: 'lsq', weightBits: 4, activationBits: 8 }, x);
  const ddq = integerModel({ method: 'ddq-fixed', weightBits: 4, activationBits: 8 }, x);
  for (const [name, model] of [['LSQ', lsq], ['DDQ', ddq]] as const) {
    const fast = new IntegerRuntime(model).run(xs, 2);
    const ref = new IntegerRuntime(model, { kernels: 'reference' }).run(xs, 2);
    if (!fast.every((v, i) => v === ref[i])) throw new Error(`deploy bench: ${name} fast kernels differ from the reference kernels`);
  }
  const threaded = new ThreadedRuntime(lsq, { threads: 2 });
  threaded.warmUp();
  const variants: { name: string; fn: () => void }[] = [
    { name: 'integer, LSQ W4A8, 1 thread', fn: (() => { const r = new IntegerRuntime(lsq); return () => r.run(xs, BATCH); })() },
    { name: 'integer, DDQ W4A8 (int8 codebooks), 1 thread', fn: (() => { const r = new IntegerRuntime(ddq); return () => r.run(xs, BATCH); })() },
    { name: 'integer, LSQ W4A8, 2 threads', fn: () => threaded.run(xs, BATCH) },
  ];
  const fpTimes: number[] = [];
  const times = variants.map(() => [] as number[]);
  const ratios = variants.map(() => [] as number[]);
  for (let round = 0; round < ROUNDS; round++) {
    const f = measure('fp32', () => noGrad(() => fp32.forward(x)), { maxTime: 1.5 }).seconds;
    fpTimes.push(f);
    variants.forEach((v, i) => {
      const s = measure(v.name, v.fn, { maxTime: 1.5 }).seconds;
      times[i].push(s);
      ratios[i].push(f / s);
    });
  }
  threaded.close();

  const fpMedian = median(fpTimes);
  const rows = [
    ['fp32 (eval, noGrad), 1 thread', fmtSeconds(fpMedian), (BATCH / fpMedian).toFixed(0), '1.00x', '', ''],
    ...variants.map((v, i) => {
      const r = median(ratios[i]);
      const target = i === 0 || i === 2 ? (r >= TARGET ? `>= ${TARGET}x: met` : `>= ${TARGET}x: missed`) : '';
      return [v.name, fmtSeconds(median(times[i])), (BATCH / median(times[i])).toFixed(0), fmtRatio(r), target, `${fmtRatio(Math.min(...ratios[i]))}..${fmtRatio(Math.max(...ratios[i]))}`];
    }),
  ];
  const size = (m: typeof lsq) => {
    const s = modelSize(m);
    return `${s.fileBytes} bytes (${s.averageWeightBits.toFixed(2)} bits/weight; packed weights ${s.packedWeightBytes}, per-channel parameters and codebooks ${s.parameterBytes}, header ${s.headerBytes}); ` +
      `file / (packed bits + metadata) = ${s.overheadRatio.toFixed(4)}; fp32 (batch norm folded) ${s.fp32Bytes} bytes = ${(s.fp32Bytes / s.fileBytes).toFixed(2)}x the file`;
  };
  const body = [
    `MobileNetV2 (width 0.35, small-input stages) on 28x28x1, batch ${BATCH}; time per batch (median of ${ROUNDS} rounds), images/s,`,
    'and the median over rounds of (fp32 time / integer time) measured back to back. The fast integer kernels were',
    'checked bit-exact against the reference kernels first. Two threads split the batch between the calling thread',
    'and a worker (bit-identical results); on a loaded shared machine the second core may not be free.',
    '',
    markdownTable(['inference', 'time', 'images/s', 'vs fp32', 'target', 'ratio range'], rows),
    '',
    `Model files: LSQ ${size(lsq)}.`,
    `DDQ ${size(ddq)}.`,
  ].join('\n');
  writeReport('deploy', 'Integer-only inference vs our fp32 inference', body);
}
