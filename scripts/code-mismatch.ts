// Where the integer model departs from the fake-quant one: per quantized layer, the share of its
// input codes that differ, and top-1 agreement, on the first n test images of a run's data set.
//   npx ts-node --transpile-only scripts/code-mismatch.ts runs/main/ddq [n = 500]
// (Uses the agreement tests' comparison, test/deploy/small-models.ts.)
import { loadQuantizedRun } from '../src/cli/export-command';
import { convertToInteger } from '../src/deploy/convert';
import { loadDataset } from '../datasets';
import { DataLoader } from '../datasets/loader';
import { compare } from '../test/deploy/small-models';
const run = process.argv[2];
const n = Number(process.argv[3] ?? 500);
const { model, config } = loadQuantizedRun(run);
const { data } = config;
const im = convertToInteger(model, { inputShape: [data.channels, data.height, data.width], mean: data.mean, std: data.std });
const test = loadDataset(config.settings.dataset as string, {}).test;
const loader = new DataLoader({ ...test, mean: data.mean, std: data.std }, { batchSize: n, shuffle: false });
const b = loader[Symbol.iterator]().next().value!;
const c = compare(model, im, { x: b.x.data as Float32Array, y: new Uint8Array(b.y), count: n, shape: [data.channels, data.height, data.width] });
console.log(`agree ${c.agree}/${c.total}`);
for (const [name, s] of c.codeMismatch) console.log(name.padEnd(40), (100 * s).toFixed(3) + '%');
