// The CPU's row-group attention path (long non-causal float32 attention, whole score rows of 6 queries at a time,
// attention_rows_avx512.cc; the default for these shapes on AVX-512 machines) against MLX fixtures
// (scripts/oracles/sdpa_blocked.py), and against the online-softmax tiled kernel (MLX_SDPA_ROWS=0) at encoder shapes.
// On machines without AVX-512 both runs take the tiled kernel.
import { afterEach, describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { expectArrayClose, loadFixture } from './helpers/fixtures.js';
import { sdpaOnFixture } from './helpers/sdpa.js';

afterEach(() => { delete process.env.MLX_SDPA_ROWS; });

describe('row-group attention (MLX fixtures)', () => {
  for (const c of loadFixture('sdpa_blocked')) {
    it(c.name, () => expectArrayClose(sdpaOnFixture(c), c.expected, 1e-4, 1e-5));
  }
});

describe('row-group vs tiled kernel', () => {
  const r = (shape: number[], seed: number) => mx.random.normal(shape, mx.float32, 0, 1, mx.random.key(seed));
  const agree = (q: mx.array, k: mx.array, v: mx.array, scale: number, mask?: mx.array) => {
    const rows = mx.fast.scaledDotProductAttention(q, k, v, scale, mask);
    mx.eval(rows);
    process.env.MLX_SDPA_ROWS = '0';
    const tiled = mx.fast.scaledDotProductAttention(q, k, v, scale, mask);
    mx.eval(tiled);
    delete process.env.MLX_SDPA_ROWS;
    expectArrayClose(rows, tiled, 1e-5, 1e-6);
    expect(rows.shape).toEqual(tiled.shape);
  };
  it('SigLIP-like 2 tiles x 12 heads x 1024 x 64, second tile padded (key mask), first row group fully masked', () => {
    const keep = new Uint8Array(2 * 1024).fill(1);
    keep.fill(0, 0, 1024); // tile 0: every key masked (MLX averages over all keys)
    keep.fill(0, 1024 + 700);
    const mask = mx.reshape(mx.array(keep, mx.bool), [2, 1, 1, 1024]);
    agree(r([2, 12, 1024, 64], 1), r([2, 12, 1024, 64], 2), r([2, 12, 1024, 64], 3), 0.125, mask);
  });
  it('Whisper-like 1 x 6 x 1500 x 64 (keys not a multiple of 64, queries not of 6)', () => {
    agree(r([1, 6, 1500, 64], 4), r([1, 6, 1500, 64], 5), r([1, 6, 1500, 64], 6), 0.125);
  });
  it('head dim 80 (Qwen2-VL vision), grouped kv heads, Dv 48 != D', () => {
    agree(r([1, 16, 256, 80], 7), r([1, 16, 256, 80], 8), r([1, 16, 256, 80], 9), 80 ** -0.5);
    agree(r([1, 8, 100, 32], 10), r([1, 2, 333, 32], 11), r([1, 2, 333, 48], 12), 0.2);
  });
  it('more kv heads than one ~8 MB packing batch (3 x 4 kv heads of 4096 keys), grouped queries, key mask', () => {
    const keep = new Uint8Array(3 * 4096).fill(1);
    keep.fill(0, 4096 + 3000, 2 * 4096);
    const mask = mx.reshape(mx.array(keep, mx.bool), [3, 1, 1, 4096]);
    agree(r([3, 8, 40, 64], 14), r([3, 4, 4096, 64], 15), r([3, 4, 4096, 64], 16), 0.125, mask);
  });
  it('fused q/k/v slices of one projection (strided rows)', () => {
    const t = mx.transpose(r([1, 512, 36, 64], 13), [0, 2, 1, 3]);
    const [q, k, v] = [0, 1, 2].map((i) => t.index(mx.Slice(), mx.Slice(i * 12, (i + 1) * 12)));
    agree(q, k, v, 0.125);
  });
});
