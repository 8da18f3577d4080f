// Workspace: buffers are reused, grown when needed, separate per kind and slot, and bad requests
// are refused with clear errors.
import t from 'tap';
import { defaultWorkspace, Workspace } from '../../kernels/workspace';

t.test('reuse, growth, kinds and slots', (tt) => {
  const ws = new Workspace();
  const a = ws.get('f32', 100);
  tt.ok(a instanceof Float32Array && a.length >= 100);
  tt.equal(ws.get('f32', 50), a, 'a smaller request reuses the buffer');
  tt.equal(ws.get('f32', 100), a, 'an equal request reuses the buffer');
  const b = ws.get('f32', 101);
  tt.not(b, a, 'a larger request grows');
  tt.ok(b.length >= 150, 'growth is at least 1.5x, so slow growth does not reallocate every call');
  const d = ws.get('f64', 10);
  tt.ok(d instanceof Float64Array, 'f64 kind');
  tt.not(ws.get('f32', 10, 1), b, 'another slot is another buffer');
  tt.ok(ws.getLike(new Float64Array(1), 5) instanceof Float64Array, 'getLike follows the kind');
  tt.ok(ws.getLike(new Float32Array(1), 5) instanceof Float32Array);
  tt.ok(ws.bytes() >= b.byteLength + d.byteLength);
  ws.release();
  tt.equal(ws.bytes(), 0, 'release drops everything');
  tt.ok(defaultWorkspace instanceof Workspace);
  tt.end();
});

t.test('bad requests', (tt) => {
  const ws = new Workspace();
  tt.throws(() => ws.get('f32', -1), /Workspace.get: length must be a non-negative integer, got -1/);
  tt.throws(() => ws.get('f32', 1.5), /Workspace.get: length must be a non-negative integer, got 1.5/);
  tt.throws(() => ws.get('f64', 1, 16), /Workspace.get: slot must be an integer in 0..15, got 16/);
  tt.end();
});
