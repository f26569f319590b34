// Pieces of the llama.cpp rounding emulation (MLX_LM_EMULATE_Q8): the f16 rounding against the engine's own
// float16 conversion, the f16-accumulating flash attention against exact attention (close, not equal), and
// ggml's RoPE angles against the closed form.
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { f16Round, flashAttentionF16, ggmlRopeCosSin } from '../src/emulation.js';

describe('llama.cpp rounding emulation', () => {
  it('f16Round equals float32 → float16 → float32 conversion (normals, subnormals, ties, overflow)', () => {
    const xs = Float32Array.from([0, -0, 1, -1, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 65504, 65519, 65520, 1e-5, 6e-8, 3e-8, 2 ** -25,
      ...Array.from({ length: 2000 }, (_, i) => Math.sin(i * 12.9898) * 10 ** ((i % 14) - 8))]);
    const want = mx.astype(mx.astype(mx.array(xs), mx.float16), mx.float32).toTypedArray() as Float32Array;
    xs.forEach((x, i) => expect(f16Round(x), `x=${x}`).toBe(want[i]));
  });

  it('flash attention with an f16 accumulator stays within f16 error of exact attention', () => {
    mx.random.seed(3);
    const q = mx.random.normal([1, 4, 5, 16]), k = mx.random.normal([1, 2, 9, 16]), v = mx.random.normal([1, 2, 9, 16]);
    const got = flashAttentionF16(q, k, v, 0.25, (_b, i, j) => j <= 4 + i);
    const want = mx.fast.scaledDotProductAttention(q, k, v, 0.25, 'causal');
    const err = mx.max(mx.abs(mx.subtract(got, want))).item() as number;
    expect(err).toBeLessThan(5e-3);
    expect(err).toBeGreaterThan(0);  // it really rounds
  });

  it('ggml RoPE angles are within float32 accumulation error of pos · base^(−2i/d)', () => {
    const { cos, sin } = ggmlRopeCosSin(60, 4, 10000, 64);
    const c = cos.toTypedArray() as Float32Array, s = sin.toTypedArray() as Float32Array;
    for (let t = 0; t < 4; t++) for (let i = 0; i < 32; i++) {
      const a = (60 + t) * 10000 ** (-(2 * i) / 64);
      expect(Math.abs(c[t * 32 + i] - Math.cos(a))).toBeLessThan(1e-4);
      expect(Math.abs(s[t * 32 + i] - Math.sin(a))).toBeLessThan(1e-4);
    }
  });
});
