// The hand-written protobuf encoder against protobufjs (an independent implementation, present
// as a dependency of onnxruntime-web): same bytes for every wire type the ONNX exporter uses.
import t from 'tap';
import * as protobuf from 'protobufjs/minimal';
import { ProtobufWriter } from '../../bench/onnx/protobuf-writer';
import { encodeOnnxModel, OnnxDataType } from '../../bench/onnx/encode-onnx-model';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

t.test('varints match protobufjs int64 encoding, including negatives and values above 2^32', async (t) => {
  const values = [0, 1, 127, 128, 300, 16383, 16384, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32 + 5, 2 ** 53 - 1,
    -1, -5, -128, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 32), -(2 ** 53 - 1)];
  for (const v of values) {
    const ours = new ProtobufWriter().varint(3, v).finish();
    const ref = protobuf.Writer.create().uint32((3 << 3) | 0).int64(v).finish();
    t.equal(hex(ours), hex(ref), `varint ${v}`);
  }
});

t.test('floats, strings, bytes, packed fields and nested messages match protobufjs', async (t) => {
  const bytes = Uint8Array.from([0, 1, 2, 250, 255]);
  const ours = new ProtobufWriter()
    .float(2, -1.5e-3)
    .string(4, 'Conv ü')
    .bytes(9, bytes)
    .packedVarints(8, [1, 300, 0, 2 ** 40])
    .packedFloats(7, [0.5, -2, 3.25])
    .message(7, (w) => w.varint(1, 13).string(2, 'x'))
    .finish();
  const ref = protobuf.Writer.create();
  ref.uint32((2 << 3) | 5).float(-1.5e-3);
  ref.uint32((4 << 3) | 2).string('Conv ü');
  ref.uint32((9 << 3) | 2).bytes(bytes);
  ref.uint32((8 << 3) | 2).fork().int64(1).int64(300).int64(0).int64(2 ** 40).ldelim();
  ref.uint32((7 << 3) | 2).fork().float(0.5).float(-2).float(3.25).ldelim();
  ref.uint32((7 << 3) | 2).fork().uint32((1 << 3) | 0).int64(13).uint32((2 << 3) | 2).string('x').ldelim();
  t.equal(hex(ours), hex(ref.finish()));
});

t.test('a growing buffer keeps earlier bytes', async (t) => {
  const w = new ProtobufWriter();
  const big = new Uint8Array(5000).map((_, i) => i % 251);
  w.varint(1, 7).bytes(2, big).varint(3, 9);
  const out = w.finish();
  t.equal(out.length, 2 + 3 + 5000 + 2);
  t.same([...out.subarray(5, 5005)], [...big]);
});

t.test('rejects values it cannot encode exactly and malformed tensors', async (t) => {
  t.throws(() => new ProtobufWriter().varint(1, 2 ** 60), /safe integer/);
  t.throws(() => new ProtobufWriter().varint(1, 1.5), /safe integer/);
  const model = (data: Float32Array | Int8Array) => ({
    irVersion: 7, opsets: [{ domain: '', version: 13 }], producerName: 't', producerVersion: '0',
    graph: { name: 'g', nodes: [], inputs: [], outputs: [], initializers: [{ name: 'w', dataType: OnnxDataType.FLOAT, dims: [2, 3], data }] },
  });
  t.throws(() => encodeOnnxModel(model(new Float32Array(5))), /tensor 'w' has 5 elements, dims \[2, 3\] need 6/);
  t.throws(() => encodeOnnxModel(model(new Int8Array(6))), /tensor 'w' of data type 1 needs a Float32Array, got Int8Array/);
});
