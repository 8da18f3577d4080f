// The model file: every weight packing width survives the round trip (LSQ 2..8 bits as int2,
// int4, int8 and offset indices; DDQ 1..8 bits as indices with codebooks, per layer and per
// channel), the stored bits are exactly rows·cols·bits, the size is within 5% of packed bits
// plus metadata, and damaged files are refused with clear messages: foreign, truncated,
// corrupted, future version, trailing bytes, structurally invalid. Saving is atomic.
import t from 'tap';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createHash } from 'crypto';
import { Rng } from '../../src/tensor/rng';
import { Tensor } from '../../src/tensor/tensor';
import { noGrad } from '../../src/autograd/grad-mode';
import { mlp } from '../../nets/mlp';
import { quantize, type QuantizeConfig } from '../../src/quant/quantize';
import { encodeCheckpoint } from '../../src/io/checkpoint';
import { convertToInteger } from '../../src/deploy/convert';
import { IntegerRuntime, decodeWeights } from '../../src/deploy/integer-runtime';
import { decodeModel, encodeModel, loadModel, saveModel, MODEL_FORMAT_VERSION } from '../../src/deploy/model-file';
import { modelSize } from '../../src/deploy/model-size';
import type { IntegerModel, LinearOp } from '../../src/deploy/int-graph';

/** An MLP on [3, 2, 2] inputs with one linear layer per bit width (names '1', '3', '5', ...). */
function widthsModel(config: QuantizeConfig, bits: number[], seed: number): IntegerModel {
  const rng = new Rng(seed);
  const net = mlp({ inputSize: 12, hidden: bits.slice(0, -1).map(() => 10), classes: 3, rng });
  const overrides: Record<string, { weightBits: number }> = {};
  bits.forEach((b, i) => (overrides[String(2 * i + 1)] = { weightBits: b }));
  quantize(net, { ...config, overrides, activationBits: 8 });
  const x = Tensor.zeros([16, 3, 2, 2]);
  rng.fillNormal(x.data as Float32Array);
  net.train();
  noGrad(() => net.forward(x)); // initialises every range
  return convertToInteger(net, { inputShape: [3, 2, 2] });
}

/** The model with typed arrays as tagged plain arrays, for deep comparison. */
function plain(model: IntegerModel): unknown {
  return JSON.parse(JSON.stringify(model, (_k, v) => (ArrayBuffer.isView(v) ? { [v.constructor.name]: Array.from(v as unknown as ArrayLike<number>) } : v)));
}

const cases: [string, QuantizeConfig, number[], Record<number, string>][] = [
  ['LSQ', { method: 'lsq' }, [2, 3, 4, 5, 6, 7, 8], { 2: 'int2', 3: 'indices', 4: 'int4', 5: 'indices', 6: 'indices', 7: 'indices', 8: 'int8' }],
  ['LSQ per channel', { method: 'lsq', perChannel: true }, [2, 4, 8, 3], { 2: 'int2', 4: 'int4', 8: 'int8', 3: 'indices' }],
  ['DDQ', { method: 'ddq-fixed' }, [1, 2, 3, 4, 5, 6, 7, 8], {}],
  ['DDQ per channel', { method: 'ddq-fixed', perChannel: true }, [1, 3, 8, 5], {}],
];

t.test('every packing width round-trips through the file, bit for bit', async (t) => {
  const rng = new Rng(7);
  const x = Float32Array.from({ length: 5 * 12 }, () => rng.normal());
  for (const [label, config, bits, formats] of cases) {
    const model = widthsModel(config, bits, bits.length);
    const linears = model.ops.filter((o): o is LinearOp => o.op === 'linear');
    t.same(linears.map((o) => o.weights.bits), bits, `${label}: one layer per width`);
    for (const op of linears) {
      const w = op.weights;
      t.equal(w.format, formats[w.bits] ?? 'indices', `${label} ${w.bits} bits: format`);
      t.equal(w.data.length, Math.ceil((w.rows * w.cols * w.bits) / 8), `${label} ${w.bits} bits: ${w.data.length} bytes for ${w.rows}x${w.cols}`);
      if (config.method !== 'lsq') t.equal(w.codebook!.length, w.groups << w.bits, `${label} ${w.bits} bits: codebook`);
    }
    const bytes = encodeModel(model);
    const back = decodeModel(bytes, label);
    t.same(plain(back), plain(model), `${label}: decoded model equals the original`);
    for (let i = 0; i < linears.length; i++) {
      const op = back.ops.filter((o): o is LinearOp => o.op === 'linear')[i];
      t.same([...decodeWeights(op.weights)], [...decodeWeights(linears[i].weights)], `${label} ${op.weights.bits} bits: weights`);
    }
    const want = new IntegerRuntime(model).run(x, 5);
    t.same([...new IntegerRuntime(back).run(x, 5)], [...want], `${label}: same logits after the round trip`);
    const size = modelSize(back, bytes);
    t.ok(size.overheadRatio <= 1.05, `${label}: file ${size.fileBytes} bytes = ${size.overheadRatio.toFixed(4)} x (packed bits + metadata)`);
    t.equal(size.weightBits, linears.reduce((s, o) => s + o.weights.rows * o.weights.cols * o.weights.bits, 0));
  }
});

t.test('LSQ weights in the file are exactly the trained quantizer values (in NHWC column order)', async (t) => {
  const rng = new Rng(3);
  const net = mlp({ inputSize: 12, hidden: [6], classes: 3, rng });
  quantize(net, { method: 'lsq', weightBits: 4, firstLayerBits: 4, lastLayerBits: 4, activationBits: 8 });
  net.train();
  noGrad(() => net.forward(Tensor.fromArray(Array.from({ length: 4 }, () => Array.from({ length: 12 }, () => rng.normal()))).reshape([4, 3, 2, 2])));
  const model = decodeModel(encodeModel(convertToInteger(net, { inputShape: [3, 2, 2] })));
  const op = model.ops.find((o): o is LinearOp => o.op === 'linear')!;
  const values = decodeWeights(op.weights);
  const fq = (net.layers[1] as unknown as { quantizedWeight(): Tensor }).quantizedWeight();
  // Column j of the file is input feature (y, x, c) = NCHW feature (c, y, x) of the float layer.
  let worst = 0;
  for (let o = 0; o < 6; o++) {
    for (let c = 0; c < 3; c++) for (let y = 0; y < 2; y++) for (let xx = 0; xx < 2; xx++) {
      const file = values[o * 12 + (y * 2 + xx) * 3 + c] * op.weights.scale[0];
      worst = Math.max(worst, Math.abs(file - fq.data[o * 12 + (c * 2 + y) * 2 + xx]));
    }
  }
  t.ok(worst < 1e-6, `largest difference ${worst}`);
});

t.test('damaged or foreign files are refused with a clear message', async (t) => {
  const good = Buffer.from(encodeModel(widthsModel({ method: 'lsq' }, [4, 8], 1)));
  const reject = (bytes: Uint8Array, pattern: RegExp, what: string) => t.throws(() => decodeModel(bytes, 'm.ddqm'), pattern, what);
  reject(Buffer.alloc(0), /not a ddq integer model file/, 'empty');
  reject(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(24)]), /not a ddq integer model file \(starts with bytes 89504e470d0a1a0a/, 'a PNG');
  reject(encodeCheckpoint({ meta: null, tensors: new Map() }), /not a ddq integer model file/, 'a checkpoint');
  for (const cut of [5, 19, 30, good.length >> 1, good.length - 1]) reject(good.subarray(0, cut), /truncated/, `truncated at ${cut}`);
  reject(Buffer.concat([good, Buffer.from([0])]), /1 unexpected bytes after the end/, 'trailing byte');
  for (const at of [40, good.length - 100, good.length - 5]) {
    const bad = Buffer.from(good);
    bad[at] ^= 0x10;
    reject(bad, /checksum mismatch: the file is corrupted/, `flipped bit at ${at}`);
  }
  const future = Buffer.from(good);
  future.writeUInt32LE(MODEL_FORMAT_VERSION + 1, 8);
  reject(future, new RegExp(`format version ${MODEL_FORMAT_VERSION + 1} is newer than this ddq-ts reads \\(version ${MODEL_FORMAT_VERSION}\\)`), 'future version');
  // A valid checksum over an inconsistent model: validation names the op.
  const H = good.readUInt32LE(12);
  const header = JSON.parse(good.subarray(20, 20 + H).toString('utf8'));
  const linear = header.model.ops.findIndex((o: { op: string }) => o.op === 'linear');
  header.model.ops[linear].weights.cols += 1;
  const text = Buffer.from(JSON.stringify(header), 'utf8');
  const body = Buffer.concat([good.subarray(0, 20), text, good.subarray(20 + H, good.length - 32)]);
  body.writeUInt32LE(text.length, 12);
  const forged = Buffer.concat([body, createHash('sha256').update(body).digest()]);
  reject(forged, new RegExp(`invalid model: model: op ${linear} \\(linear '1'\\): weights are \\d+x13, the geometry needs \\d+x12`), 'inconsistent op');
  t.throws(() => loadModel(path.join(os.tmpdir(), 'no-such-model.ddqm')), /loadModel: cannot read .*no-such-model.ddqm: no such file/);
});

t.test('saveModel writes atomically and never writes an invalid model', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddq-model-'));
  const file = path.join(dir, 'model.ddqm');
  const model = widthsModel({ method: 'lsq' }, [4, 8], 2);
  const bytes = saveModel(file, model);
  t.equal(fs.statSync(file).size, bytes);
  t.same(plain(loadModel(file)), plain(model));
  const broken = { ...model, output: { ...model.output, scale: -1 } };
  t.throws(() => saveModel(file, broken), /encodeModel: output scale must be positive/);
  t.same(plain(loadModel(file)), plain(model), 'the good file is still there');
  t.same(fs.readdirSync(dir), ['model.ddqm'], 'no temporary files left behind');
  fs.rmSync(dir, { recursive: true });
});
