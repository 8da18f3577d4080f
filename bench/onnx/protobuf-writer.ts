// A minimal protocol-buffers encoder: just the wire types ONNX models need (varint, 32-bit and
// length-delimited), written by hand so the exporter needs no protobuf tooling. A message is
// built field by field; a nested message is encoded on its own and written as bytes.
//
// Wire format (protobuf encoding guide): each field starts with a key varint
// (fieldNumber << 3 | wireType); wire type 0 = varint, 2 = length-delimited, 5 = fixed 32-bit.
// Varints are little-endian groups of 7 bits, high bit set on every byte but the last; negative
// int64/int32 values are written as their 64-bit two's complement (10 bytes).

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

const TEXT = new TextEncoder();

export class ProtobufWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  private reserve(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + extra) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** A bare varint (no key). Integers must be exact in a double (|v| < 2^53). */
  private rawVarint(v: number): void {
    if (!Number.isSafeInteger(v)) throw new Error(`ProtobufWriter: varint value must be a safe integer, got ${v}`);
    this.reserve(10);
    if (v < 0) {
      // 64-bit two's complement: split into 32-bit halves so no bit is lost in a double.
      let lo = v % 4294967296;
      let hi = Math.floor(v / 4294967296);
      lo = lo < 0 ? lo + 4294967296 : lo;
      hi = (hi + 4294967296) >>> 0;
      for (let i = 0; i < 9; i++) {
        this.buf[this.len++] = (lo & 0x7f) | 0x80;
        lo = Math.floor(lo / 128) + (hi & 0x7f) * 33554432; // next 7 bits from the high word
        hi = hi >>> 7;
      }
      this.buf[this.len++] = lo & 0x01;
      return;
    }
    while (v >= 128) {
      this.buf[this.len++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.len++] = v;
  }

  private key(field: number, wire: number): void {
    this.rawVarint(field * 8 + wire);
  }

  /** int32, int64, enum or bool field. */
  varint(field: number, v: number): this {
    this.key(field, WIRE_VARINT);
    this.rawVarint(v);
    return this;
  }

  /** float field (fixed 32-bit, little-endian IEEE 754). */
  float(field: number, v: number): this {
    this.key(field, WIRE_FIXED32);
    this.reserve(4);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 4).setFloat32(0, v, true);
    this.len += 4;
    return this;
  }

  /** bytes field, or an already encoded nested message. */
  bytes(field: number, data: Uint8Array): this {
    this.key(field, WIRE_LENGTH_DELIMITED);
    this.rawVarint(data.length);
    this.reserve(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
    return this;
  }

  /** string field (UTF-8). */
  string(field: number, s: string): this {
    return this.bytes(field, TEXT.encode(s));
  }

  /** Nested message field: `build` fills a fresh writer whose bytes become this field. */
  message(field: number, build: (w: ProtobufWriter) => void): this {
    const inner = new ProtobufWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  /** A packed repeated varint field (one length-delimited run of varints). */
  packedVarints(field: number, values: ArrayLike<number>): this {
    const inner = new ProtobufWriter();
    for (let i = 0; i < values.length; i++) inner.rawVarint(values[i]);
    return this.bytes(field, inner.finish());
  }

  /** A packed repeated float field. */
  packedFloats(field: number, values: ArrayLike<number>): this {
    const data = new Uint8Array(4 * values.length);
    const view = new DataView(data.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
    return this.bytes(field, data);
  }

  /** The encoded bytes so far (a copy). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
