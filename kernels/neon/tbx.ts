// TBX: table vector lookup extension. Exactly TBL, except that an out-of-range index leaves the
// destination byte unchanged instead of writing 0. That makes tables longer than 64 bytes
// possible: TBL on the first four registers, then SUB 64 from the indices and TBX on the next
// four (indices already served wrap past 0xBF and stay out of range), and so on.
import { expectRegister, type ByteLanes } from './registers';
import { expectTable } from './tbl';

/** TBX Vd.16B, {Vt..Vt+r-1}.16B, Vm.16B: d[i] = table byte idx[i] if idx[i] < 16·r, else d[i]. */
export function tbx<T extends ByteLanes>(d: T, table: readonly ByteLanes[], idx: ByteLanes): T {
  expectRegister('tbx', 'd', d);
  expectTable('tbx', table);
  expectRegister('tbx', 'idx', idx);
  const size = 16 * table.length;
  const out = new Array<number>(16); // d may alias a table register or idx
  for (let i = 0; i < 16; i++) {
    const j = idx[i] & 0xff;
    out[i] = j < size ? table[j >> 4][j & 15] : d[i];
  }
  for (let i = 0; i < 16; i++) d[i] = out[i];
  return d;
}
