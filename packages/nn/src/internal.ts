// Small bridges to @mlx/core functions that may not exist in every build (mx.fast, conv,
// quantization). fast.* fall back to compositions of basic ops; conv and quantization throw.
import * as mx from '@mlx/core';

const M = mx as any;
type A = mx.array;

export const hasFast = (name: string): boolean => typeof M.fast?.[name] === 'function';
export const hasOp = (name: string): boolean => typeof M[name] === 'function';

/** Calls mx[name](...args) or throws a clear error naming the missing core function. */
export function coreOp(name: string, ...args: unknown[]): any {
  const f = M[name];
  if (typeof f !== 'function') throw new mx.NotImplementedError(`[nn] mx.${name} is not available in this build of @mlx/core.`);
  return f(...args);
}

/** mx.fast.layerNorm(x, weight, bias, eps); normalises over the last axis. */
export function layerNorm(x: A, weight: A | null | undefined, bias: A | null | undefined, eps: number): A {
  if (hasFast('layerNorm')) return M.fast.layerNorm(x, weight ?? null, bias ?? null, eps);
  const xf = x.dtype === mx.float32 ? x : mx.astype(x, mx.float32);
  const xc = mx.subtract(xf, mx.mean(xf, -1, true));
  let y = mx.multiply(xc, mx.rsqrt(mx.add(mx.mean(mx.square(xc), -1, true), eps)));
  if (y.dtype !== x.dtype) y = mx.astype(y, x.dtype);
  if (weight) y = mx.multiply(y, weight);
  if (bias) y = mx.add(y, bias);
  return y;
}

/** mx.fast.rmsNorm(x, weight, eps). */
export function rmsNorm(x: A, weight: A | null | undefined, eps: number): A {
  if (hasFast('rmsNorm')) return M.fast.rmsNorm(x, weight ?? null, eps);
  const xf = x.dtype === mx.float32 ? x : mx.astype(x, mx.float32);
  let y = mx.multiply(xf, mx.rsqrt(mx.add(mx.mean(mx.square(xf), -1, true), eps)));
  if (y.dtype !== x.dtype) y = mx.astype(y, x.dtype);
  return weight ? mx.multiply(y, weight) : y;
}

/** mx.fast.rope(x, dims, traditional, base, scale, offset): rotary embedding over axis -2 positions. */
export function rope(x: A, dims: number, traditional: boolean, base: number, scale: number, offset: number): A {
  if (hasFast('rope')) return M.fast.rope(x, dims, traditional, base, scale, offset);
  const L = x.shape[x.ndim - 2];
  const half = dims / 2;
  const pos = mx.multiply(mx.arange(offset, offset + L, 1, mx.float32), scale);
  const invFreq = mx.exp(mx.multiply(mx.arange(0, -half, -1, mx.float32), Math.log(base) / half));
  const theta = mx.multiply(mx.reshape(pos, [L, 1]), mx.reshape(invFreq, [1, half]));
  const cos = mx.cos(theta), sin = mx.sin(theta);
  const S = mx.Slice;
  const lead: (null | mx.Slice)[] = Array(x.ndim - 1).fill(S());
  const take = (start: number, stop: number, step = 1) => x.index(...lead, S(start, stop, step));
  const [x1, x2] = traditional ? [take(0, dims, 2), take(1, dims, 2)] : [take(0, half), take(half, dims)];
  const r1 = mx.subtract(mx.multiply(x1, cos), mx.multiply(x2, sin));
  const r2 = mx.add(mx.multiply(x1, sin), mx.multiply(x2, cos));
  let rot = traditional ? mx.reshape(mx.stack([r1, r2], -1), [...x.shape.slice(0, -1), dims]) : mx.concatenate([r1, r2], -1);
  if (rot.dtype !== x.dtype) rot = mx.astype(rot, x.dtype);
  return dims < x.shape[x.ndim - 1] ? mx.concatenate([rot, take(dims, x.shape[x.ndim - 1])], -1) : rot;
}

/** mx.fast.scaledDotProductAttention(q, k, v, scale, mask): q [B, Hq, L, D], k/v [B, Hkv, S, D]. */
export function sdpa(q: A, k: A, v: A, scale: number, mask?: A | 'causal' | null): A {
  if (hasFast('scaledDotProductAttention')) return M.fast.scaledDotProductAttention(q, k, v, scale, mask ?? undefined);
  const [B, Hq, L, D] = q.shape, Hkv = k.shape[1], S = k.shape[2];
  const rep = Hq / Hkv;
  let qs = mx.multiply(q, scale);
  let kk = k, vv = v;
  if (rep > 1) {  // grouped-query attention: fold the repeat into the query
    qs = mx.reshape(qs, [B, Hkv, rep, L, D]);
    kk = mx.expandDims(k, 2); vv = mx.expandDims(v, 2);
  }
  let scores = mx.matmul(qs, mx.swapaxes(kk, -1, -2));
  if (mask === 'causal') {
    const qi = mx.reshape(mx.arange(S - L, S, 1, mx.int32), [L, 1]), ki = mx.reshape(mx.arange(0, S, 1, mx.int32), [1, S]);
    scores = mx.where(mx.greaterEqual(qi, ki), scores, mx.finfo(scores.dtype).min);
  } else if (mask) {
    let m = mask;
    if (rep > 1 && m.ndim >= 3 && m.shape[m.ndim - 3] === Hq) m = mx.unflatten(m, m.ndim - 3, [Hkv, rep]);
    scores = m.dtype === mx.bool ? mx.where(m, scores, mx.finfo(scores.dtype).min) : mx.add(scores, m);
  }
  const probs = mx.softmax(scores, -1, true);
  const out = mx.matmul(probs, vv);
  return rep > 1 ? mx.reshape(out, [B, Hq, L, D]) : out;
}
