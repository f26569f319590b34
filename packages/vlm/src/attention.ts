// Attention for the vision towers and the text decoder: the fused `mx.fast.scaledDotProductAttention`, or the same
// math as two matmuls around a float32 softmax (HF's "eager" attention). 'auto' is the fused kernel on every device:
// on the H200 the CUDA flash kernel beat the unfused cuBLAS form for SmolVLM's tiles and prompts (bench/vlm/gpu,
// 2026-11-26: encode 5.8 vs 11.2 ms for one tile, 39 vs 56 ms for 13). 'unfused' stays for comparisons.
import * as mx from '@mlx/core';

type A = mx.array;

export type AttentionMode = 'auto' | 'fused' | 'unfused';
const MODES: readonly AttentionMode[] = ['auto', 'fused', 'unfused'];

function modeFromEnv(): AttentionMode {
  const v = typeof process !== 'undefined' ? process.env.MLX_VLM_ATTENTION : undefined;
  if (v === undefined || v === '') return 'auto';
  if (!(MODES as string[]).includes(v)) throw new mx.InvalidArgumentError(`MLX_VLM_ATTENTION must be one of ${MODES.join(', ')} (got '${v}')`);
  return v as AttentionMode;
}
let mode: AttentionMode = modeFromEnv();

/** Picks how attention is computed (also `MLX_VLM_ATTENTION=auto|fused|unfused`); returns the previous mode. */
export function setAttentionMode(m: AttentionMode): AttentionMode {
  if (!MODES.includes(m)) throw new mx.InvalidArgumentError(`attention mode must be one of ${MODES.join(', ')} (got '${m}')`);
  const prev = mode;
  mode = m;
  return prev;
}

/**
 * softmax(q kᵀ · scale + mask) v for q [B, H, T, D], k/v [B, KV, S, D] (H a multiple of KV). `mask`: 'causal' (the
 * T queries are the last T of the S keys), a boolean array broadcastable to [B, H, T, S] (true = attend), or none.
 */
export function attention(q: A, k: A, v: A, scale: number, mask?: 'causal' | A): A {
  const [B, H, T, D] = q.shape, KV = k.shape[1], S = k.shape[2];
  if (mode !== 'unfused') return mx.fast.scaledDotProductAttention(q, k, v, scale, mask);
  // grouped heads: stack each KV head's query heads along the rows, so no K/V copies are needed
  const G = H / KV;
  const qg = G === 1 ? mx.multiply(q, scale) : mx.reshape(mx.multiply(q, scale), [B, KV, G * T, D]);
  let scores = mx.astype(mx.matmul(qg, mx.swapaxes(k, -1, -2)), mx.float32); // [B, KV, G*T, S]
  if (mask === 'causal') {
    const row = mx.reshape(mx.remainder(mx.arange(G * T, mx.int32), T), [G * T, 1]);
    const keep = mx.lessEqual(mx.reshape(mx.arange(S, mx.int32), [1, S]), mx.add(row, S - T));
    scores = mx.where(keep, scores, -Infinity);
  } else if (mask !== undefined) {
    const m = G === 1 ? mask : mx.reshape(mx.broadcastTo(mask, [B, H, T, S]), [B, KV, G * T, S]);
    scores = mx.where(m, scores, -Infinity);
  }
  const out = mx.matmul(mx.astype(mx.softmax(scores, -1), v.dtype), v);
  return G === 1 ? out : mx.reshape(out, [B, H, T, D]);
}
