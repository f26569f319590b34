// mx.fast: fused normalisation, rotary positional encoding and attention (MLX's mlx.core.fast),
// with MLX's arguments positionally (keyword-only ones in their documented order).
import { toArr, type array, type ArrayLike } from './array.js';
import { streamArg, type StreamOrDevice } from './device.js';
import { track } from './memory.js';
import { N } from './native.js';

type A = ArrayLike;
const opt = (x: A | null | undefined) => (x == null ? undefined : toArr(x as any));

/** RMS normalisation over the last axis: `x * rsqrt(mean(x^2) + eps) * weight` (weight may be null). */
export const rmsNorm = (x: A, weight: A | null | undefined, eps: number, s?: StreamOrDevice): array =>
  track(N.fastRmsNorm(toArr(x), opt(weight), eps, streamArg(s)));

/** Layer normalisation over the last axis with optional affine weight and bias. */
export const layerNorm = (x: A, weight: A | null | undefined, bias: A | null | undefined, eps: number,
  s?: StreamOrDevice): array =>
  track(N.fastLayerNorm(toArr(x), opt(weight), opt(bias), eps, streamArg(s)));

/**
 * Rotary positional encoding of the first `dims` features of `a` (shape `[B, *, T, D]`).
 * Exactly one of `base` and `freqs` must be given; `offset` is an integer or an integer array
 * (a scalar or one offset per batch element).
 */
export const rope = (a: A, dims: number, traditional: boolean, base: number | null | undefined, scale: number,
  offset: number | A, freqs?: A | null, s?: StreamOrDevice): array =>
  track(N.fastRope(toArr(a), dims, traditional, base ?? undefined, scale,
    typeof offset === 'number' ? offset : toArr(offset as A), opt(freqs), streamArg(s)));

export type AttentionMask = 'causal' | A | null | undefined;

/**
 * `softmax(scale * q @ k^T + mask) @ v` for q `[B, Hq, Lq, D]`, k/v `[B, Hkv, Lk, D]` (Hq a multiple of Hkv).
 * `mask`: undefined, `'causal'` (lower-right aligned), a boolean mask or an additive mask broadcastable to
 * `[B, Hq, Lq, Lk]`. `sinks` (`[Hq]`) adds one extra logit per head to the softmax.
 */
export const scaledDotProductAttention = (q: A, k: A, v: A, scale: number, mask?: AttentionMask,
  sinks?: A | null, s?: StreamOrDevice): array =>
  track(N.fastScaledDotProductAttention(toArr(q), toArr(k), toArr(v), scale,
    typeof mask === 'string' ? mask : opt(mask as A), opt(sinks), streamArg(s)));
