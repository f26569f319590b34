import { describe, it, expect } from 'vitest';
import * as mx from '@mlx/core';
import { decode, expectArrayClose, loadFixture } from './helpers/fixtures.js';

const cases = loadFixture('indexing');

function view(x: mx.array, name: string): mx.array {
  switch (name) {
    case 'contiguous': return x;
    case 'transposed': return mx.transpose(x, [2, 0, 1]);
    case 'stepped': return x.index(mx.Slice(null, null, 2), mx.Slice(null, null, -1), mx.Slice(1, null, 2));
  }
  throw new Error(name);
}

function entries(spec: any[], inputs: mx.array[]): mx.Index[] {
  return spec.map((e) => {
    switch (e.t) {
      case 'arr': return e.transposed ? mx.transpose(inputs[e.i]) : inputs[e.i];
      case 'int': return e.v;
      case 'slice': return mx.Slice(e.start, e.stop, e.step);
      case 'none': return null;
      case 'ell': return '...';
    }
    throw new Error(e.t);
  });
}

const I = (v: any) => mx.array(v, mx.int32);

describe('indexing against MLX fixtures', () => {
  for (const c of cases) {
    it(c.name, () => {
      const inputs = c.inputs.map(decode);
      switch (c.op) {
        case 'get': {
          const v = view(inputs[0], c.view);
          return expectArrayClose(v.index(...entries(c.index, inputs)), c.expected, 0, 0);
        }
        case 'set': {
          const v = mx.copy(view(inputs[0], c.view));
          const before = v;
          v.indexPut_(entries(c.index, inputs), inputs[inputs.length - 1]);
          expect(v).toBe(before);  // same handle, rebound
          return expectArrayClose(v, c.expected, 0, 0);
        }
        case 'at': {
          const v = view(inputs[0], c.view);
          const out = (v.at(entries(c.index, inputs)) as any)[c.fn](inputs[inputs.length - 1]);
          return expectArrayClose(out, c.expected, 1e-6, 1e-6);
        }
        case 'at_repeat': {
          const out = (inputs[0].at(inputs[1]) as any)[c.fn](inputs[2]);
          return expectArrayClose(out, c.expected, 1e-3, 1e-3);
        }
        case 'at_scalar': return expectArrayClose(inputs[0].at(inputs[1]).add(1), c.expected, 0, 0);
        case 'take': return expectArrayClose(mx.take(inputs[0], inputs[1], c.axis), c.expected, 0, 0);
        case 'take_view': return expectArrayClose(mx.take(view(inputs[0], c.view), inputs[1], c.axis), c.expected, 0, 0);
        case 'take_along_axis': return expectArrayClose(mx.takeAlongAxis(inputs[0], inputs[1], c.axis), c.expected, 0, 0);
        case 'put_along_axis':
          return expectArrayClose(mx.putAlongAxis(inputs[0], inputs[1], inputs[2], c.axis), c.expected, 0, 0);
        case 'slice': return expectArrayClose(mx.slice(inputs[0], inputs[1], c.axes, c.size), c.expected, 0, 0);
        case 'slice_update':
          return expectArrayClose(mx.sliceUpdate(inputs[0], inputs[1], inputs[2], c.axes), c.expected, 0, 0);
        case 'mask': {
          const a = mx.copy(inputs[0]);
          a.indexPut_(inputs[1], inputs[2]);
          return expectArrayClose(a, c.expected, 0, 0);
        }
      }
      throw new Error(`unknown op ${c.op}`);
    });
  }
});

describe('indexing semantics', () => {
  it('scatter-add accumulates many repeated indices (large, multithreaded window)', () => {
    const a = mx.reshape(mx.array(new Float32Array(4 * 5000)), [4, 5000]);
    const idx = I([1, 1, 3, 1, 3]);
    const out = a.at(idx).add(1);
    const rows = out.tolist() as number[][];
    expect(rows[0].every((x) => x === 0)).toBe(true);
    expect(rows[1].every((x) => x === 3)).toBe(true);
    expect(rows[3].every((x) => x === 2)).toBe(true);
  });
  it('element scatter-add with repeats on a big 1-D array', () => {
    const n = 100000;
    const idx = mx.array(Int32Array.from({ length: n }, (_, i) => i % 7));
    const out = mx.array(new Float32Array(7)).at(idx).add(1).tolist() as number[];
    const expected = Array.from({ length: 7 }, (_, i) => Math.floor((n - 1 - i) / 7) + 1);
    expect(out).toEqual(expected);
  });
  it('large gathers match a JS reference (threaded path)', () => {
    const src = mx.reshape(mx.array(Float32Array.from({ length: 300 * 64 }, (_, i) => i)), [300, 64]);
    const idxs = Int32Array.from({ length: 5000 }, (_, i) => (i * 37) % 300 - 150);
    const out = mx.take(src, mx.array(idxs), 0);
    const data = out.toTypedArray() as Float32Array;
    for (let k = 0; k < 5000; k += 499) {
      const r = idxs[k] < 0 ? idxs[k] + 300 : idxs[k];
      expect(data[k * 64 + 5]).toBe(r * 64 + 5);
    }
    const flat = mx.take(mx.flatten(src), mx.array(idxs.map((v) => v * 61 + 10000)));
    expect((flat.toTypedArray() as Float32Array)[3]).toBe(idxs[3] * 61 + 10000 < 0 ? idxs[3] * 61 + 10000 + 19200 : idxs[3] * 61 + 10000);
  });
  it('negative indices wrap; JS lists become integer indices', () => {
    const a = mx.array([10, 20, 30, 40]);
    expect(mx.take(a, [-1, 0]).tolist()).toEqual([40, 10]);
    expect(mx.take(a, -2).tolist()).toEqual(30);
    expect(a.index(I([-4, 3])).tolist()).toEqual([10, 40]);
  });
  it('broadcast index arrays and empty results', () => {
    const a = mx.reshape(mx.array(Float32Array.from({ length: 12 }, (_, i) => i)), [3, 4]);
    expect(a.index(I([[0], [2]]), I([1, 3])).tolist()).toEqual([[1, 3], [9, 11]]);
    expect(a.index(mx.array(new Int32Array(0))).shape).toEqual([0, 4]);
    expect(mx.take(a, mx.array(new Int32Array(0)), 1).shape).toEqual([3, 0]);
  });
  it('indexPut_ rebinds the handle; other handles keep the old value', () => {
    const a = mx.array([1, 2, 3]);
    const old = a;
    const view0 = a.index(mx.Slice());
    a.indexPut_(I([0, 2]), 9);
    expect(a.tolist()).toEqual([9, 2, 9]);
    expect(view0.tolist()).toEqual([1, 2, 3]);
    expect(old).toBe(a);
    a.indexPut_([mx.Slice(1, null)], mx.array([5, 6]));
    expect(a.tolist()).toEqual([9, 5, 6]);
  });
  it('at() works with basic indices and keeps dtypes (int divide like MLX)', () => {
    const a = mx.array([5, 5, 5], mx.int32);
    expect(a.at(mx.Slice(0, 2)).add(1.5).tolist()).toEqual([6, 6, 5]);
    expect(a.at(0).divide(2).tolist()).toEqual([0, 5, 5]);
    expect(a.at(I([0, 0])).subtract(2).tolist()).toEqual([1, 5, 5]);
    expect(a.at(mx.Slice()).maximum(mx.array([1, 7, 3], mx.int32)).tolist()).toEqual([5, 7, 5]);
    expect(a.at(1).add(1).dtype).toBe(mx.int32);
  });
  it('gradients: take scatters the cotangent, repeated indices accumulate', () => {
    const idx = I([0, 2, 0]);
    const g = mx.grad((x: mx.array) => mx.flatten(mx.take(x, idx, 0)).index(0))(mx.array([1, 2, 3]));
    expect(g.tolist()).toEqual([1, 0, 0]);
    const [, vjps] = mx.vjp((x: mx.array) => mx.take(x, idx), [mx.array([1, 2, 3])], [mx.array([1, 1, 1])]);
    expect(vjps[0].tolist()).toEqual([2, 0, 1]);
    const [, v2] = mx.vjp((x: mx.array) => mx.takeAlongAxis(x, I([[1, 1]]), 1), [mx.array([[1, 2]])], [mx.array([[1, 2]])]);
    expect(v2[0].tolist()).toEqual([[0, 3]]);
    const [, v3] = mx.vjp((x: mx.array, u: mx.array) => x.at(I([1])).add(u), [mx.array([1, 2, 3]), mx.array([5])],
      [mx.array([1, 2, 3])]);
    expect(v3[0].tolist()).toEqual([1, 2, 3]);
    expect(v3[1].tolist()).toEqual([2]);
    const [, v4] = mx.vjp((x: mx.array) => mx.putAlongAxis(x, I([0]), mx.array([7]), 0), [mx.array([1, 2])],
      [mx.array([4, 5])]);
    expect(v4[0].tolist()).toEqual([0, 5]);
  });
});

describe('indexing errors are typed and leave the process healthy', () => {
  const a = mx.reshape(mx.array(Float32Array.from({ length: 12 }, (_, i) => i)), [3, 4]);
  it('out-of-range take raises IndexError at eval', () => {
    const bad = mx.take(a, I([0, 3]), 0);
    expect(() => bad.tolist()).toThrow(mx.IndexError);
    expect(() => mx.take(a, I([-4]), 0).tolist()).toThrow(mx.IndexError);
    expect(() => a.index(I([1]), I([4])).tolist()).toThrow(mx.IndexError);
    expect(() => mx.takeAlongAxis(a, I([[5]]), 1).tolist()).toThrow(mx.IndexError);
    expect(() => mx.slice(a, I([2]), [0], [2, 4]).tolist()).toThrow(mx.IndexError);
    expect(() => a.at(I([7])).add(1).tolist()).toThrow(mx.IndexError);
    // still usable afterwards, and the source is untouched
    expect(mx.take(a, I([2]), 0).tolist()).toEqual([[8, 9, 10, 11]]);
    expect((a.index(0) as mx.array).tolist()).toEqual([0, 1, 2, 3]);
  });
  it('float index arrays raise DtypeError', () => {
    expect(() => mx.take(a, mx.array([1.0]), 0)).toThrow(mx.DtypeError);
    expect(() => a.index(mx.array([0.0]))).toThrow(mx.DtypeError);
    expect(() => mx.takeAlongAxis(a, mx.array([[0.0]]), 1)).toThrow(mx.DtypeError);
    expect(() => mx.slice(a, mx.array([0.0]), [0], [1, 4])).toThrow(mx.DtypeError);
  });
  it('too many indices / bad ellipsis raise IndexError', () => {
    expect(() => a.index(I([0]), 0, 0)).toThrow(mx.IndexError);
    expect(() => a.index(I([0]), '...', '...')).toThrow(mx.IndexError);
    expect(() => a.indexPut_([0, 0, 0], 1)).toThrow(mx.IndexError);
    expect(() => a.index(5, I([0]))).toThrow(mx.IndexError);
  });
  it('shape mismatches raise ShapeError', () => {
    const b = mx.copy(a);
    expect(() => b.indexPut_(I([0, 1]), mx.array([1, 2, 3]))).toThrow(mx.ShapeError);
    expect(() => b.indexPut_([mx.Slice(), 0], mx.array([1, 2]))).toThrow(mx.ShapeError);
    expect(() => b.indexPut_(mx.array([true, false]), 1)).toThrow(mx.ShapeError);
    expect(() => mx.takeAlongAxis(a, I([0]), 0)).toThrow(mx.ShapeError);
    expect(() => mx.putAlongAxis(a, I([[0, 1, 2]]), mx.array([[1, 2, 3, 4, 5]]), 0)).toThrow(mx.ShapeError);
    expect(() => mx.take(a, I([0]), 2)).toThrow(mx.ShapeError);
    expect(b.tolist()).toEqual(a.tolist());
  });
  it('boolean indices: only in assignment, as MLX', () => {
    expect(() => a.index(mx.array([true, false, true]))).toThrow(mx.InvalidArgumentError);
    expect(() => a.at(mx.array([true, false, true])).add(1)).toThrow(mx.InvalidArgumentError);
    const b = mx.copy(a);
    b.indexPut_(mx.array([[true, false, false, false], [false, false, false, false], [false, false, false, true]]),
      mx.array([7]));
    expect(() => b.tolist()).toThrow();  // MLX: source has too few elements for the mask
  });
});
