// nn.losses against MLX (values and gradients), nn.init distributions and shapes.
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import * as nn from '@mlx/nn';
import { decode, expectArrayClose, fixture } from './helpers/nnfix.js';

type A = mx.array;
const rest = (r: any[]) => r.map((v) => (v && typeof v === 'object' && 'array' in v ? decode(v.array) : v));

describe('losses match MLX', () => {
  fixture.losses.forEach((c: any, i: number) => {
    it(`${c.fn} #${i} (${JSON.stringify(rest(c.rest).map((v) => (v instanceof mx.array ? 'array' : v)))})`, () => {
      const fn = (nn.losses as any)[c.fn] as (...a: any[]) => A;
      const arrays = c.arrays.map(decode);
      const extra = rest(c.rest);
      expectArrayClose(fn(...arrays, ...extra), c.expected, 1e-5, 1e-6);
      const g = mx.grad((a: A) => mx.sum(fn(a, ...arrays.slice(1), ...extra)))(arrays[0]);
      expectArrayClose(g, c.grad0, 1e-4, 1e-6);
    });
  });

  it('has all 14 MLX losses', () => {
    const names = ['crossEntropy', 'binaryCrossEntropy', 'l1Loss', 'mseLoss', 'nllLoss', 'klDivLoss', 'smoothL1Loss', 'tripletLoss',
      'hingeLoss', 'huberLoss', 'logCoshLoss', 'cosineSimilarityLoss', 'marginRankingLoss', 'gaussianNllLoss'];
    for (const n of names) expect(typeof (nn.losses as any)[n]).toBe('function');
  });

  it('validates shapes, label smoothing and reduction with typed errors', () => {
    const a = mx.zeros([4, 3]);
    expect(() => nn.losses.mseLoss(a, mx.zeros([3, 4]))).toThrow(mx.ShapeError);
    expect(() => nn.losses.crossEntropy(a, mx.zeros([3], mx.int32))).toThrow(mx.ShapeError);
    expect(() => nn.losses.crossEntropy(a, mx.zeros([4], mx.int32), null, -1, 1.0)).toThrow(/Label smoothing/);
    expect(() => nn.losses.l1Loss(a, a, 'avg' as any)).toThrow(/reduction/);
    expect(() => nn.losses.crossEntropy(a, mx.zeros([4], mx.int32), mx.ones([3]))).toThrow(/Weights/);
  });
});

describe('nn.init', () => {
  const stats = (a: A) => {
    const v = Array.from(mx.astype(a, mx.float32).toTypedArray() as Float32Array);
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    const sd = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length);
    return { mean, sd, min: Math.min(...v), max: Math.max(...v) };
  };
  const w = mx.zeros([200, 100]);

  it('constant, identity', () => {
    expect(nn.init.constant(0.5)(w).tolist()[3][7]).toBe(0.5);
    expect(nn.init.constant(2, mx.float16)(w).dtype).toBe(mx.float16);
    expectArrayClose(nn.init.identity()(mx.zeros([3, 3])), mx.eye(3), 0, 0);
    expect(() => nn.init.identity()(mx.zeros([2, 3]))).toThrow(mx.ShapeError);
  });

  it('normal, uniform', () => {
    const n = stats(nn.init.normal(1.0, 2.0)(w));
    expect(Math.abs(n.mean - 1)).toBeLessThan(0.05);
    expect(Math.abs(n.sd - 2)).toBeLessThan(0.05);
    const u = stats(nn.init.uniform(-3, -1)(w));
    expect(u.min).toBeGreaterThanOrEqual(-3);
    expect(u.max).toBeLessThan(-1);
    expect(nn.init.uniform(0, 1, mx.bfloat16)(w).dtype).toBe(mx.bfloat16);
  });

  it('glorot / he use MLX fans (fan_in = last axis × receptive field)', () => {
    const g = stats(nn.init.glorotNormal()(w));
    expect(Math.abs(g.sd - Math.sqrt(2 / 300))).toBeLessThan(0.003);
    const gu = stats(nn.init.glorotUniform()(w, 2.0));
    expect(gu.max).toBeLessThanOrEqual(2 * Math.sqrt(6 / 300));
    expect(Math.abs(gu.sd - 2 * Math.sqrt(6 / 300) / Math.sqrt(3))).toBeLessThan(0.005);
    const conv = mx.zeros([64, 3, 3, 32]);  // fan_in 32*9, fan_out 64*9
    expect(Math.abs(stats(nn.init.heNormal()(conv)).sd - 1 / Math.sqrt(288))).toBeLessThan(0.003);
    expect(Math.abs(stats(nn.init.heNormal()(conv, 'fan_out')).sd - 1 / Math.sqrt(576))).toBeLessThan(0.002);
    expect(stats(nn.init.heUniform()(conv, 'fan_in', 3)).max).toBeLessThanOrEqual(3 * Math.sqrt(3 / 288));
    expect(() => nn.init.glorotNormal()(mx.zeros([5]))).toThrow(/at least 2 dimensional/);
    expect(() => nn.init.heNormal()(w, 'bad' as any)).toThrow(/Invalid mode/);
  });

  it('orthogonal gives orthonormal rows scaled by the gain', () => {
    const f = nn.init.orthogonal(2.0);
    const q = f(mx.zeros([3, 5]));
    expectArrayClose(mx.matmul(q, mx.transpose(q)), mx.multiply(mx.eye(3), 4), 1e-4, 1e-4);
  });

  it('sparse zeroes the requested fraction of each row', () => {
    const s = nn.init.sparse(0.3)(mx.zeros([10, 20])).tolist() as number[][];
    for (const row of s) expect(row.filter((x) => x === 0).length).toBe(6);
  });
});
