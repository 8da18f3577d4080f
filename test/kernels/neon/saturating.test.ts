// Lane-wise arithmetic mirrors: SQADD/SQSUB, SQXTN/SQXTUN (and "2" forms), SMAX/SMIN/UMAX/UMIN,
// ADD/SUB/MUL/MLA/MLS (also by element), AND/ORR/EOR, DUP, ADDV, against BigInt definitions.
import t from 'tap';
import { Rng } from '../../../src/tensor/rng';
import { sqadd } from '../../../kernels/neon/sqadd';
import { sqsub } from '../../../kernels/neon/sqsub';
import { sqxtn, sqxtn2 } from '../../../kernels/neon/sqxtn';
import { sqxtun, sqxtun2 } from '../../../kernels/neon/sqxtun';
import { smax, smin } from '../../../kernels/neon/smax';
import { umax, umin } from '../../../kernels/neon/umax';
import { add, sub } from '../../../kernels/neon/add';
import { mul, mla, mls, mulLane, mlaLane } from '../../../kernels/neon/mla';
import { and, orr, eor } from '../../../kernels/neon/bitwise';
import { dup, dupLane } from '../../../kernels/neon/dup';
import { addv } from '../../../kernels/neon/addv';
import { Mismatches, randomLanes, satSigned, satUnsigned, wrapSigned, B } from './lanes-helper';

type Signed = Int8Array | Int16Array | Int32Array;

t.test('saturation at the lane limits', async (t) => {
  const x = new Int16Array([32767, -32768, 100, -100, 0, 1, -1, 32000]);
  const y = new Int16Array([1, -1, 32767, -32767, 0, 32767, -32768, 1000]);
  t.same([...sqadd(new Int16Array(8), x, y)], [32767, -32768, 32767, -32768, 0, 32767, -32768, 32767]);
  t.same([...sqsub(new Int16Array(8), x, y)], [32766, -32767, -32667, 32667, 0, -32766, 32767, 31000]);
  t.same([...add(new Int16Array(8), x, y)], [-32768, 32767, -32669, 32669, 0, -32768, 32767, -32536], 'ADD wraps');
  t.same([...sqxtn(new Int8Array(16), x)], [127, -128, 100, -100, 0, 1, -1, 127, 0, 0, 0, 0, 0, 0, 0, 0]);
  t.same([...sqxtun(new Uint8Array(16), x)], [255, 0, 100, 0, 0, 1, 0, 255, 0, 0, 0, 0, 0, 0, 0, 0]);
  const keep = new Int8Array(16).fill(7);
  t.same([...sqxtn2(keep, x)], [7, 7, 7, 7, 7, 7, 7, 7, 127, -128, 100, -100, 0, 1, -1, 127], 'SQXTN2 keeps the low half');
  t.same([...sqxtn(new Int16Array(8), new Int32Array([2147483647, -2147483648, 32768, -32769]))], [32767, -32768, 32767, -32768, 0, 0, 0, 0]);
});

t.test('seeded random lanes match the BigInt reference', async (t) => {
  const rng = new Rng(606);
  const mm = new Mismatches();
  for (const ctor of [Int8Array, Int16Array, Int32Array] as const) {
    const bits = ctor.BYTES_PER_ELEMENT * 8;
    const lanes = 16 / ctor.BYTES_PER_ELEMENT;
    const uctor = bits === 8 ? Uint8Array : bits === 16 ? Uint16Array : Uint32Array;
    for (let i = 0; i < 300; i++) {
      const n = randomLanes<Signed>(rng, ctor);
      const m = randomLanes<Signed>(rng, ctor);
      const d = randomLanes<Signed>(rng, ctor);
      const un = randomLanes<Uint32Array>(rng, uctor as Uint32ArrayConstructor);
      const um = randomLanes<Uint32Array>(rng, uctor as Uint32ArrayConstructor);
      const ix = [...Array(lanes).keys()];
      const mk = () => new ctor(lanes) as Signed;
      mm.check(`sqadd.${bits}`, sqadd(mk(), n, m), ix.map((l) => satSigned(B(n[l]) + B(m[l]), bits)));
      mm.check(`sqsub.${bits}`, sqsub(mk(), n, m), ix.map((l) => satSigned(B(n[l]) - B(m[l]), bits)));
      mm.check(`add.${bits}`, add(mk(), n, m), ix.map((l) => wrapSigned(B(n[l]) + B(m[l]), bits)));
      mm.check(`sub.${bits}`, sub(mk(), n, m), ix.map((l) => wrapSigned(B(n[l]) - B(m[l]), bits)));
      mm.check(`mul.${bits}`, mul(mk(), n, m), ix.map((l) => wrapSigned(B(n[l]) * B(m[l]), bits)));
      mm.check(`mla.${bits}`, mla(d.slice() as Signed, n, m), ix.map((l) => wrapSigned(B(d[l]) + B(n[l]) * B(m[l]), bits)));
      mm.check(`mls.${bits}`, mls(d.slice() as Signed, n, m), ix.map((l) => wrapSigned(B(d[l]) - B(n[l]) * B(m[l]), bits)));
      if (bits !== 8) {
        const lane = i % lanes;
        mm.check(`mulLane.${bits}`, mulLane(mk() as Int16Array, n as Int16Array, m as Int16Array, lane), ix.map((l) => wrapSigned(B(n[l]) * B(m[lane]), bits)));
        mm.check(`mlaLane.${bits}`, mlaLane(d.slice() as Int16Array, n as Int16Array, m as Int16Array, lane), ix.map((l) => wrapSigned(B(d[l]) + B(n[l]) * B(m[lane]), bits)));
        mm.check(`dupLane.${bits}`, dupLane(mk(), n, lane), ix.map(() => n[lane]));
      }
      mm.check(`smax.${bits}`, smax(mk(), n, m), ix.map((l) => Math.max(n[l], m[l])));
      mm.check(`smin.${bits}`, smin(mk(), n, m), ix.map((l) => Math.min(n[l], m[l])));
      mm.check(`umax.${bits}`, umax(new uctor(lanes) as Uint32Array, un, um), ix.map((l) => Math.max(un[l], um[l])));
      mm.check(`umin.${bits}`, umin(new uctor(lanes) as Uint32Array, un, um), ix.map((l) => Math.min(un[l], um[l])));
      const mask = (1n << B(bits)) - 1n;
      const bit = (f: (a: bigint, b: bigint) => bigint) => ix.map((l) => wrapSigned(f(B(n[l]) & mask, B(m[l]) & mask), bits));
      mm.check(`and.${bits}`, and(mk(), n, m), bit((a, b) => a & b));
      mm.check(`orr.${bits}`, orr(mk(), n, m), bit((a, b) => a | b));
      mm.check(`eor.${bits}`, eor(mk(), n, m), bit((a, b) => a ^ b));
      mm.check(`dup.${bits}`, dup(mk(), n[0] * 3 + 1), ix.map(() => wrapSigned(B(n[0] * 3 + 1), bits)));
      mm.check(`addv.${bits}`, [addv(n)], [wrapSigned(ix.reduce((s, l) => s + B(n[l]), 0n), bits)]);
      if (bits > 8) {
        const narrow = bits === 16 ? Int8Array : Int16Array;
        const unarrow = bits === 16 ? Uint8Array : Uint16Array;
        const keep = randomLanes<Int16Array>(rng, narrow as Int16ArrayConstructor);
        const zeros = new Array(lanes).fill(0);
        mm.check(`sqxtn.${bits}`, sqxtn(keep.slice() as any, n as any), [...ix.map((l) => satSigned(B(n[l]), bits / 2)), ...zeros]);
        mm.check(`sqxtn2.${bits}`, sqxtn2(keep.slice() as any, n as any), [...keep.slice(0, lanes), ...ix.map((l) => satSigned(B(n[l]), bits / 2))]);
        mm.check(`sqxtun.${bits}`, sqxtun(new unarrow(2 * lanes) as any, n as any), [...ix.map((l) => satUnsigned(B(n[l]), bits / 2)), ...zeros]);
        const ukeep = new unarrow(keep.buffer.slice(0) as ArrayBuffer) as Uint16Array;
        mm.check(`sqxtun2.${bits}`, sqxtun2(ukeep.slice() as any, n as any), [...ukeep.slice(0, lanes), ...ix.map((l) => satUnsigned(B(n[l]), bits / 2))]);
      }
    }
  }
  t.same(mm.failures, [], `${mm.count} registers agree`);
});

t.test('aliasing the destination with a source is safe', async (t) => {
  const x = new Int32Array([2147483647, -5, 7, 0]);
  sqadd(x, x, x);
  t.same([...x], [2147483647, -10, 14, 0]);
});
