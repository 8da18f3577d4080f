// TBL: table vector lookup. The table is a list of 1 to 4 consecutive registers (16 to 64 bytes);
// each index byte, read as unsigned, selects a table byte, and an index past the end of the table
// (>= 16·registers, so every byte >= 0x80 too) gives 0. Low-bit kernels decode weights with it:
// a 2-bit field through the LUT {-2, -1, 0, 1}, a codebook index through non-uniform int8 levels.
import { expectRegister, type ByteLanes } from './registers';

/** Check a TBL/TBX table: 1..4 registers of 16 bytes. */
export function expectTable(op: string, table: readonly ByteLanes[]): void {
  if (table.length < 1 || table.length > 4) {
    throw new Error(`${op}: the table must be 1 to 4 registers, got ${table.length}`);
  }
  for (let r = 0; r < table.length; r++) {
    if (table[r].byteLength !== 16) expectRegister(op, `table[${r}]`, table[r]); // throws
  }
}

/** TBL Vd.16B, {Vt..Vt+r-1}.16B, Vm.16B: d[i] = table byte idx[i] if idx[i] < 16·r, else 0. */
export function tbl<T extends ByteLanes>(d: T, table: readonly ByteLanes[], idx: ByteLanes): T {
  expectRegister('tbl', 'd', d);
  expectTable('tbl', table);
  expectRegister('tbl', 'idx', idx);
  const size = 16 * table.length;
  const out = new Array<number>(16); // d may alias a table register or idx
  for (let i = 0; i < 16; i++) {
    const j = idx[i] & 0xff;
    out[i] = j < size ? table[j >> 4][j & 15] : 0;
  }
  // Storing a Uint8 value into an Int8 register (or back) keeps the bits: registers are untyped.
  for (let i = 0; i < 16; i++) d[i] = out[i];
  return d;
}
