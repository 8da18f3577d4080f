// The seeded generator: reference stream, determinism, ranges, distributions, forking, state.
import t from 'tap';
import { Rng, Tensor } from '../../src/index';

/** xoshiro128** written independently with BigInt arithmetic, as the reference. */
function referenceStream(state: bigint[], count: number): number[] {
  const M = 0xffffffffn;
  const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (32n - k))) & M;
  const s = state.slice();
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    out.push(Number((rotl((s[1] * 5n) & M, 7n) * 9n) & M));
    const tt = (s[1] << 9n) & M;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= tt;
    s[3] = rotl(s[3], 11n);
  }
  return out;
}

t.test('matches a BigInt reference of xoshiro128** from a given state', async (tt) => {
  const r = new Rng(0);
  const state = [0x12345678, 0x9abcdef0 | 0, 0x0fedcba9, 0x87654321 | 0];
  r.setState([...state, NaN]);
  const ours = Array.from({ length: 1000 }, () => r.nextUint32());
  tt.same(ours, referenceStream(state.map((v) => BigInt(v >>> 0)), 1000));
  // Published first output for state {1, 2, 3, 4}: rotl(2 * 5, 7) * 9 = 11520.
  r.setState([1, 2, 3, 4, NaN]);
  tt.equal(r.nextUint32(), 11520);
});

t.test('same seed, same bits; different seeds differ', async (tt) => {
  const a = Tensor.randn([1000], new Rng(42));
  const b = Tensor.randn([1000], new Rng(42));
  const c = Tensor.randn([1000], new Rng(43));
  tt.same(Buffer.from(a.data.buffer), Buffer.from(b.data.buffer));
  tt.notSame(Array.from(a.data), Array.from(c.data));
});

t.test('uniform, normal and int have the right ranges and moments', async (tt) => {
  const r = new Rng(5);
  const n = 200000;
  let su = 0, sn = 0, sn2 = 0;
  const counts = new Array(7).fill(0);
  for (let i = 0; i < n; i++) {
    const u = r.uniform();
    if (u < 0 || u >= 1) tt.fail(`uniform out of range: ${u}`);
    su += u;
    const z = r.normal();
    sn += z;
    sn2 += z * z;
    counts[r.int(-3, 4) + 3]++;
  }
  tt.ok(Math.abs(su / n - 0.5) < 0.005, 'uniform mean');
  tt.ok(Math.abs(sn / n) < 0.01, 'normal mean');
  tt.ok(Math.abs(sn2 / n - 1) < 0.02, 'normal variance');
  for (const c of counts) tt.ok(Math.abs(c / n - 1 / 7) < 0.005, 'int is uniform over [-3, 4)');
  tt.throws(() => r.int(3, 3), /Rng.int: need integers lo < hi/);
});

t.test('fork gives an independent, reproducible stream; state round trips', async (tt) => {
  const parent1 = new Rng(9);
  const parent2 = new Rng(9);
  const c1 = parent1.fork();
  const c2 = parent2.fork();
  const x = Array.from({ length: 10 }, () => c1.nextUint32());
  tt.same(x, Array.from({ length: 10 }, () => c2.nextUint32()));
  tt.notSame(x, Array.from({ length: 10 }, () => parent1.nextUint32()));
  const r = new Rng(1);
  r.normal(); // leaves a spare normal in the state
  const saved = r.getState();
  const expect = [r.normal(), r.uniform(), r.normal()];
  const s = new Rng(999);
  s.setState(saved);
  tt.same([s.normal(), s.uniform(), s.normal()], expect);
});

t.test('shuffle and permutation are permutations', async (tt) => {
  const p = new Rng(3).permutation(100);
  tt.same(Array.from(p).sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i));
  tt.notSame(Array.from(p), Array.from({ length: 100 }, (_, i) => i));
});
