// fp32 inference of the small MobileNetV2 (width 0.35, 28x28x1, 10 classes) at batch 64: our
// eval-mode forward under noGrad (batch norm fused with its ReLU6, 1x1 convolutions as one
// batched GEMM per layer, direct depthwise loops) against ONNX Runtime Web fp32 (wasm, one
// thread, batch norm folded into the convolutions by bench/onnx) on the same weights, checked
// equal before timing. Also the training-mode forward (tape recorded, batch statistics) of the
// same net, for scale. Timing: interleaved rounds (the machine is shared), median and best round.
// (A whole training step is bench/train-step.bench.ts; here its garbage would be collected during
// the next contender's turn.)
import { mobilenetv2 } from '../nets/mobilenetv2';
import { noGrad } from '../src/autograd/grad-mode';
import { Rng } from '../src/tensor/rng';
import { Tensor } from '../src/tensor/tensor';
import { calibrateBatchNorm } from './onnx/calibrate-batch-norm';
import { exportFp32Onnx } from './onnx/export-fp32';
import { foldModel } from './onnx/fold-model';
import { ortRun, ortSession, ortVersion } from './onnx/ort-wasm';
import { Contender, pairedRatio, summarize, timeInterleaved } from './onnx/time-interleaved';
import { fmtRatio, fmtSeconds, markdownTable, writeReport } from './harness';

const BATCH = 64;
const INPUT = [1, 28, 28];
const ROUNDS = 9;
const REPS = 3;

export async function run(): Promise<void> {
  const rng = new Rng(21);
  const model = mobilenetv2({ classes: 10, widthMultiplier: 0.35, size: 28, rng });
  const shape = [BATCH, ...INPUT];
  const batch = () => {
    const x = new Float32Array(BATCH * 28 * 28);
    rng.fillUniform(x, 0, 1);
    return { x, shape };
  };
  // Non-trivial running statistics (speed does not depend on the values; the check does).
  calibrateBatchNorm(model, [batch(), batch(), batch()]);
  model.eval();
  const x = batch().x;
  const input = new Tensor(x, shape);
  const oursEval = () => noGrad(() => model.forward(input)).data as Float32Array;

  const session = await ortSession(exportFp32Onnx(foldModel(model, INPUT)));
  const ours = oursEval();
  const theirs = await ortRun(session, x, shape);
  let scale = 1;
  let diff = 0;
  for (let i = 0; i < ours.length; i++) {
    scale = Math.max(scale, Math.abs(ours[i]));
    diff = Math.max(diff, Math.abs(ours[i] - theirs[i]));
  }
  if (!(diff <= 1e-4 * scale)) throw new Error(`inference bench: ORT fp32 differs from our eval forward by ${diff} (logits up to ${scale})`);

  // Training-mode forward (tape recorded, batch statistics) of a copy, for scale.
  const trained = mobilenetv2({ classes: 10, widthMultiplier: 0.35, size: 28, rng: new Rng(21) });
  const trainForward = () => trained.forward(input);

  const contenders: Contender[] = [
    { name: 'ours fp32, eval forward (noGrad)', run: oursEval },
    { name: 'ORT fp32 (wasm, 1 thread)', run: () => ortRun(session, x, shape) },
    { name: 'ours fp32, training-mode forward (tape)', run: trainForward },
  ];
  const { rounds } = await timeInterleaved(contenders, { warmup: 2, rounds: ROUNDS, reps: REPS });
  const base = rounds.get(contenders[0].name)!;
  const ort = rounds.get(contenders[1].name)!;
  const rows = contenders.map((c) => {
    const s = summarize(c.name, rounds.get(c.name)!);
    const r = (vs: number[]) => {
      const p = pairedRatio(rounds.get(c.name)!, vs);
      return `${fmtRatio(p.median)} (${fmtRatio(p.min)}..${fmtRatio(p.max)})`;
    };
    return [c.name, fmtSeconds(s.seconds), fmtSeconds(s.best), (BATCH / s.seconds).toFixed(0), r(base), r(ort)];
  });
  writeReport('inference', 'fp32 inference of the small MobileNetV2', [
    `MobileNetV2 (small stages, width 0.35) on ${INPUT.join('x')} inputs, batch ${BATCH}, one thread. Ours: \`model.forward\` ` +
      `in eval mode inside \`noGrad\`. ORT: onnxruntime-web ${ortVersion()} fp32, wasm backend, numThreads 1, graph ` +
      'optimization "all", on the model exported by bench/onnx (batch norm folded into the convolutions); its call ' +
      `includes creating the input tensor and reading the output. Logits checked equal first (max difference ` +
      `${diff.toExponential(1)}, logits up to ${scale.toFixed(1)}).`,
    '',
    `Timing: ${REPS} back-to-back calls per contender per round, ${ROUNDS} interleaved rounds after 2 warm-up calls; ` +
      'time = median round (best beside it). Ratios per round (paired), median (range): the row\'s time over the ' +
      'column\'s (below 1: faster).',
    '',
    markdownTable(['what', 'time / batch', 'best', 'images/s', 'vs ours eval', 'vs ORT fp32'], rows),
  ].join('\n'));
  await session.release();
}
