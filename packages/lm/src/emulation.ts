// Numerics experiment (MLX_LM_EMULATE_Q8=1, off by default): llama.cpp's CPU flash attention with an f16 KV cache,
// computed in plain JS so its sequential f16 rounding is reproduced. Per query row, keys in order:
//   s = (f16(q) · k) · scale (f32);  if s > M: M = s, VKQ = f16(VKQ · e^(Mold−M)), w = 1, else w = e^(s−M);
//   VKQ = f16(VKQ + v · w);  S = S · ms + w;  out = f32(VKQ) / S.
// The f16 accumulator is what moves logits by ~0.05 against a float32 attention. Slow (the graph is evaluated
// per layer); for fixture comparisons only.
//
// What it achieves (SmolLM2 Q4_1, bench/lm/llamacpp_agreement.mjs): with Q8_1/Q8_0 activations, the Q8_1 f16 block
// sum, f16 K/V/Q, this flash attention and ggml's RoPE angles, prompt "capital of France" follows llama.cpp for 9
// tokens (0 without emulation; transformers float32 and our unemulated model both answer "The capital of France is
// Paris."), others 8 and 3; not the ≥ 5/6 full matches hoped for. Why it cannot get exact: Q8 activation rounding
// is discontinuous, so 1e-6 differences in summation order (SIMD lanes, block order, a 46-row GEMM vs a 1-row GEMV)
// flip single activations by a whole quantization step. Our own emulated model's logits for the same tokens differ
// by up to 0.97 between a full prefill and prefill + incremental decode (7e-5 without emulation), more than
// llama.cpp's departure margins (0.003-0.12); matching would need ggml's exact accumulation order in every dot.
import * as mx from '@mlx/core';

type A = mx.array;

const F32 = new Float32Array(1), U32 = new Uint32Array(F32.buffer);
/** Round a float32 value to the nearest f16 (ties to even), returned as a number. */
export function f16Round(x: number): number {
  F32[0] = x;
  const bits = U32[0], sign = bits >>> 31 ? -1 : 1, exp = (bits >>> 23) & 0xff;
  const a = Math.abs(F32[0]);
  if (exp === 0xff || a === 0) return F32[0];
  if (a >= 65520) return sign * Infinity;
  const e = Math.max(exp - 127, -14);
  const ulp = 2 ** (e - 10);
  const q = a / ulp;
  let f = Math.floor(q);
  const d = q - f;
  if (d > 0.5 || (d === 0.5 && f % 2 === 1)) f++;
  return sign * f * ulp;
}

/**
 * Attention of q [B, H, T, D] over k/v [B, KV, L, D] (already f16 values) with llama.cpp's flash-attention
 * rounding. `allowed(b, i, j)`: may query i attend key j.
 */
export function flashAttentionF16(q: A, k: A, v: A, scale: number, allowed: (b: number, i: number, j: number) => boolean): A {
  const [B, H, T, D] = q.shape, KV = k.shape[1], L = k.shape[2];
  mx.eval(q, k, v);
  const qd = mx.astype(q, mx.float32).toTypedArray() as Float32Array;
  const kd = mx.astype(k, mx.float32).toTypedArray() as Float32Array;
  const vd = mx.astype(v, mx.float32).toTypedArray() as Float32Array;
  const out = new Float32Array(B * H * T * D);
  const acc = new Float64Array(D);
  const qh = new Float32Array(D);
  for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) {
    const kvh = Math.floor(h / (H / KV));
    for (let i = 0; i < T; i++) {
      const qo = ((b * H + h) * T + i) * D;
      for (let d = 0; d < D; d++) qh[d] = f16Round(qd[qo + d]);
      acc.fill(0);
      let M = -Infinity, S = 0;
      for (let j = 0; j < L; j++) {
        if (!allowed(b, i, j)) continue;
        const ko = ((b * KV + kvh) * L + j) * D;
        let dot = 0;
        for (let d = 0; d < D; d++) dot += qh[d] * kd[ko + d];
        const s = Math.fround(Math.fround(dot) * scale);
        let ms = 1, vs = 1;
        if (s > M) {
          const Mold = M;
          M = s;
          ms = Math.fround(Math.exp(Mold - M));
          for (let d = 0; d < D; d++) acc[d] = f16Round(Math.fround(acc[d] * ms));
        } else {
          vs = Math.fround(Math.exp(s - M));
        }
        for (let d = 0; d < D; d++) acc[d] = f16Round(Math.fround(acc[d] + vd[ko + d] * vs));
        S = Math.fround(Math.fround(S * ms) + vs);
      }
      const inv = S === 0 ? 0 : Math.fround(1 / S);
      for (let d = 0; d < D; d++) out[qo + d] = Math.fround(acc[d] * inv);
    }
  }
  return mx.reshape(mx.array(out), [B, H, T, D]);
}

/** ggml's RoPE angles: theta_scale = powf(base, −2/dims), theta multiplied along the pairs in float32. */
export function ggmlRopeCosSin(offset: number, T: number, base: number, dims: number): { cos: A; sin: A } {
  const half = dims / 2, ts = Math.fround(Math.pow(base, -2 / dims));
  const cos = new Float32Array(T * half), sin = new Float32Array(T * half);
  for (let t = 0; t < T; t++) {
    let theta = Math.fround(offset + t);
    for (let i = 0; i < half; i++) {
      cos[t * half + i] = Math.fround(Math.cos(theta)), sin[t * half + i] = Math.fround(Math.sin(theta));
      theta = Math.fround(theta * ts);
    }
  }
  return { cos: mx.reshape(mx.array(cos), [1, T, half]), sin: mx.reshape(mx.array(sin), [1, T, half]) };
}
