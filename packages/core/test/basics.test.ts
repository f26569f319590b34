import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';

describe('array basics', () => {
  it('creates arrays with and without new', () => {
    const a = mx.array([[1, 2, 3], [4, 5, 6]]);
    const b = new mx.array([1, 2], mx.int32);
    expect(a instanceof mx.array).toBe(true);
    expect(b instanceof mx.array).toBe(true);
    expect(a.shape).toEqual([2, 3]);
    expect(a.dtype).toBe(mx.float32);
    expect(b.dtype).toBe(mx.int32);
    expect(a.tolist()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(mx.array(true).dtype).toBe(mx.bool);
  });
  it('prints like MLX', () => {
    expect(mx.array([1, 2, 3]).toString()).toBe('array([1, 2, 3], dtype=float32)');
    expect(mx.array([[1.5, 2], [3, 4]]).toString()).toBe('array([[1.5, 2],\n       [3, 4]], dtype=float32)');
    expect(mx.array([1e-5, 1e6]).toString()).toBe('array([1e-05, 1e+06], dtype=float32)');
    expect(mx.array([true, false]).toString()).toBe('array([True, False], dtype=bool)');
  });
  it('indexes with numbers, slices, null and ellipsis', () => {
    const a = mx.array([[1, 2, 3], [4, 5, 6]]);
    expect(a.index(1).tolist()).toEqual([4, 5, 6]);
    expect(a.index(mx.Slice(), 1).tolist()).toEqual([2, 5]);
    expect(a.index('...', mx.Slice(null, null, -1)).tolist()).toEqual([[3, 2, 1], [6, 5, 4]]);
    expect(a.index(null, 0).shape).toEqual([1, 3]);
    expect(a.T.tolist()).toEqual([[1, 4], [2, 5], [3, 6]]);
  });
  it('throws typed errors', () => {
    expect(() => mx.array([[1, 2], [3]])).toThrow(mx.ShapeError);
    expect(() => mx.reshape(mx.array([1, 2, 3]), [2, 2])).toThrow(mx.ShapeError);
    const a = mx.array([1, 2]);
    a.dispose();
    expect(() => a.shape).toThrow('Error converting "this" to mx.array.');
  });
});
