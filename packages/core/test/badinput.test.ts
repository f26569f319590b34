import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';

// Bad input must give a typed error with a code and leave the process healthy.
describe('bad input', () => {
  const cases: [string, () => unknown, new (...a: any[]) => mx.MlxError][] = [
    ['ragged nested list', () => mx.array([[1, 2], [3]]), mx.ShapeError],
    ['ragged depth', () => mx.array([[1, 2], 3] as any), mx.ShapeError],
    ['non-numeric leaf', () => mx.array(['a'] as any), mx.InvalidArgumentError],
    ['reshape size mismatch', () => mx.reshape(mx.array([1, 2, 3]), [2, 2]), mx.ShapeError],
    ['two inferred dims', () => mx.reshape(mx.array([1, 2, 3, 4]), [-1, -1]), mx.ShapeError],
    ['invalid axis', () => mx.sum(mx.array([1, 2]), 3), mx.IndexError],
    ['duplicate axes', () => mx.sum(mx.ones([2, 2]), [0, 0]), mx.InvalidArgumentError],
    ['transpose bad perm', () => mx.transpose(mx.ones([2, 2]), [0, 0]), mx.ShapeError],
    ['broadcast mismatch', () => mx.add(mx.ones([2, 3]), mx.ones([4])), mx.ShapeError],
    ['matmul inner mismatch', () => mx.matmul(mx.ones([2, 3]), mx.ones([4, 2])), mx.ShapeError],
    ['NaN in shape', () => mx.zeros([NaN]), mx.InvalidArgumentError],
    ['fractional shape', () => mx.zeros([2.5]), mx.InvalidArgumentError],
    ['negative shape', () => mx.zeros([-3]), mx.ShapeError],
    ['huge size overflow', () => mx.zeros([2 ** 40, 2 ** 40]), mx.ShapeError],
    ['huge allocation', () => mx.eval(mx.zeros([2 ** 50])), mx.OutOfMemoryError],
    ['bitwise on floats', () => mx.bitwiseAnd(mx.ones([2]), mx.ones([2])), mx.DtypeError],
    ['concatenate mismatched', () => mx.concatenate([mx.ones([2, 2]), mx.ones([3, 3])], 0), mx.ShapeError],
    ['index out of range', () => mx.ones([2]).index(5), mx.IndexError],
    ['too many indices', () => mx.ones([2]).index(0, 0), mx.IndexError],
    ['split unequal', () => mx.split(mx.ones([5]), 2), mx.ShapeError],
    ['squeeze non-unit', () => mx.squeeze(mx.ones([2, 3]), 0), mx.ShapeError],
    ['unknown dtype object', () => mx.astype(mx.ones([2]), { id: 99 } as any), mx.DtypeError],
  ];
  for (const [name, fn, cls] of cases) {
    it(name, () => {
      let err: unknown;
      try { fn(); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(cls);
      expect(typeof (err as mx.MlxError).code).toBe('string');
      expect((err as mx.MlxError).code).toMatch(/^MLX_/);
    });
  }
  it('the process is healthy afterwards', () => {
    expect(mx.add(mx.array([1, 2]), mx.array([3, 4])).tolist()).toEqual([4, 6]);
  });
});
