// Per-op times of integer model files side by side (fastest of 25 runs, batch 64, ms) and each
// op output's layout: which op a runtime change moved.
//   node bin/ddq.js export <run>/checkpoint.ddq a.ddqm   (one file per variant)
//   npx ts-node --transpile-only bench/int-op-times.ts a.ddqm b.ddqm
import * as fs from 'fs';
import { decodeModel } from '../src/deploy/model-file';
import { IntegerRuntime } from '../src/deploy/integer-runtime';
const files = process.argv.slice(2);
const rts = files.map((f) => new IntegerRuntime(decodeModel(fs.readFileSync(f), f)));
const B = 64;
const x = new Float32Array(B * rts[0].inputSize).map((_, i) => Math.sin(i * 0.37) * 1.5);
const times = rts.map((rt) => new Float64Array(rt.model.ops.length).fill(Infinity));
for (let r = 0; r < 25; r++) rts.forEach((rt, k) => {
  rt.run(x, B);
  const steps = (rt as any).steps as ((b: number, x: Float32Array) => void)[];
  steps.forEach((s, i) => { const t0 = process.hrtime.bigint(); s(B, x); times[k][i] = Math.min(times[k][i], Number(process.hrtime.bigint() - t0) / 1e6); });
});
const ops = rts[0].model.ops;
ops.forEach((o, i) => {
  const n = 'name' in o ? (o as any).name : o.op;
  console.log(`${String(i).padStart(3)} ${o.op.padEnd(16)} ${String(n).padEnd(14)} ${times.map((t) => t[i].toFixed(3).padStart(7)).join(' ')}  ${rts.map(rt => ((rt as any).layouts.get((rt.model.ops[i] as any).output)?.kind ?? 'nhwc')).join(' ')}`);
});
console.log('total', times.map((t) => t.reduce((a, b) => a + b, 0).toFixed(2)).join(' '));
