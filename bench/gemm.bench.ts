// Square float32 GEMM, single-threaded: our packed kernel vs tfjs-core's CPU backend vs the naive
// i-k-j loop, all measured in this process. Target (issue 3): at N=512, >= 6x tfjs and >= 4.5x
// the naive loop.
import { gemm } from '../kernels/gemm';
import { Rng } from '../src/tensor/rng';
import { fmtRatio, fmtSeconds, markdownTable, measure, measureSlow, Timing, writeReport } from './harness';
import { naiveGemm } from './naive-gemm';
import { tfjsCpu, tfjsMatMul } from './tfjs-peer';

const SIZES = [128, 256, 512, 1024];
/** The machine is shared: each size is measured in several interleaved rounds, best kept. */
const ROUNDS = 3;

function fastest(a: Timing | undefined, b: Timing): Timing {
  return a === undefined || b.seconds < a.seconds ? b : a;
}

function gflops(n: number, t: Timing): string {
  return ((2 * n * n * n) / t.seconds / 1e9).toFixed(2);
}

export async function run(): Promise<void> {
  await tfjsCpu();
  const rng = new Rng(42);
  const rows: string[][] = [];
  for (const n of SIZES) {
    const a = rng.fillUniform(new Float32Array(n * n), -1, 1);
    const b = rng.fillUniform(new Float32Array(n * n), -1, 1);
    const c = new Float32Array(n * n);
    const peer = tfjsMatMul(n, n, n, a, b);
    const tfMatMul = peer.run;
    // Both sides must compute the same product (checked once, untimed).
    gemm(n, n, n, a, b, c);
    const theirs = peer.result();
    let worst = 0;
    for (let i = 0; i < c.length; i++) worst = Math.max(worst, Math.abs(c[i] - theirs[i]));
    if (!(worst < 1e-3 * Math.sqrt(n))) throw new Error(`gemm bench: ours and tfjs differ by ${worst} at N=${n}`);
    let ours: Timing | undefined;
    let naive: Timing | undefined;
    let tfjs: Timing | undefined;
    for (let round = 0; round < ROUNDS; round++) {
      ours = fastest(ours, measure(`gemm ${n}`, () => gemm(n, n, n, a, b, c), { maxTime: n >= 1024 ? 3 : 1 }));
      // The slow ones are timed a fixed number of times (seconds per call at the large sizes).
      naive = fastest(naive, n >= 512 ? measureSlow(`naive ${n}`, () => naiveGemm(n, n, n, a, b, c), n >= 1024 ? 1 : 3)
        : measure(`naive ${n}`, () => naiveGemm(n, n, n, a, b, c), { maxTime: 1 }));
      tfjs = fastest(tfjs, n >= 512 ? measureSlow(`tfjs ${n}`, tfMatMul, n >= 1024 ? 1 : 3) : measure(`tfjs ${n}`, tfMatMul, { maxTime: 1 }));
    }
    peer.dispose();
    if (!ours || !naive || !tfjs) throw new Error('gemm bench: nothing measured');
    rows.push([
      String(n),
      `${fmtSeconds(ours.seconds)} (${gflops(n, ours)})`,
      `${fmtSeconds(tfjs.seconds)} (${gflops(n, tfjs)})`,
      `${fmtSeconds(naive.seconds)} (${gflops(n, naive)})`,
      fmtRatio(tfjs.seconds / ours.seconds),
      fmtRatio(naive.seconds / ours.seconds),
    ]);
    console.log(rows[rows.length - 1].join(' | '));
  }
  const body =
    'Square float32 C = A·B, single-threaded; time per call (GFLOP/s). Ratios are speed-ups of ours. ' +
    `The machine is shared and noisy, so each size is measured in ${ROUNDS} interleaved rounds and the ` +
    'fastest mean of each implementation is kept.\n\n' +
    markdownTable(['N', 'ours', 'tfjs-cpu', 'naive i-k-j', 'vs tfjs', 'vs naive'], rows) +
    '\n\nTargets at N=512: >= 6x tfjs-cpu, >= 4.5x naive.';
  writeReport('gemm', 'GEMM: ours vs tfjs-core CPU vs naive loop', body);
}
