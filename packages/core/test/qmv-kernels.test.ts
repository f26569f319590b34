// The few-row (qmv, M ≤ 8) quantized matmul kernels: every bit width, group sizes 16..128, every scale dtype,
// row counts that leave remainders of the 4-row blocks, K with a partial last block of 16 groups, and both
// thread counts. Oracle: the integer levels from dequantize (unit scales) times the stored scales and the float64
// matmul.
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { values } from './helpers/fixtures.js';

function maxRelErr(got: mx.array, ref: mx.array): number {
  const g = values(got.astype(mx.float64)), r = values(ref);
  let scale = 1, err = 0;
  for (const v of r) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < r.length; i++) err = Math.max(err, Math.abs(g[i] - r[i]));
  return err / scale;
}

/** Groups of `gs` (a multiple of 16) from groups of 32: each 32-group split in two halves with different scales. */
function quantizeGroups(w: mx.array, gs: number, bits: number): [mx.array, mx.array, mx.array] {
  if (gs >= 32) return mx.quantize(w, gs, bits) as [mx.array, mx.array, mx.array];
  const [q, s, b] = mx.quantize(w, 32, bits) as mx.array[];
  const G = s.shape[1] * 2;
  const alt = mx.reshape(mx.tile(mx.array([1, 1.25], s.dtype), [G / 2]), [1, G]);
  return [q, mx.multiply(mx.repeat(s, 2, -1), alt), mx.repeat(b, 2, -1)];
}

describe('quantizedMatmul few-row kernels', () => {
  for (const threads of [1, 2]) {
    it(`bits 2..8, group sizes 16..128, scale dtypes, M 1..8 (${threads} thread${threads > 1 ? 's' : ''})`, () => {
      const before = mx.getNumThreads();
      mx.setNumThreads(threads);
      try {
        let i = 0;
        for (const bits of [2, 3, 4, 5, 6, 8])
          for (const gs of [16, 32, 64, 128])
            for (const dt of [mx.float32, mx.float16, mx.bfloat16]) {
              mx.tidy(() => {
                i++;
                const M = 1 + (i % 8), N = 37 + (i % 5) * 4, K = gs === 128 ? 640 : 576 + 64 * (i % 2);
                const [q, s, b] = quantizeGroups(mx.random.normal([N, K]), gs, bits);
                const sc = s.astype(dt), bi = b.astype(dt);
                const x = mx.random.normal([M, K]);
                const got = mx.quantizedMatmul(x, q, sc, bi, true, gs, bits);
                // Exact weights in float64: the integer levels (unit scales, zero biases) times the stored scales.
                const G = K / gs, ones = mx.ones([N, G]), zeros = mx.zeros([N, G]);
                const levels = mx.reshape(mx.dequantize(q, ones, zeros, gs, bits).astype(mx.float64), [N, G, gs]);
                const per = (a: mx.array) => mx.expandDims(a.astype(mx.float64), -1);
                const wd = mx.reshape(mx.add(mx.multiply(levels, per(sc)), per(bi)), [N, K]);
                const ref = mx.matmul(x.astype(mx.float64), mx.transpose(wd));
                expect(got.shape).toEqual([M, N]);
                expect(maxRelErr(got, ref), `bits ${bits} gs ${gs} ${dt.name} M ${M} N ${N} K ${K}`).toBeLessThan(2e-5);
                return undefined;
              });
            }
      } finally {
        mx.setNumThreads(before);
      }
    });
  }

  it('a large output projection (threads split the rows) matches row by row', () => {
    const [q, s, b] = mx.quantize(mx.random.normal([4099, 640]), 32, 8);
    const x = mx.random.normal([1, 640]);
    const got = mx.quantizedMatmul(x, q, s, b, true, 32, 8);
    const ref = mx.matmul(x.astype(mx.float64), mx.transpose(mx.dequantize(q, s, b, 32, 8).astype(mx.float64)));
    expect(maxRelErr(got, ref)).toBeLessThan(2e-5);
  });
});
