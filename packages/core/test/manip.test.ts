import { describe, it, expect } from 'vitest';
import * as mx from '@mlx/core';
import { decode, dtypeByName, expectArrayClose, loadFixture } from './helpers/fixtures.js';

const cases = loadFixture('manip');

// Rebuilds the view recipe the oracle applied to each base array.
function view(x: mx.array, name: string): mx.array {
  switch (name) {
    case 'c': return x;
    case 'T': return mx.transpose(x);
    case 'rev': return x.index(mx.Slice(null, null, -1));
    case 'step': return x.index('...', mx.Slice(null, null, 2));
    case 'bc': return mx.broadcastTo(x.index(mx.Slice(null, 1)), x.shape);
  }
  throw new Error(name);
}

function run(op: string, a: any, x: mx.array[]): mx.array | mx.array[] | [number[][], string] {
  switch (op) {
    case 'pad': return mx.pad(x[0], a.w, a.mode, a.value);
    case 'tile': return mx.tile(x[0], a.reps);
    case 'repeat': return mx.repeat(x[0], a.repeats, a.axis);
    case 'roll': return mx.roll(x[0], a.shift, a.axis);
    case 'flip': return mx.flip(x[0], a.axis);
    case 'diag': return mx.diag(x[0], a.k);
    case 'diagonal': return mx.diagonal(x[0], a.offset, a.a1, a.a2);
    case 'trace': return mx.trace(x[0], a.offset, a.a1, a.a2, a.dtype ? dtypeByName(a.dtype) : null);
    case 'tril': return mx.tril(x[0], a.k);
    case 'triu': return mx.triu(x[0], a.k);
    case 'meshgrid': return mx.meshgrid(...x, a.sparse, a.indexing);
    case 'atleast': return [mx.atleast1d, mx.atleast2d, mx.atleast3d][a.n - 1](x[0]);
    case 'unstack': return mx.unstack(x[0], a.axis);
    case 'as_strided': return mx.asStrided(x[0], a.shape, a.strides, a.offset);
    case 'view': return mx.view(x[0], dtypeByName(a.dtype));
    case 'kron': return mx.kron(x[0], x[1]);
    case 'outer': return mx.outer(x[0], x[1]);
    case 'inner': return mx.inner(x[0], x[1]);
    case 'tensordot': return mx.tensordot(x[0], x[1], a.axes);
    case 'hadamard': return mx.hadamardTransform(x[0], a.scale);
    case 'median': return mx.median(x[0], a.axis, a.keepdims);
    case 'einsum': return mx.einsum(a.subs, ...x);
    case 'einsum_path': return mx.einsumPath(a.subs, ...a.shapes.map((s: number[]) => mx.zeros(s)));
  }
  throw new Error(`unknown op ${op}`);
}

describe('manipulation ops against MLX fixtures', () => {
  for (const c of cases) {
    it(c.name, () => {
      const xs = c.inputs.map(decode).map((x: mx.array, i: number) => view(x, c.views[i]));
      if (c.error) {  // MLX raised (or, for "deviation", we deliberately reject what MLX accepts)
        let err: unknown;
        try { const r = run(c.op, c.args, xs); mx.eval(...(Array.isArray(r) ? r as mx.array[] : [r as mx.array])); } catch (e) { err = e; }
        expect(err, `expected ${c.error}`).toBeInstanceOf(mx.MlxError);
        return;
      }
      const out = run(c.op, c.args, xs);
      const [rt, at] = c.tol ?? [undefined, undefined];
      if (c.op === 'einsum_path') {
        const [path, desc] = out as [number[][], string];
        expect(path).toEqual(c.expected.path);
        expect(desc).toBe(c.expected.desc);
      } else if (Array.isArray(c.expected)) {
        const outs = out as mx.array[];
        expect(outs.length).toBe(c.expected.length);
        outs.forEach((o, i) => expectArrayClose(o, c.expected[i], rt, at));
      } else {
        expectArrayClose(out as mx.array, c.expected, rt, at);
      }
    });
  }
});

describe('argument forms and methods', () => {
  const a = mx.reshape(mx.arange(12, mx.float32), [3, 4]);
  it('array methods diag, diagonal, view', () => {
    expect(a.diag().tolist()).toEqual([0, 5, 10]);
    expect(a.diagonal(1).tolist()).toEqual([1, 6, 11]);
    expect(a.view(mx.int32).dtype).toBe(mx.int32);
    expect(mx.view(mx.array([1], mx.float32), mx.uint32).item()).toBe(0x3f800000);
  });
  it('median keepdims overload and stream argument', () => {
    expect(mx.median(a, true).shape).toEqual([1, 1]);
    expect(mx.median(a, 1, false, mx.cpu).tolist()).toEqual([1.5, 5.5, 9.5]);
  });
  it('atleast with several arrays returns a list', () => {
    const r = mx.atleast2d(mx.array(1), mx.array([1, 2]));
    expect(r.map((x) => x.shape)).toEqual([[1, 1], [1, 2]]);
  });
  it('meshgrid accepts a list and an options object', () => {
    const [x, y] = mx.meshgrid([mx.array([1, 2]), mx.array([1, 2, 3])], { indexing: 'ij', sparse: true });
    expect(x.shape).toEqual([2, 1]);
    expect(y.shape).toEqual([1, 3]);
  });
  it('einsum takes a trailing stream', () => {
    expect(mx.einsum('ij->ji', a, mx.cpu).shape).toEqual([4, 3]);
  });
  it('flip and asStrided are views of the input buffer', () => {
    const f = mx.flip(a, 1);
    expect(f.tolist()[0]).toEqual([3, 2, 1, 0]);
    const w = mx.asStrided(a, [2, 2], [4, 1], 5);
    expect(w.tolist()).toEqual([[5, 6], [9, 10]]);
  });
  it('asStrided rejects views outside the input', () => {
    expect(() => mx.asStrided(a, [4], [4], 0)).toThrow(mx.IndexError);
    expect(() => mx.asStrided(a, [2], [-1], 0)).toThrow(mx.IndexError);
  });
});

describe('typed errors', () => {
  const a = mx.ones([2, 3]);
  it('einsum strings', () => {
    expect(() => mx.einsum('ij,jk->ik->', a, a)).toThrow(mx.InvalidArgumentError);
    expect(() => mx.einsum('i1', a)).toThrow(/Subscripts must be letters/);
    expect(() => mx.einsum('ij,jk', a)).toThrow(/Number of operands/);
    expect(() => mx.einsum('ij->ii', a)).toThrow(/Repeat indices/);
    expect(() => mx.einsum('...i...', a)).toThrow(/Only one ellipsis/);
    expect(() => mx.einsum('ijk', a)).toThrow(mx.ShapeError);
    expect(() => mx.einsum('ij->q', a)).toThrow(/does not appear/);
    expect(() => mx.einsumPath('ij,jk', a, mx.ones([4, 2]))).toThrow(/Cannot broadcast/);
  });
  it('pad widths and modes', () => {
    expect(() => mx.pad(a, -1)).toThrow(mx.InvalidArgumentError);
    expect(() => mx.pad(a, [[1, 1], [1, 1], [1, 1]])).toThrow(mx.ShapeError);
    expect(() => mx.pad(a, [[1, 2, 3]] as any)).toThrow(mx.InvalidArgumentError);
    expect(() => mx.pad(a, 1, 'wrap' as any)).toThrow(/Invalid padding mode/);
    expect(() => mx.pad(a, 1, 'constant', mx.array([1, 2]))).toThrow(mx.ShapeError);
  });
  it('axes', () => {
    expect(() => mx.roll(a, 1, 2)).toThrow(mx.IndexError);
    expect(() => mx.flip(a, 5)).toThrow(mx.MlxError);
    expect(() => mx.diagonal(a, 0, 0, 0)).toThrow(mx.InvalidArgumentError);
    expect(() => mx.median(a, 3)).toThrow(mx.MlxError);
    expect(() => mx.unstack(a, 2)).toThrow(mx.MlxError);
    expect(() => mx.tensordot(a, a, [[0], [1]])).toThrow(mx.ShapeError);
  });
  it('hadamard sizes and dtypes', () => {
    expect(() => mx.hadamardTransform(mx.ones([36]))).toThrow(/m\*2\^k/);
    expect(() => mx.hadamardTransform(mx.ones([0, 4]))).toThrow(mx.ShapeError);
  });
});

// Uses vjp with explicit cotangents: Reduce vjp and Gather vmap come from other branches.
describe('transforms through the new primitives', () => {
  it('hadamard vjp is the transposed transform (n = 20 is not symmetric)', () => {
    const w = mx.arange(20, mx.float32);
    const [, [g]] = mx.vjp((x: mx.array) => mx.hadamardTransform(x, 1.0), [mx.zeros([20])], [w]);
    const H = mx.hadamardTransform(mx.eye(20), 1.0);  // rows: transforms of unit vectors
    expectArrayClose(g, mx.matmul(H, w), 1e-5, 1e-4);
    const [, [g12]] = mx.vjp((x: mx.array) => mx.hadamardTransform(x), [mx.zeros([2, 24])], [mx.ones([2, 24])]);
    expectArrayClose(g12, mx.hadamardTransform(mx.ones([2, 24])), 1e-5, 1e-5);
  });
  it('hadamard jvp is the transform of the tangent', () => {
    const t = mx.random.normal([3, 28]);
    const [, [j]] = mx.jvp((x: mx.array) => mx.hadamardTransform(x, 2.0), [mx.zeros([3, 28])], [t]);
    expectArrayClose(j, mx.hadamardTransform(t, 2.0), 1e-5, 1e-5);
  });
  it('asStrided vjp scatters and adds overlapping elements', () => {
    const [, [g]] = mx.vjp((x: mx.array) => mx.asStrided(x, [2, 2], [1, 1]), [mx.ones([4])], [mx.ones([2, 2])]);
    expect(g.tolist()).toEqual([1, 2, 1, 0]);
    const [, [g2]] = mx.vjp((x: mx.array) => mx.asStrided(x, [3], [-2], 4), [mx.ones([2, 3])], [mx.array([1, 2, 3])]);
    expect(g2.tolist()).toEqual([[3, 0, 2], [0, 1, 0]]);
  });
  it('vmap over hadamard, asStrided, view, pad and einsum', () => {
    const x = mx.random.normal([3, 2, 8]);
    const h = mx.vmap((v: mx.array) => mx.hadamardTransform(v), 2, 1)(mx.moveaxis(x, 0, 2));
    expectArrayClose(h, mx.moveaxis(mx.hadamardTransform(x), 0, 1), 1e-5, 1e-5);
    const s = mx.vmap((v: mx.array) => mx.asStrided(v, [2, 2], [1, 2], 1))(mx.reshape(mx.arange(24, mx.float32), [3, 8]));
    expect(s.tolist()[1]).toEqual([[9, 11], [10, 12]]);
    const vv = mx.vmap((v: mx.array) => mx.view(v, mx.uint8), 1)(mx.ones([2, 3], mx.int32));
    expect(vv.shape).toEqual([3, 8]);
    expect(vv.tolist()[0]).toEqual([1, 0, 0, 0, 1, 0, 0, 0]);
    const p = mx.vmap((v: mx.array) => mx.pad(v, 1, 'constant', 9))(mx.reshape(mx.arange(6, mx.float32), [2, 3]));
    expect(p.tolist()).toEqual([[9, 0, 1, 2, 9], [9, 3, 4, 5, 9]]);
    const pe = mx.vmap((v: mx.array) => mx.pad(v, [1, 2], 'reflect'))(mx.reshape(mx.arange(6, mx.float32), [2, 3]));
    expect(pe.tolist()).toEqual([[1, 0, 1, 2, 1, 0], [4, 3, 4, 5, 4, 3]]);
    // Elementwise/matmul vmap rules come from other branches; a permuting einsum needs none.
    const e = mx.vmap((p: mx.array) => mx.einsum('ij->ji', p))(x);
    expectArrayClose(e, mx.transpose(x, [0, 2, 1]), 0, 0);
  });
  // (tile's vjp goes through Broadcast::vjp, whose `sum` declaration is unresolved on this base.)
  it('vjp through pad, roll, flip and einsum', () => {
    const f = (x: mx.array) => mx.pad(mx.roll(mx.concatenate([x, x], 1), 1, 1), 1);
    const [[out], [g]] = mx.vjp(f, [mx.ones([2, 2])], [mx.ones([4, 6])]);
    expect(out.shape).toEqual([4, 6]);
    expect(g.tolist()).toEqual([[2, 2], [2, 2]]);
    const [, [gf]] = mx.vjp((x: mx.array) => mx.flip(x, 0), [mx.zeros([3])], [mx.array([1, 2, 3])]);
    expect(gf.tolist()).toEqual([3, 2, 1]);
    const c = mx.reshape(mx.arange(6, mx.float32), [3, 2]);
    const [, [ge]] = mx.vjp((b: mx.array) => mx.einsum('ij->ji', b), [mx.zeros([2, 3])], [c]);
    expect(ge.tolist()).toEqual(mx.transpose(c).tolist());
  });
});
