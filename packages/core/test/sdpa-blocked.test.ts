// The CPU's blocked attention path (long non-causal float32 attention as per-block GEMMs, attention_blocked_avx512.cc)
// against MLX fixtures (scripts/oracles/sdpa_blocked.py), and against the default tiled kernel at a SigLIP shape.
// The path is opt-in (MLX_SDPA_BLOCKED=1); on machines without AVX-512 both runs take the tiled kernel.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { expectArrayClose, loadFixture } from './helpers/fixtures.js';
import { sdpaOnFixture } from './helpers/sdpa.js';

// MLX_SDPA_ROWS=0: the default row-group kernel (sdpa-rows.test.ts) would otherwise take these shapes first.
beforeEach(() => { process.env.MLX_SDPA_BLOCKED = '1'; process.env.MLX_SDPA_ROWS = '0'; });
afterEach(() => { delete process.env.MLX_SDPA_BLOCKED; delete process.env.MLX_SDPA_ROWS; });

describe('blocked attention (MLX fixtures)', () => {
  for (const c of loadFixture('sdpa_blocked')) {
    it(c.name, () => expectArrayClose(sdpaOnFixture(c), c.expected, 1e-4, 1e-5));
  }
});

describe('blocked vs tiled kernel', () => {
  const r = (shape: number[], seed: number) => mx.random.normal(shape, mx.float32, 0, 1, mx.random.key(seed));
  it('SigLIP-like 2 tiles x 12 heads x 1024 x 64 with a padded tile agree', () => {
    const q = r([2, 12, 1024, 64], 1), k = r([2, 12, 1024, 64], 2), v = r([2, 12, 1024, 64], 3);
    const keep = new Uint8Array(2 * 1024).fill(1);
    keep.fill(0, 1024 + 700);
    const mask = mx.reshape(mx.array(keep, mx.bool), [2, 1, 1, 1024]);
    const blocked = mx.fast.scaledDotProductAttention(q, k, v, 0.125, mask);
    mx.eval(blocked);
    process.env.MLX_SDPA_BLOCKED = '0';
    const tiled = mx.fast.scaledDotProductAttention(q, k, v, 0.125, mask);
    expectArrayClose(blocked, tiled, 1e-5, 1e-6);
    expect(blocked.shape).toEqual([2, 12, 1024, 64]);
  });
});
