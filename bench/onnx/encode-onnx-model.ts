// The few ONNX messages the exporter writes, as plain objects, and their protobuf encoding.
// Field numbers and enum values are those of onnx/onnx.proto (proto2, the ONNX repository):
//   ModelProto:        ir_version 1, producer_name 2, producer_version 3, graph 7, opset_import 8
//   OperatorSetIdProto: domain 1, version 2
//   GraphProto:        node 1, name 2, initializer 5, input 11, output 12
//   NodeProto:         input 1, output 2, name 3, op_type 4, attribute 5, domain 7
//   AttributeProto:    name 1, f 2, i 3, ints 8, type 20 (FLOAT 1, INT 2, INTS 7)
//   TensorProto:       dims 1, data_type 2, name 8, raw_data 9 (little-endian, row-major)
//                      data types FLOAT 1, UINT8 2, INT8 3, INT32 6, INT64 7
//   ValueInfoProto:    name 1, type 2; TypeProto: tensor_type 1; TypeProto.Tensor: elem_type 1,
//                      shape 2; TensorShapeProto: dim 1; Dimension: dim_value 1, dim_param 2
import { ProtobufWriter } from './protobuf-writer';

export const OnnxDataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;
export type OnnxDataTypeCode = (typeof OnnxDataType)[keyof typeof OnnxDataType];

export interface OnnxTensor {
  name: string;
  dataType: OnnxDataTypeCode;
  dims: number[];
  /** Elements in row-major order; the typed array must match `dataType`. */
  data: Float32Array | Uint8Array | Int8Array | Int32Array | BigInt64Array;
}

export type OnnxAttribute =
  | { name: string; type: 'float'; value: number }
  | { name: string; type: 'int'; value: number }
  | { name: string; type: 'ints'; value: number[] };

export interface OnnxNode {
  opType: string;
  /** '' (or absent) for the standard ai.onnx operators; 'com.microsoft' for ORT's contrib ops. */
  domain?: string;
  name?: string;
  /** Input value names; '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attributes?: OnnxAttribute[];
}

export interface OnnxValueInfo {
  name: string;
  elemType: OnnxDataTypeCode;
  /** A number is a fixed size, a string a symbolic one (e.g. the batch size 'N'). */
  shape: (number | string)[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: number;
  opsets: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  graph: OnnxGraph;
}

const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;

const ELEMENT_BYTES: Record<OnnxDataTypeCode, number> = { 1: 4, 2: 1, 3: 1, 6: 4, 7: 8 };

function checkTensor(t: OnnxTensor): void {
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (t.data.length !== count) {
    throw new Error(`encodeOnnxModel: tensor '${t.name}' has ${t.data.length} elements, dims [${t.dims.join(', ')}] need ${count}`);
  }
  const want = { 1: Float32Array, 2: Uint8Array, 3: Int8Array, 6: Int32Array, 7: BigInt64Array }[t.dataType];
  if (!(t.data instanceof want)) {
    throw new Error(`encodeOnnxModel: tensor '${t.name}' of data type ${t.dataType} needs a ${want.name}, got ${t.data.constructor.name}`);
  }
}

function writeTensor(w: ProtobufWriter, t: OnnxTensor): void {
  checkTensor(t);
  for (const d of t.dims) w.varint(1, d); // dims: repeated int64, written unpacked as onnx does
  w.varint(2, t.dataType);
  w.string(8, t.name);
  // raw_data must be little-endian; typed arrays use the platform order, which is checked.
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('encodeOnnxModel: big-endian platforms are not supported');
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.length * ELEMENT_BYTES[t.dataType]);
  w.bytes(9, bytes);
}

function writeAttribute(w: ProtobufWriter, a: OnnxAttribute): void {
  w.string(1, a.name);
  if (a.type === 'float') w.float(2, a.value).varint(20, ATTR_FLOAT);
  else if (a.type === 'int') w.varint(3, a.value).varint(20, ATTR_INT);
  else {
    for (const v of a.value) w.varint(8, v);
    w.varint(20, ATTR_INTS);
  }
}

function writeNode(w: ProtobufWriter, n: OnnxNode): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name) w.string(3, n.name);
  w.string(4, n.opType);
  for (const a of n.attributes ?? []) w.message(5, (aw) => writeAttribute(aw, a));
  if (n.domain) w.string(7, n.domain);
}

function writeValueInfo(w: ProtobufWriter, v: OnnxValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.varint(1, v.elemType);
      tensor.message(2, (shape) => {
        for (const d of v.shape) {
          shape.message(1, (dim) => (typeof d === 'number' ? dim.varint(1, d) : dim.string(2, d)));
        }
      });
    }),
  );
}

function writeGraph(w: ProtobufWriter, g: OnnxGraph): void {
  const names = new Set<string>();
  for (const t of g.initializers) {
    if (names.has(t.name)) throw new Error(`encodeOnnxModel: initializer '${t.name}' appears twice`);
    names.add(t.name);
  }
  for (const n of g.nodes) w.message(1, (nw) => writeNode(nw, n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, (tw) => writeTensor(tw, t));
  for (const v of g.inputs) w.message(11, (vw) => writeValueInfo(vw, v));
  for (const v of g.outputs) w.message(12, (vw) => writeValueInfo(vw, v));
}

/** Serialize a model to the bytes of an .onnx file. */
export function encodeOnnxModel(m: OnnxModel): Uint8Array {
  const w = new ProtobufWriter();
  w.varint(1, m.irVersion);
  w.string(2, m.producerName);
  w.string(3, m.producerVersion);
  w.message(7, (gw) => writeGraph(gw, m.graph));
  for (const o of m.opsets) w.message(8, (ow) => ow.string(1, o.domain).varint(2, o.version));
  return w.finish();
}
