import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { dtypeByName, expectArrayClose, loadFixture } from './helpers/fixtures.js';

const cases = loadFixture('creation');

function run(c: any): mx.array {
  const a = c.args;
  const dt = c.dtype ? dtypeByName(c.dtype) : undefined;
  switch (c.op) {
    case 'arange': return dt ? (mx.arange as any)(...a, dt) : (mx.arange as any)(...a);
    case 'linspace': return mx.linspace(a[0], a[1], a[2], dt);
    case 'eye': return mx.eye(a[0], a[1], a[2], dt);
    case 'identity': return mx.identity(a[0], dt);
    case 'tri': return mx.tri(a[0], a[1], a[2], dt);
    case 'zeros': return mx.zeros(a[0], dt);
    case 'ones': return mx.ones(a[0], dt);
  }
  throw new Error(c.op);
}

describe('creation against MLX', () => {
  for (const c of cases) it(c.name, () => expectArrayClose(run(c), c.expected));
});

describe('creation API', () => {
  it('infers the arange dtype from the numbers given', () => {
    expect(mx.arange(5).dtype).toBe(mx.int32);
    expect(mx.arange(1, 5, 2).dtype).toBe(mx.int32);
    expect(mx.arange(0, 1, 0.25).dtype).toBe(mx.float32);
    expect(mx.arange(2.5).tolist()).toEqual([0, 1, 2]);
    expect(mx.arange(4, mx.float32).dtype).toBe(mx.float32);
    expect(mx.arange(1, 4, mx.int8).tolist()).toEqual([1, 2, 3]);
  });
  it('defaults and full/like ops', () => {
    expect(mx.linspace(0, 1).shape).toEqual([50]);
    expect(mx.eye(2).tolist()).toEqual([[1, 0], [0, 1]]);
    expect(mx.tri(2).tolist()).toEqual([[1, 0], [1, 1]]);
    expect(mx.zeros(3).tolist()).toEqual([0, 0, 0]);
    expect(mx.full([2, 2], 7, mx.int32).tolist()).toEqual([[7, 7], [7, 7]]);
    expect(mx.full([2], mx.array([1, 2])).tolist()).toEqual([1, 2]);
    const a = mx.array([1, 2], mx.int16);
    expect(mx.zerosLike(a).dtype).toBe(mx.int16);
    expect(mx.onesLike(a).tolist()).toEqual([1, 1]);
  });
  it('throws typed errors', () => {
    expect(() => mx.arange(0, 10, 0)).toThrow(mx.InvalidArgumentError);
    expect(() => mx.arange(0, 3, 1, mx.bool)).toThrow(mx.DtypeError);
    expect(() => mx.arange(0, 1e10, 1)).toThrow(mx.InvalidArgumentError);
    expect(() => mx.linspace(0, 1, -1)).toThrow(mx.InvalidArgumentError);
    expect(() => mx.eye(-1)).toThrow(mx.InvalidArgumentError);
    expect(() => mx.zeros([-1])).toThrow();
  });
});
