// mx.fast against MLX oracle fixtures (scripts/oracles/fast.py), composed references for large
// shapes (Whisper-like, long-cache decode, causal prefill), finite differences, vmap/jvp and errors.
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { decode, expectArrayClose, loadFixture } from './helpers/fixtures.js';

const cases = loadFixture('fast');
const byOp = (op: string) => cases.filter((c) => c.op === op);
const opt = (e: any) => (e == null ? null : decode(e));
const tol = (dt: string, f32: [number, number]): [number, number] =>
  dt === 'float16' ? [5e-3, 5e-3] : dt === 'bfloat16' ? [3e-2, 3e-2] : f32;
function view(x: mx.array, v: string | null): mx.array {
  if (v === 'T') return mx.swapaxes(x, -1, -2);
  if (v === 'step') return x.index('...', mx.Slice(null, null, 2));
  return x;
}

describe('fast.rmsNorm / layerNorm (MLX fixtures)', () => {
  for (const c of byOp('rms_norm')) {
    it(c.name, () => {
      const x = view(decode(c.inputs[0]), c.args.view);
      const out = mx.fast.rmsNorm(x, opt(c.inputs[1]), c.args.eps);
      const [r, a] = tol(c.expected.dtype, [1e-5, 1e-5]);
      expectArrayClose(out, c.expected, r, a);
    });
  }
  for (const c of byOp('layer_norm')) {
    it(c.name, () => {
      const x = view(decode(c.inputs[0]), c.args.view);
      const out = mx.fast.layerNorm(x, opt(c.inputs[1]), opt(c.inputs[2]), c.args.eps);
      const [r, a] = tol(c.expected.dtype, [1e-5, 1e-5]);
      expectArrayClose(out, c.expected, r, a);
    });
  }
});

describe('fast.rope (MLX fixtures)', () => {
  for (const c of byOp('rope')) {
    it(c.name, () => {
      const x = view(decode(c.inputs[0]), c.args.view);
      const offset = c.inputs[1] ? decode(c.inputs[1]) : c.args.offset;
      const out = mx.fast.rope(x, c.args.dims, c.args.traditional, c.args.base, c.args.scale, offset, opt(c.inputs[2]));
      // At large positions one float32 ulp of the angle (MLX's exp/cos vs libm) moves cos by ~1e-4.
      const [r, a] = tol(c.expected.dtype, c.name === 'rope_long_pos' ? [1e-3, 1e-3] : [1e-5, 2e-5]);
      expectArrayClose(out, c.expected, r, a);
    });
  }
});

describe('fast.scaledDotProductAttention (MLX fixtures)', () => {
  for (const c of byOp('sdpa')) {
    it(c.name, () => {
      let q = decode(c.inputs[0]);
      if (c.args.view === 'qT') q = mx.swapaxes(q, -1, -2);
      const k = decode(c.inputs[1]), v = decode(c.inputs[2]);
      const mask = c.args.mask === 'causal' ? 'causal' : opt(c.inputs[3]);
      const sinks = opt(c.inputs[4]);
      const f = (a: mx.array, b: mx.array, d: mx.array) => mx.fast.scaledDotProductAttention(a, b, d, c.args.scale, mask, sinks);
      const [r, a] = tol(c.expected.dtype, [1e-4, 1e-5]);
      expectArrayClose(f(q, k, v), c.expected, r, a);
      if (c.grads) {
        const [, g] = mx.vjp(f, [q, k, v], [decode(c.cotangent)]);
        for (let i = 0; i < 3; i++) expectArrayClose(g[i], c.grads[i], 1e-4, 1e-5);
      }
    });
  }
});

describe('vjp rules (MLX fixtures)', () => {
  it('rmsNorm', () => {
    const c = byOp('vjp_rms_norm')[0];
    const [x, w, ct] = c.inputs.map(decode);
    const [, g] = mx.vjp((a, b) => mx.fast.rmsNorm(a, b, c.args.eps), [x, w], [ct]);
    expectArrayClose(g[0], c.expected[0], 1e-4, 1e-5);
    expectArrayClose(g[1], c.expected[1], 1e-4, 1e-5);
  });
  it('layerNorm', () => {
    const c = byOp('vjp_layer_norm')[0];
    const [x, w, b, ct] = c.inputs.map(decode);
    const [, g] = mx.vjp((a, p, q) => mx.fast.layerNorm(a, p, q, c.args.eps), [x, w, b], [ct]);
    for (let i = 0; i < 3; i++) expectArrayClose(g[i], c.expected[i], 1e-4, 1e-5);
  });
  for (const c of byOp('vjp_rope')) {
    it(c.name, () => {
      const [x, ct] = c.inputs.map(decode);
      const [, g] = mx.vjp((a) => mx.fast.rope(a, c.args.dims, c.args.traditional, 10000, 1, c.args.offset), [x], [ct]);
      expectArrayClose(g[0], c.expected[0], 1e-5, 1e-5);
    });
  }
});

// Composed reference: softmax(scale q k^T masked) v with kv heads repeated for GQA.
function reference(q: mx.array, k: mx.array, v: mx.array, scale: number, mask?: 'causal' | mx.array): mx.array {
  const [B, hq, lq] = q.shape, [, hkv, lk] = k.shape, rep = hq / hkv;
  const rk = (t: mx.array) => mx.reshape(mx.broadcastTo(mx.expandDims(t, 2), [B, hkv, rep, lk, t.shape[3]]), [B, hq, lk, t.shape[3]]);
  let s = mx.matmul(mx.multiply(q, scale), mx.swapaxes(rk(k), -1, -2));
  if (mask === 'causal') {
    const qi = mx.expandDims(mx.arange(lk - lq, lk, 1, mx.int32), 1), ki = mx.expandDims(mx.arange(0, lk, 1, mx.int32), 0);
    s = mx.where(mx.greaterEqual(qi, ki), s, -3.4028234663852886e38);
  } else if (mask) {
    s = mask.dtype === mx.bool ? mx.where(mask, s, -3.4028234663852886e38) : mx.add(s, mask);
  }
  return mx.matmul(mx.softmax(s, -1), rk(v));
}

describe('attention at model shapes (composed reference)', () => {
  const r = (shape: number[]) => mx.random.normal(shape, mx.float32, 0, 1, mx.random.key(shape.reduce((a, b) => a + b, 0)));
  it('Whisper-like 1x8x1500x64, no mask', () => {
    const q = r([1, 8, 1500, 64]), k = r([1, 8, 1500, 65]).index('...', mx.Slice(0, 64)), v = r([1, 8, 1500, 64]);
    expectArrayClose(mx.fast.scaledDotProductAttention(q, k, v, 0.125), reference(q, k, v, 0.125), 1e-4, 2e-5);
  });
  it('LLM decode 1x9x1x64 with 3 kv heads and a long cache', () => {
    const q = r([1, 9, 1, 64]), k = r([1, 3, 4099, 64]), v = r([1, 3, 4099, 64]);
    expectArrayClose(mx.fast.scaledDotProductAttention(q, k, v, 0.125), reference(q, k, v, 0.125), 1e-4, 2e-5);
    const m = mx.greater(r([4099]), -1.0);
    expectArrayClose(mx.fast.scaledDotProductAttention(q, k, v, 0.125, m), reference(q, k, v, 0.125, m), 1e-4, 2e-5);
  });
  it('causal prefill 2x4x300x64 with 2 kv heads, and a strided cache view', () => {
    const q = r([2, 4, 300, 64]), k = r([2, 2, 300, 64]), v = r([2, 2, 600, 64]).index(mx.Slice(), mx.Slice(), mx.Slice(null, null, 2));
    expectArrayClose(mx.fast.scaledDotProductAttention(q, k, v, 0.125, 'causal'), reference(q, k, v, 0.125, 'causal'), 1e-4, 2e-5);
  });
  it('float16 Whisper-like block agrees with float32', () => {
    const q = r([1, 2, 200, 64]), k = r([1, 2, 200, 64]), v = r([1, 2, 200, 64]);
    const h = mx.fast.scaledDotProductAttention(q.astype(mx.float16), k.astype(mx.float16), v.astype(mx.float16), 0.125);
    expect(h.dtype).toBe(mx.float16);
    expectArrayClose(h.astype(mx.float32), reference(q, k, v, 0.125), 1e-2, 1e-2);
  });
  it('large norms match composed math', () => {
    const x = r([64, 4096]), w = r([4096]);
    const ms = mx.mean(mx.square(x), -1, true);
    expectArrayClose(mx.fast.rmsNorm(x, w, 1e-5), mx.multiply(mx.multiply(x, mx.rsqrt(mx.add(ms, 1e-5))), w), 1e-5, 1e-5);
  });
});

describe('gradients vs finite differences', () => {
  const dot = (a: mx.array, b: mx.array) => mx.sum(mx.multiply(a, b)).item() as number;
  function check(f: (...a: mx.array[]) => mx.array, args: mx.array[], i: number) {
    const out = f(...args);
    const ct = mx.random.normal(out.shape, mx.float32, 0, 1, mx.random.key(3));
    const [, g] = mx.vjp(f, args, [ct]);
    const d = mx.random.normal(args[i].shape, mx.float32, 0, 1, mx.random.key(4));
    const h = 1e-2;
    const at = (s: number) => { const a = args.slice(); a[i] = mx.add(args[i], mx.multiply(d, s)); return dot(f(...a), ct); };
    const fd = (at(h) - at(-h)) / (2 * h);
    expect(Math.abs(fd - dot(g[i], d))).toBeLessThan(2e-2 * Math.max(1, Math.abs(fd)));
  }
  const r = (shape: number[], s: number) => mx.random.normal(shape, mx.float32, 0, 1, mx.random.key(s));
  it('attention (causal, GQA) wrt q, k, v', () => {
    const f = (q: mx.array, k: mx.array, v: mx.array) => mx.fast.scaledDotProductAttention(q, k, v, 0.3, 'causal');
    const args = [r([1, 4, 9, 8], 1), r([1, 2, 12, 8], 2), r([1, 2, 12, 8], 5)];
    for (let i = 0; i < 3; i++) check(f, args, i);
  });
  it('norms and rope', () => {
    const x = r([3, 16], 6), w = r([16], 7), b = r([16], 8);
    check((a, p) => mx.fast.rmsNorm(a, p, 1e-5), [x, w], 0);
    check((a, p) => mx.fast.rmsNorm(a, p, 1e-5), [x, w], 1);
    check((a, p, q) => mx.fast.layerNorm(a, p, q, 1e-5), [x, w, b], 0);
    check((a, p, q) => mx.fast.layerNorm(a, p, q, 1e-5), [x, w, b], 2);
    check((a) => mx.fast.rope(a, 8, false, 10000, 1, 2), [r([1, 2, 5, 12], 9)], 0);
  });
});

describe('transforms', () => {
  it('vmap of rmsNorm / layerNorm over a middle axis equals the direct call', () => {
    const x = mx.random.normal([4, 3, 16], mx.float32, 0, 1, mx.random.key(11)), w = mx.random.normal([16]);
    const vm = mx.vmap((t: mx.array) => mx.fast.rmsNorm(t, w, 1e-5), 1)(x);
    expectArrayClose(vm, mx.swapaxes(mx.fast.rmsNorm(x, w, 1e-5), 0, 1));
    const vl = mx.vmap((t: mx.array) => mx.fast.layerNorm(t, w, null, 1e-5), 1)(x);
    expectArrayClose(vl, mx.swapaxes(mx.fast.layerNorm(x, w, null, 1e-5), 0, 1));
  });
  it('vmap of rope with a scalar offset, jvp of rope', () => {
    const x = mx.random.normal([2, 1, 3, 5, 8], mx.float32, 0, 1, mx.random.key(12));
    const vm = mx.vmap((t: mx.array) => mx.fast.rope(t, 8, false, 10000, 1, 3), 0)(x);
    expectArrayClose(vm, mx.fast.rope(x, 8, false, 10000, 1, 3));
    const t = mx.random.normal([1, 3, 5, 8]);
    const [, tan] = mx.jvp((a: mx.array) => mx.fast.rope(a, 8, true, 10000, 1, 3), [x.index(0)], [t]);
    expectArrayClose(tan[0], mx.fast.rope(t, 8, true, 10000, 1, 3));
  });
  it('offset as an array scalar equals the number', () => {
    const x = mx.random.normal([2, 2, 4, 8]);
    expectArrayClose(mx.fast.rope(x, 8, false, 10000, 1, mx.array(5, mx.int32)), mx.fast.rope(x, 8, false, 10000, 1, 5));
    expectArrayClose(mx.fast.rope(x, 8, false, 10000, 1, mx.array([5, 5], mx.int64)), mx.fast.rope(x, 8, false, 10000, 1, 5));
  });
  it('empty inputs', () => {
    expect(mx.fast.rmsNorm(mx.zeros([0, 8]), null, 1e-5).shape).toEqual([0, 8]);
    const q = mx.zeros([1, 2, 0, 8]), k = mx.zeros([1, 2, 5, 8]);
    expect(mx.fast.scaledDotProductAttention(q, k, k, 1).shape).toEqual([1, 2, 0, 8]);
  });
});

describe('errors', () => {
  const q = mx.zeros([1, 6, 4, 8]), k = mx.zeros([1, 4, 5, 8]), k2 = mx.zeros([1, 2, 5, 8]);
  it('attention', () => {
    expect(() => mx.fast.scaledDotProductAttention(q, k, k, 1)).toThrow(mx.ShapeError);  // 6 heads over 4
    expect(() => mx.fast.scaledDotProductAttention(q, k2, k2, 1, mx.zeros([3, 5]))).toThrow(mx.ShapeError);
    expect(() => mx.fast.scaledDotProductAttention(q, k2, k2, 1, mx.zeros([1, 1, 1, 1, 5]))).toThrow(mx.ShapeError);
    expect(() => mx.fast.scaledDotProductAttention(mx.zeros([6, 4, 8]), k2, k2, 1)).toThrow(mx.ShapeError);
    expect(() => mx.fast.scaledDotProductAttention(q, mx.zeros([1, 2, 5, 7]), k2, 1)).toThrow(mx.ShapeError);
    expect(() => mx.fast.scaledDotProductAttention(q, k2, k2, 1, 'banded' as any)).toThrow(mx.InvalidArgumentError);
    expect(() => mx.fast.scaledDotProductAttention(q, k2, k2, 1, undefined, mx.zeros([5]))).toThrow(mx.ShapeError);
    expect(() => mx.fast.scaledDotProductAttention(q.astype(mx.int32), k2.astype(mx.int32), k2.astype(mx.int32), 1)).toThrow(mx.DtypeError);
    expect(() => mx.fast.scaledDotProductAttention(q.astype(mx.float16), k2.astype(mx.float16), k2.astype(mx.float16), 1, mx.zeros([4, 5]))).toThrow(mx.DtypeError);
  });
  it('norms and rope', () => {
    expect(() => mx.fast.rmsNorm(mx.zeros([3, 4]), mx.zeros([5]), 1e-5)).toThrow(mx.ShapeError);
    expect(() => mx.fast.rmsNorm(mx.zeros([3, 4]), mx.zeros([1, 4]), 1e-5)).toThrow(mx.ShapeError);
    expect(() => mx.fast.rmsNorm(mx.array(1), null, 1e-5)).toThrow(mx.ShapeError);
    expect(() => mx.fast.rmsNorm(mx.zeros([3, 4], mx.int32), null, 1e-5)).toThrow(mx.DtypeError);
    expect(() => mx.fast.layerNorm(mx.zeros([3, 4]), null, mx.zeros([3]), 1e-5)).toThrow(mx.ShapeError);
    const x = mx.zeros([1, 2, 3, 8]);
    expect(() => mx.fast.rope(mx.zeros([3, 8]), 8, false, 10000, 1, 0)).toThrow(mx.ShapeError);
    expect(() => mx.fast.rope(x, 7, false, 10000, 1, 0)).toThrow(mx.InvalidArgumentError);
    expect(() => mx.fast.rope(x, 10, false, 10000, 1, 0)).toThrow(mx.InvalidArgumentError);
    expect(() => mx.fast.rope(x, 8, false, 10000, 1, 0, mx.ones([4]))).toThrow(mx.InvalidArgumentError);
    expect(() => mx.fast.rope(x, 8, false, null, 1, 0)).toThrow(mx.InvalidArgumentError);
    expect(() => mx.fast.rope(x, 8, false, null, 1, 0, mx.ones([3]))).toThrow(mx.ShapeError);
    expect(() => mx.fast.rope(x, 8, false, 10000, 1, mx.array([1, 2, 3], mx.int32))).toThrow(mx.ShapeError);
    expect(() => mx.fast.rope(x, 8, false, 10000, 1, mx.array([1.5]))).toThrow(mx.DtypeError);
    expect(() => mx.fast.rope(x.astype(mx.int32), 8, false, 10000, 1, 0)).toThrow(mx.DtypeError);
  });
});


describe('fast ops: forward mode and batching through the reference composition', () => {
  const fd = (f: (x: mx.array) => mx.array, x: mx.array, t: mx.array, eps = 1e-3) =>
    mx.divide(mx.subtract(f(mx.add(x, mx.multiply(t, eps))), f(mx.subtract(x, mx.multiply(t, eps)))), 2 * eps);
  it('jvp of rmsNorm, layerNorm and attention match finite differences', () => {
    const x = mx.random.normal([3, 8], mx.random.key(1));
    const t = mx.random.normal([3, 8], mx.random.key(2));
    const w = mx.random.normal([8], mx.random.key(3));
    for (const f of [
      (a: mx.array) => mx.fast.rmsNorm(a, w, 1e-5),
      (a: mx.array) => mx.fast.layerNorm(a, w, null, 1e-5),
    ]) {
      const [, [jv]] = mx.jvp(f, [x], [t]);
      expect(mx.allclose(jv, fd(f, x, t), 2e-2, 2e-3).item()).toBe(true);
    }
    const q = mx.random.normal([1, 2, 5, 4], mx.random.key(4));
    const k = mx.random.normal([1, 1, 6, 4], mx.random.key(5));
    const tq = mx.random.normal([1, 2, 5, 4], mx.random.key(6));
    const att = (a: mx.array) => mx.fast.scaledDotProductAttention(a, k, k, 0.5, 'causal');
    const [, [ja]] = mx.jvp(att, [q], [tq]);
    expect(mx.allclose(ja, fd(att, q, tq), 2e-2, 2e-3).item()).toBe(true);
  });
  it('vmap of attention and of norms with mapped weights match a loop', () => {
    const q = mx.random.normal([3, 1, 2, 5, 4], mx.random.key(7));
    const k = mx.random.normal([1, 2, 6, 4], mx.random.key(8));
    const f = (a: mx.array) => mx.fast.scaledDotProductAttention(a, k, k, 0.5);
    const batched = mx.vmap(f)(q);
    const looped = mx.stack([0, 1, 2].map((i) => f(q.index(i))));
    expect(mx.allclose(batched, looped, 1e-5, 1e-5).item()).toBe(true);
    const x = mx.random.normal([4, 6], mx.random.key(9));
    const ws = mx.random.normal([4, 6], mx.random.key(10));
    const g = (a: mx.array, w: mx.array) => mx.fast.rmsNorm(a, w, 1e-5);
    const vb = mx.vmap(g)(x, ws);
    const vl = mx.stack([0, 1, 2, 3].map((i) => g(x.index(i), ws.index(i))));
    expect(mx.allclose(vb, vl, 1e-5, 1e-5).item()).toBe(true);
  });
});
