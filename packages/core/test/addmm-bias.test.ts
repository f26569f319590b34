// addmm with a bias row (c [N], beta 1): on the CPU the bias is added inside the GEMM's tile stores (gemm_bias_f32)
// when there are more than 32 rows. MLX fixtures from scripts/oracles/addmm_bias.py, and the generic path
// (beta ≠ 1, or a full c) as a second reference.
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { decode, expectArrayClose, loadFixture } from './helpers/fixtures.js';

describe('addmm with a bias row (MLX fixtures)', () => {
  for (const c of loadFixture('addmm_bias')) {
    it(c.name, () => {
      const [bias, a, b0] = c.inputs.map(decode);
      const b = c.args.tb === 'T' ? mx.transpose(b0) : b0;
      expectArrayClose(mx.addmm(bias, a, b, c.args.alpha), c.expected, 1e-5, 1e-5);
      // the same sum through a materialised c (the copy-then-accumulate path)
      const full = mx.addmm(mx.add(mx.zeros(c.expected.shape), bias), a, b, c.args.alpha);
      expectArrayClose(full, c.expected, 1e-5, 1e-5);
    });
  }
  it('a strided (non-unit) bias view and beta ≠ 1 take the generic path and agree', () => {
    const a = mx.random.normal([64, 32], mx.float32, 0, 1, mx.random.key(1)), b = mx.random.normal([32, 48], mx.float32, 0, 1, mx.random.key(2));
    const wide = mx.random.normal([96], mx.float32, 0, 1, mx.random.key(3));
    const strided = wide.index(mx.Slice(null, null, 2));
    const ref = mx.add(mx.matmul(a, b), mx.multiply(strided, 2));
    expectArrayClose(mx.addmm(strided, a, b, 1, 2), ref, 1e-5, 1e-5);
    expectArrayClose(mx.addmm(strided, a, b), mx.add(mx.matmul(a, b), strided), 1e-5, 1e-5);
    expect(mx.addmm(strided, a, b).shape).toEqual([64, 48]);
  });
  it('threaded products (row chunks over the pool, and the 2-D grid for few rows) agree with matmul + add', () => {
    const r = (shape: number[], seed: number) => mx.random.normal(shape, mx.float32, 0, 1, mx.random.key(seed));
    for (const [M, K, N] of [[1024, 96, 200], [40, 512, 256], [300, 768, 130]]) {
      const a = r([M, K], M), w = r([N, K], N), bias = r([N], K);
      expectArrayClose(mx.addmm(bias, a, mx.transpose(w)), mx.add(mx.matmul(a, mx.transpose(w)), bias), 1e-5, 1e-5);
    }
  });
});
