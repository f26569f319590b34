// scaledDotProductAttention with boolean masks whose tail key blocks are fully masked (a decode step over a
// fixed-size KV buffer): the kernel skips those blocks. Oracle: the composed float64 softmax(where(mask, s, min)).
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';

function reference(q: mx.array, k: mx.array, v: mx.array, scale: number, mask: mx.array): mx.array {
  const [, H] = q.shape, KV = k.shape[1];
  const kk = mx.repeat(k, H / KV, 1).astype(mx.float64), vv = mx.repeat(v, H / KV, 1).astype(mx.float64);
  const s = mx.multiply(mx.matmul(q.astype(mx.float64), mx.transpose(kk, [0, 1, 3, 2])), scale);
  const masked = mx.where(mask, s, -3.4028234663852886e38);
  return mx.matmul(mx.softmax(masked, -1), vv);
}

function maxErr(a: mx.array, b: mx.array): number {
  return mx.max(mx.abs(mx.subtract(a.astype(mx.float64), b))).item() as number;
}

describe('sdpa with fully masked key blocks', () => {
  it.each([[1, 70], [1, 1], [3, 130], [1, 299]])('Lq %i, first %i of 300 keys visible', (Lq, visible) => {
    const q = mx.random.normal([1, 6, Lq, 64]), k = mx.random.normal([1, 2, 300, 64]), v = mx.random.normal([1, 2, 300, 64]);
    const mask = mx.reshape(mx.less(mx.arange(300), visible), [1, 1, 1, 300]);
    const out = mx.fast.scaledDotProductAttention(q, k, v, 0.125, mask);
    expect(maxErr(out, reference(q, k, v, 0.125, mask))).toBeLessThan(1e-5);
  });

  it('a fully masked row still averages every value (no block is skipped then)', () => {
    const q = mx.random.normal([1, 2, 2, 32]), k = mx.random.normal([1, 2, 200, 32]), v = mx.random.normal([1, 2, 200, 32]);
    // row 0 sees keys < 10; row 1 sees none
    const rows = mx.stack([mx.less(mx.arange(200), 10), mx.zeros([200], mx.bool)]);
    const mask = mx.reshape(rows, [1, 1, 2, 200]);
    const out = mx.fast.scaledDotProductAttention(q, k, v, 0.2, mask);
    expect(maxErr(out, reference(q, k, v, 0.2, mask))).toBeLessThan(1e-5);
  });
});
