// Byte order of stored numbers: little-endian bytes from typed arrays and back, on this host
// and as a big-endian host would do it (the host order is a parameter), checked against
// DataView's explicit little-endian encoding.
import t from 'tap';
import { HOST_LITTLE_ENDIAN, hostOrderBuffer, littleEndianBytes } from '../../src/io/byte-order';

const values = [0, 1, -1, 258, -2, 1.5, -1e-7, 123456.789, 2 ** 31 - 1, -(2 ** 31)];

function dataViewBytes(kind: 'f32' | 'f64' | 'i32' | 'i16', littleEndian: boolean): Uint8Array {
  const size = { f32: 4, f64: 8, i32: 4, i16: 2 }[kind];
  const view = new DataView(new ArrayBuffer(values.length * size));
  values.forEach((v, i) => {
    if (kind === 'f32') view.setFloat32(i * size, v, littleEndian);
    else if (kind === 'f64') view.setFloat64(i * size, v, littleEndian);
    else if (kind === 'i32') view.setInt32(i * size, v, littleEndian);
    else view.setInt16(i * size, v, littleEndian);
  });
  return new Uint8Array(view.buffer);
}

t.test('this host is little-endian (every platform Node runs on today)', async (tt) => {
  tt.equal(HOST_LITTLE_ENDIAN, true);
});

const arrays = {
  f32: () => Float32Array.from(values),
  f64: () => Float64Array.from(values),
  i32: () => Int32Array.from(values),
  i16: () => Int16Array.from(values),
};

for (const [kind, make] of Object.entries(arrays) as [keyof typeof arrays, () => Float32Array | Float64Array | Int32Array | Int16Array][]) {
  t.test(`${kind}: file bytes and back`, async (tt) => {
    const a = make();
    const le = dataViewBytes(kind, true);
    tt.same([...littleEndianBytes(a)], [...le], 'host order = file order: the bytes as they are');
    tt.same([...new Uint8Array(hostOrderBuffer(le, a.BYTES_PER_ELEMENT))], [...le]);
    // A big-endian host holds the big-endian bytes in memory: simulate that memory with
    // DataView and ask for the little-endian file bytes, and back.
    const be = dataViewBytes(kind, false);
    const beHost = new (a.constructor as new (b: ArrayBuffer) => typeof a)(be.buffer as ArrayBuffer);
    tt.same([...littleEndianBytes(beHost, false)], [...le], 'big-endian host: elements reversed into file order');
    tt.same([...new Uint8Array(hostOrderBuffer(le, a.BYTES_PER_ELEMENT, false))], [...be], 'big-endian host: file order reversed into host order');
  });
}

t.test('single bytes are never reordered; a partial element is an error', async (tt) => {
  const b = Uint8Array.from([1, 2, 3]);
  tt.same([...littleEndianBytes(b, false)], [1, 2, 3]);
  tt.same([...new Uint8Array(hostOrderBuffer(b, 1, false))], [1, 2, 3]);
  tt.throws(() => hostOrderBuffer(b, 2), /3 bytes are not a whole number of 2-byte elements/);
});

t.test('hostOrderBuffer copies: the file buffer can change afterwards', async (tt) => {
  const file = Uint8Array.from([1, 0, 0, 0, 2, 0, 0, 0]);
  const a = new Int32Array(hostOrderBuffer(file.subarray(4), 4));
  file[4] = 9;
  tt.same([...a], [2]);
});
