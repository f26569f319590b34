// Row invariance of quantizedMatmul (transposed weights): every row of an M-row product must be bit-identical to the
// same row computed alone, whatever M is up to the engine's invariant limit (64 rows), so that continuous batching
// gives each request exactly the result it would get by itself. Rows also stay close to x @ dequantize(w).T.
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';

/** Small deterministic generator (LCG) so the shapes are the same on every run. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function bitsOf(a: mx.array): Uint32Array {
  const f = Float32Array.from(a.astype(mx.float32).toTypedArray() as Float32Array);
  return new Uint32Array(f.buffer);
}

function checkCase(M: number, K: number, N: number, bits: number, gs: number, dtype: mx.Dtype, rows: number[]) {
  const w = mx.random.normal([N, K]).astype(dtype);
  const [wq, s, b] = mx.quantize(w, gs, bits);
  const x = mx.random.normal([M, K]);
  const y = mx.quantizedMatmul(x, wq, s, b, true, gs, bits);
  const all = bitsOf(y);
  for (const i of rows) {
    const alone = bitsOf(mx.quantizedMatmul(x.index(mx.Slice(i, i + 1)), wq, s, b, true, gs, bits));
    const row = all.subarray(i * N, (i + 1) * N);
    let diff = -1;
    for (let j = 0; j < N; j++) if (row[j] !== alone[j]) { diff = j; break; }
    expect(diff, `M=${M} K=${K} N=${N} bits=${bits} gs=${gs} ${dtype.name} row ${i} column ${diff}`).toBe(-1);
  }
  // Numerics: against the dequantized product (f32 GEMM), loosely (different summation order).
  const ref = mx.matmul(x, mx.dequantize(wq, s, b, gs, bits).astype(mx.float32).T);
  const err = mx.max(mx.abs(mx.subtract(y.astype(mx.float32), ref))).item() as number;
  const scale = mx.max(mx.abs(ref)).item() as number;
  expect(err / Math.max(scale, 1e-6)).toBeLessThan(dtype === mx.float32 ? 1e-4 : 2e-2);
}

describe('quantizedMatmul row invariance', () => {
  for (const bits of [4, 8]) {
    for (const gs of [32, 64, 128]) {
      it(`${bits}-bit, group size ${gs}: rows of an M-row product equal the rows alone`, () => {
        const r = rng(bits * 1000 + gs);
        mx.random.seed(bits * 7 + gs);
        const Ms = [2, 3, 5, 8, 9, 13, 31, 32, 47, 64];
        const dtypes = [mx.float32, mx.float16, mx.bfloat16];
        for (let t = 0; t < 6; t++) {
          const M = Ms[Math.floor(r() * Ms.length)];
          // K: whole groups, including lengths that end in a partial / half 128-element block.
          const K = gs * (1 + Math.floor(r() * (1024 / gs)));
          const N = 1 + Math.floor(r() * 80);
          const rows = [...new Set([0, M - 1, Math.floor(r() * M), Math.floor(r() * M)])];
          mx.tidy(() => checkCase(M, K, N, bits, gs, dtypes[t % 3], rows));
        }
      });
    }
  }

  it('model-shaped products (SmolLM2 dims, 4-bit and 8-bit gs 32) at decode batch sizes', () => {
    mx.random.seed(3);
    for (const [K, N, bits] of [[576, 1536, 4], [1536, 576, 4], [576, 192, 4], [576, 2048, 8]]) {
      for (const M of [16, 33, 64]) mx.tidy(() => checkCase(M, K, N, bits, 32, mx.float32, [0, 7, M - 1]));
    }
  });
});
