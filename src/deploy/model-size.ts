// Where the bytes of a model file go, for `ddq export` / `ddq infer` and the file-size target:
// the packed weights (b bits per weight), the rest of the payload (codebooks, scales and the
// per-channel output stages), the JSON header and the fixed framing (preamble and checksum).
// "Overhead" is whatever the file holds beyond those parts: the ratio file / (weights bits +
// metadata) measures it (1.000 means no padding or waste at all). For comparison, the fp32 size
// of the same layers with batch norm folded (weights plus one bias per channel, 4 bytes each).
import type { IntegerModel } from './int-graph';
import { encodeModel, MODEL_CHECKSUM_BYTES, MODEL_PREAMBLE_BYTES } from './model-file';

export interface ModelSize {
  fileBytes: number;
  /** Σ rows·cols·bits over layers, in bits. */
  weightBits: number;
  /** Bytes of the packed weight streams (each stream rounded up to a whole byte). */
  packedWeightBytes: number;
  /** Payload bytes other than packed weights: codebooks, scales, output stages. */
  parameterBytes: number;
  headerBytes: number;
  framingBytes: number;
  /** fileBytes / (weightBits/8 + parameterBytes + headerBytes + framingBytes). */
  overheadRatio: number;
  /** The same layers in fp32 with batch norm folded: (weights + biases)·4 bytes. */
  fp32Bytes: number;
  /** Average bits per weight. */
  averageWeightBits: number;
}

export function modelSize(model: IntegerModel, bytes: Uint8Array = encodeModel(model)): ModelSize {
  const headerBytes = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readUInt32LE(12);
  const payloadBytes = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readUInt32LE(16);
  let weightBits = 0;
  let packedWeightBytes = 0;
  let weights = 0;
  let channels = 0;
  for (const op of model.ops) {
    if (op.op !== 'conv' && op.op !== 'linear') continue;
    const w = op.weights;
    weightBits += w.rows * w.cols * w.bits;
    packedWeightBytes += w.data.length;
    weights += w.rows * w.cols;
    channels += w.rows;
  }
  const parameterBytes = payloadBytes - packedWeightBytes;
  const framingBytes = MODEL_PREAMBLE_BYTES + MODEL_CHECKSUM_BYTES;
  return {
    fileBytes: bytes.length,
    weightBits,
    packedWeightBytes,
    parameterBytes,
    headerBytes,
    framingBytes,
    overheadRatio: bytes.length / (weightBits / 8 + parameterBytes + headerBytes + framingBytes),
    fp32Bytes: 4 * (weights + channels),
    averageWeightBits: weights ? weightBits / weights : 0,
  };
}

const kb = (n: number) => (n >= 10240 ? `${(n / 1024).toFixed(1)} KB` : `${n} bytes`);

/** A few lines for the command line. */
export function formatModelSize(s: ModelSize): string {
  return [
    `file ${kb(s.fileBytes)}: packed weights ${kb(s.packedWeightBytes)} (${s.averageWeightBits.toFixed(2)} bits per weight), ` +
      `per-channel parameters and codebooks ${kb(s.parameterBytes)}, header ${kb(s.headerBytes)}, framing ${s.framingBytes} bytes`,
    `file / (packed bits + metadata) = ${s.overheadRatio.toFixed(4)}; fp32 with batch norm folded: ${kb(s.fp32Bytes)} (${(s.fp32Bytes / s.fileBytes).toFixed(2)}x the file)`,
  ].join('\n');
}
