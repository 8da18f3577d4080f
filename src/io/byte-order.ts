// Checkpoints and model files store numbers little-endian; typed arrays use the host's byte
// order. On a little-endian host (every platform Node runs on today) the conversion is a plain
// view or copy; on a big-endian host each element's bytes are reversed. The host order is a
// parameter so the reversing path is tested here too.

export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

type NumberArray = ArrayBufferView & { readonly BYTES_PER_ELEMENT: number };

/** The elements of `a` as little-endian bytes (a view of `a` when no reordering is needed). */
export function littleEndianBytes(a: NumberArray, hostLittleEndian = HOST_LITTLE_ENDIAN): Uint8Array {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  return hostLittleEndian || a.BYTES_PER_ELEMENT === 1 ? bytes : reversedElements(bytes, a.BYTES_PER_ELEMENT);
}

/**
 * A fresh buffer holding little-endian `bytes` of `size`-byte elements in host order, for a typed
 * array to own (a copy, so it is aligned and independent of the file's buffer).
 */
export function hostOrderBuffer(bytes: Uint8Array, size: number, hostLittleEndian = HOST_LITTLE_ENDIAN): ArrayBuffer {
  if (bytes.length % size !== 0) throw new Error(`hostOrderBuffer: ${bytes.length} bytes are not a whole number of ${size}-byte elements`);
  return (hostLittleEndian || size === 1 ? new Uint8Array(bytes) : reversedElements(bytes, size)).buffer as ArrayBuffer;
}

function reversedElements(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += size) {
    for (let j = 0; j < size; j++) out[i + j] = bytes[i + size - 1 - j];
  }
  return out;
}
