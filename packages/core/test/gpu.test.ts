// GPU backend tests (run on the GPU machine; skipped without CUDA). Results are compared with the
// CPU backend of the same build, which the other test files check against NumPy/MLX fixtures.
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';

const hasGpu = mx.cuda.isAvailable();

const rand = (shape: number[], seed: number, dtype: mx.Dtype = mx.float32) =>
  mx.astype(mx.random.normal(shape, mx.float32, 0, 1, mx.random.key(seed), mx.cpu), dtype, mx.cpu);

function relErr(a: mx.array, b: mx.array): number {
  const x = mx.astype(a, mx.float32, mx.cpu).toTypedArray() as Float32Array;
  const y = mx.astype(b, mx.float32, mx.cpu).toTypedArray() as Float32Array;
  expect(x.length).toBe(y.length);
  let num = 0, den = 0;
  for (let i = 0; i < x.length; i++) {
    if (Number.isNaN(x[i]) || Number.isNaN(y[i])) return Infinity;
    num += (x[i] - y[i]) ** 2;
    den += y[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

describe('gpu without CUDA', () => {
  it.skipIf(hasGpu)('reports no GPU and rejects it with a typed error', () => {
    expect(mx.cuda.isAvailable()).toBe(false);
    expect(mx.cuda.counters()).toEqual({});
    expect(() => mx.setDefaultDevice(mx.gpu)).toThrow(mx.InvalidArgumentError);
    expect(() => mx.add(mx.array([1]), 1, mx.gpu)).toThrow(mx.InvalidArgumentError);
  });
});

describe.skipIf(!hasGpu)('gpu backend', () => {
  it('computes on the GPU and migrates results to the host lazily', () => {
    mx.cuda.resetCounters();
    const a = mx.reshape(mx.array([1, 2, 3, 4]), [2, 2]);
    const y = mx.add(mx.multiply(a, 2, mx.gpu), 1, mx.gpu);
    expect(mx.cuda.counters()['download_bytes'] ?? 0).toBe(0);
    mx.eval(y);
    expect(mx.cuda.counters()['download_bytes'] ?? 0).toBe(0);  // eval leaves data on the device
    expect(y.tolist()).toEqual([[3, 5], [7, 9]]);
    expect(mx.cuda.counters()['download_bytes']).toBeGreaterThan(0);
    expect(mx.sum(y, undefined, false, mx.gpu).item()).toBe(24);
  });

  it('moves data both ways between CPU and GPU ops', () => {
    const x = rand([64, 33], 1);
    const g = mx.exp(x, mx.gpu);                 // host -> device
    const c = mx.add(g, 1, mx.cpu);              // device -> host
    const g2 = mx.multiply(c, 2, mx.gpu);        // host -> device again
    const ref = mx.multiply(mx.add(mx.exp(x, mx.cpu), 1, mx.cpu), 2, mx.cpu);
    expect(relErr(g2, ref)).toBeLessThan(1e-6);
    const t = mx.transpose(g, [1, 0], mx.gpu);   // strided views stay on the device
    expect(relErr(mx.add(t, 0, mx.gpu), mx.transpose(mx.exp(x, mx.cpu), [1, 0], mx.cpu))).toBeLessThan(1e-6);
  });

  it('matches the CPU for elementwise ops over dtypes, broadcasting and strides', () => {
    for (const dt of [mx.float32, mx.float16, mx.bfloat16, mx.int32]) {
      const a = mx.astype(mx.multiply(rand([8, 1, 16], 2), 10, mx.cpu), dt, mx.cpu);
      const b = mx.astype(mx.multiply(rand([5, 1], 3), 10, mx.cpu), dt, mx.cpu);
      for (const op of [mx.add, mx.subtract, mx.multiply, mx.maximum, mx.minimum] as const) {
        const gpu = op(mx.transpose(a, [2, 1, 0]), b, mx.gpu);
        const cpu = op(mx.transpose(a, [2, 1, 0]), b, mx.cpu);
        expect(relErr(gpu, cpu)).toBeLessThan(1e-6);
      }
      expect(mx.arrayEqual(mx.less(a, 0.5, mx.gpu), mx.less(a, 0.5, mx.cpu)).item()).toBe(true);
    }
    const x = rand([100], 4);
    for (const op of [mx.exp, mx.sin, mx.tanh, mx.sigmoid, mx.abs, mx.erf] as const)
      expect(relErr(op(x, mx.gpu), op(x, mx.cpu))).toBeLessThan(1e-5);
  });

  it('reduces over any axes and matches the CPU', () => {
    const x = rand([6, 7, 300], 5);
    for (const axes of [[0], [1], [2], [0, 2], [0, 1, 2]]) {
      expect(relErr(mx.sum(x, axes, false, mx.gpu), mx.sum(x, axes, false, mx.cpu))).toBeLessThan(1e-5);
      expect(relErr(mx.max(x, axes, false, mx.gpu), mx.max(x, axes, false, mx.cpu))).toBe(0);
      expect(relErr(mx.mean(x, axes, false, mx.gpu), mx.mean(x, axes, false, mx.cpu))).toBeLessThan(1e-5);
    }
    expect(mx.arrayEqual(mx.argmax(x, 2, false, mx.gpu), mx.argmax(x, 2, false, mx.cpu)).item()).toBe(true);
    expect(relErr(mx.softmax(x, -1, false, mx.gpu), mx.softmax(x, -1, false, mx.cpu))).toBeLessThan(1e-5);
    expect(relErr(mx.logsumexp(x, -1, false, mx.gpu), mx.logsumexp(x, -1, false, mx.cpu))).toBeLessThan(1e-5);
  });

  it('multiplies matrices with cuBLASLt (transposed views, batches, half types)', () => {
    const a = rand([3, 64, 96], 6), b = rand([3, 128, 96], 7);
    const bt = mx.swapaxes(b, -1, -2, mx.cpu);
    expect(relErr(mx.matmul(a, bt, mx.gpu), mx.matmul(a, bt, mx.cpu))).toBeLessThan(1e-5);
    for (const dt of [mx.float16, mx.bfloat16]) {
      const ah = mx.astype(a, dt, mx.cpu), bh = mx.astype(bt, dt, mx.cpu);
      expect(relErr(mx.matmul(ah, bh, mx.gpu), mx.matmul(a, bt, mx.cpu))).toBeLessThan(1e-2);
    }
  });

  it('runs the fast ops and quantized matmul', () => {
    const x = rand([4, 10, 256], 8), w = rand([256], 9), bias = rand([256], 10);
    expect(relErr(mx.fast.rmsNorm(x, w, 1e-5, mx.gpu), mx.fast.rmsNorm(x, w, 1e-5, mx.cpu))).toBeLessThan(1e-5);
    expect(relErr(mx.fast.layerNorm(x, w, bias, 1e-5, mx.gpu), mx.fast.layerNorm(x, w, bias, 1e-5, mx.cpu))).toBeLessThan(1e-5);
    const q = rand([1, 4, 10, 64], 11), k = rand([1, 2, 12, 64], 12), v = rand([1, 2, 12, 64], 13);
    for (const mask of [undefined, 'causal'] as const)
      expect(relErr(mx.fast.scaledDotProductAttention(q, k, v, 0.125, mask, undefined, mx.gpu),
        mx.fast.scaledDotProductAttention(q, k, v, 0.125, mask, undefined, mx.cpu))).toBeLessThan(1e-5);
    const r = mx.fast.rope(q, 64, false, 10000, 1, 3, undefined, mx.gpu);
    expect(relErr(r, mx.fast.rope(q, 64, false, 10000, 1, 3, undefined, mx.cpu))).toBeLessThan(1e-5);
    const W = rand([96, 256], 14);
    const [wq, sc, bi] = mx.quantize(W, 64, 4, 'affine', mx.cpu);
    for (const rows of [1, 3, 20]) {
      const xs = rand([rows, 256], 15 + rows);
      expect(relErr(mx.quantizedMatmul(xs, wq, sc, bi, true, 64, 4, 'affine', mx.gpu),
        mx.quantizedMatmul(xs, wq, sc, bi, true, 64, 4, 'affine', mx.cpu))).toBeLessThan(1e-5);
    }
  });

  it('falls back to the CPU kernel for primitives without a GPU kernel, and counts it', () => {
    mx.cuda.resetCounters();
    const x = rand([50], 16);
    const s = mx.sort(mx.exp(x, mx.gpu), -1, mx.gpu);
    expect(relErr(s, mx.sort(mx.exp(x, mx.cpu), -1, mx.cpu))).toBeLessThan(1e-6);
    expect(mx.cuda.counters()['fallback:Sort']).toBeGreaterThanOrEqual(1);
  });

  it('orders work across GPU streams', () => {
    const s1 = mx.newStream(mx.gpu), s2 = mx.newStream(mx.gpu);
    const x = rand([256, 256], 17);
    let a = mx.add(x, 0, s1);
    for (let i = 0; i < 20; i++) a = mx.add(mx.multiply(a, 0.5, s1), 1, s1);
    const b = mx.multiply(a, 3, s2);  // consumes s1's result on s2
    let ref = x;
    for (let i = 0; i < 20; i++) ref = mx.add(mx.multiply(ref, 0.5, mx.cpu), 1, mx.cpu);
    expect(relErr(b, mx.multiply(ref, 3, mx.cpu))).toBeLessThan(1e-6);
    mx.synchronize(s2);
  });

  it('counts device memory in the allocator statistics and honours the limit', () => {
    mx.clearCache();
    const before = mx.getActiveMemory();
    const big = mx.add(mx.zeros([1024, 1024], mx.float32, mx.cpu), 1, mx.gpu);
    mx.eval(big);
    expect(mx.getActiveMemory() - before).toBeGreaterThanOrEqual(4 * 1024 * 1024);
    expect(mx.getPeakMemory()).toBeGreaterThanOrEqual(mx.getActiveMemory());
    mx.dispose(big);
    expect(mx.getCacheMemory()).toBeGreaterThan(0);
    mx.clearCache();
    const prev = mx.setMemoryLimit(mx.getActiveMemory() + (1 << 20));
    try {
      expect(() => mx.eval(mx.add(mx.zeros([4096, 4096], mx.float32, mx.cpu), 1, mx.gpu))).toThrow(mx.OutOfMemoryError);
    } finally {
      mx.setMemoryLimit(prev);
    }
    expect(mx.add(mx.array([1]), 1, mx.gpu).item()).toBe(2);  // still healthy
  });

  it('asyncEval runs GPU work off the event loop', async () => {
    const x = rand([512, 512], 18);
    const y = mx.matmul(x, x, mx.gpu);
    await mx.asyncEval(y);
    expect(relErr(y, mx.matmul(x, x, mx.cpu))).toBeLessThan(1e-4);
  });
});
