// GPU backend tests (run on the GPU machine; skipped without CUDA). Results are compared with the
// CPU backend of the same build, which the other test files check against NumPy/MLX fixtures.
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { relErr } from './helpers/gpu.js';

const hasGpu = mx.cuda.isAvailable();

const rand = (shape: number[], seed: number, dtype: mx.Dtype = mx.float32) =>
  mx.astype(mx.random.normal(shape, mx.float32, 0, 1, mx.random.key(seed), mx.cpu), dtype, mx.cpu);

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

  it('flash attention (f16/bf16, head dims 64/128) matches the CPU: masks, GQA, ragged and strided inputs', () => {
    const sdpa = mx.fast.scaledDotProductAttention;
    const cases: Array<{ B: number; Hq: number; Hkv: number; Lq: number; Lk: number; D: number; mask?: string }> = [
      { B: 1, Hq: 4, Hkv: 4, Lq: 200, Lk: 200, D: 128, mask: 'causal' },
      { B: 2, Hq: 6, Hkv: 2, Lq: 70, Lk: 133, D: 64, mask: 'causal' },
      { B: 1, Hq: 2, Hkv: 1, Lq: 100, Lk: 40, D: 64, mask: 'causal' },  // Lq > Lk: early rows see no key
      { B: 1, Hq: 4, Hkv: 2, Lq: 65, Lk: 129, D: 128 },
      { B: 1, Hq: 2, Hkv: 2, Lq: 48, Lk: 80, D: 64, mask: 'bool' },
      { B: 1, Hq: 2, Hkv: 1, Lq: 48, Lk: 80, D: 128, mask: 'additive' },
    ];
    let seed = 30;
    for (const c of cases) {
      for (const dt of [mx.bfloat16, mx.float16]) {
        // q as a transposed view of [B, L, H, D] (strided rows), k/v contiguous.
        const q = mx.transpose(rand([c.B, c.Lq, c.Hq, c.D], seed++, dt), [0, 2, 1, 3], mx.cpu);
        const k = rand([c.B, c.Hkv, c.Lk, c.D], seed++, dt), v = rand([c.B, c.Hkv, c.Lk, c.D], seed++, dt);
        let mask: any = c.mask;
        if (c.mask === 'bool') mask = mx.greater(rand([c.Lq, c.Lk], seed++), -0.5, mx.cpu);
        if (c.mask === 'additive') mask = mx.astype(mx.multiply(rand([c.B, c.Hq, c.Lq, c.Lk], seed++), 2, mx.cpu), dt, mx.cpu);
        const scale = 1 / Math.sqrt(c.D);
        const gpu = sdpa(q, k, v, scale, mask, undefined, mx.gpu);
        const f = (x: mx.array) => mx.astype(x, mx.float32, mx.cpu);
        const ref = sdpa(f(q), f(k), f(v), scale, mask?.dtype === dt ? f(mask) : mask, undefined, mx.cpu);
        expect(relErr(gpu, ref), `${JSON.stringify(c)} ${dt.name}`).toBeLessThan(dt === mx.bfloat16 ? 2e-2 : 4e-3);
      }
    }
    // A bool mask row with no visible key gets the mean of V (MLX's finfo.min masking).
    const q = rand([1, 1, 8, 64], 90, mx.bfloat16), k = rand([1, 1, 70, 64], 91, mx.bfloat16), v = rand([1, 1, 70, 64], 92, mx.bfloat16);
    const m = mx.concatenate([mx.zeros([1, 70], mx.bool_, mx.cpu), mx.ones([7, 70], mx.bool_, mx.cpu)], 0, mx.cpu);
    const row0 = mx.index(sdpa(q, k, v, 0.125, m, undefined, mx.gpu), 0, 0, 0);
    expect(relErr(row0, mx.mean(mx.astype(mx.index(v, 0, 0), mx.float32, mx.cpu), 0, false, mx.cpu))).toBeLessThan(1e-2);
  });

  it('decode attention (one query row, long KV, split keys) matches the CPU', () => {
    const sdpa = mx.fast.scaledDotProductAttention;
    for (const [dt, tol] of [[mx.float32, 1e-5], [mx.bfloat16, 2e-2]] as const) {
      for (const D of [64, 128]) {
        const q = rand([2, 8, 1, D], 40 + D, dt), k = rand([2, 2, 3001, D], 41 + D, dt), v = rand([2, 2, 3001, D], 42 + D, dt);
        const f = (x: mx.array) => mx.astype(x, mx.float32, mx.cpu);
        const mask = mx.greater(rand([1, 3001], 43), -1, mx.cpu);
        for (const mk of [undefined, 'causal', mask] as const)
          expect(relErr(sdpa(q, k, v, 0.1, mk as any, undefined, mx.gpu), sdpa(f(q), f(k), f(v), 0.1, mk as any, undefined, mx.cpu)))
            .toBeLessThan(tol);
      }
    }
  });

  it('quantizes on the GPU bit-exactly like the CPU; one-row quantized matmul matches', () => {
    mx.cuda.resetCounters();
    for (const dt of [mx.float32, mx.bfloat16, mx.float16])
      for (const [bits, gs] of [[4, 64], [8, 32], [2, 128], [4, 32]]) {
        const W = rand([40, 256], 50 + bits + gs, dt);
        const g = mx.quantize(W, gs, bits, 'affine', mx.gpu), c = mx.quantize(W, gs, bits, 'affine', mx.cpu);
        for (let i = 0; i < 3; i++) expect(mx.arrayEqual(g[i], c[i], false, mx.cpu).item()).toBe(true);
        expect(mx.arrayEqual(mx.dequantize(g[0], g[1], g[2], gs, bits, 'affine', undefined, mx.gpu),
          mx.dequantize(c[0], c[1], c[2], gs, bits, 'affine', undefined, mx.cpu), false, mx.cpu).item()).toBe(true);
      }
    expect(mx.cuda.counters()['fallback:Quantize'] ?? 0).toBe(0);
    for (const dt of [mx.float32, mx.bfloat16])
      for (const bits of [4, 8]) {
        const W = rand([300, 4096], 60 + bits, dt), x = rand([1, 4096], 61, dt);
        const [wq, sc, bi] = mx.quantize(W, 64, bits, 'affine', mx.cpu);
        const got = mx.quantizedMatmul(x, wq, sc, bi, true, 64, bits, 'affine', mx.gpu);
        const f = (a: mx.array) => mx.astype(a, mx.float32, mx.cpu);
        const ref = mx.quantizedMatmul(f(x), wq, f(sc), f(bi), true, 64, bits, 'affine', mx.cpu);
        expect(relErr(got, ref)).toBeLessThan(dt === mx.float32 ? 1e-5 : 1e-2);
      }
  });

  it('norms: vectorised rows (f32/bf16) and odd widths match the CPU', () => {
    for (const [n, dt, tol] of [[4096, mx.float32, 1e-5], [576, mx.bfloat16, 1e-2], [1000, mx.float32, 1e-5], [4100, mx.float16, 4e-3]] as const) {
      const x = rand([7, n], 70 + n, dt), w = rand([n], 71, dt), b = rand([n], 72, dt);
      expect(relErr(mx.fast.layerNorm(x, w, b, 1e-5, mx.gpu), mx.fast.layerNorm(x, w, b, 1e-5, mx.cpu))).toBeLessThan(tol);
      expect(relErr(mx.fast.rmsNorm(x, w, 1e-5, mx.gpu), mx.fast.rmsNorm(x, w, 1e-5, mx.cpu))).toBeLessThan(tol);
      expect(relErr(mx.fast.layerNorm(x, undefined, undefined, 1e-5, mx.gpu), mx.fast.layerNorm(x, undefined, undefined, 1e-5, mx.cpu))).toBeLessThan(tol);
    }
  });

  it('gathers with host indices on the GPU (typed errors for bad indices)', () => {
    mx.cuda.resetCounters();
    const emb = rand([1000, 64], 80, mx.bfloat16);
    const ids = mx.array([[3, 999, -1, 0]], mx.int32);
    expect(mx.arrayEqual(mx.take(emb, ids, 0, mx.gpu), mx.take(emb, ids, 0, mx.cpu), false, mx.cpu).item()).toBe(true);
    const x = rand([5, 6, 7], 81);
    const i0 = mx.array([4, 0, 2], mx.int32), i1 = mx.array([1, 5, 5], mx.int32);
    let g: mx.array;
    {
      using _g = mx.stream(mx.gpu);
      g = mx.index(mx.add(x, 0), i0, mx.Slice(), i1);
      mx.eval(g);
    }
    let c: mx.array;
    {
      using _c = mx.stream(mx.cpu);
      c = mx.index(x, i0, mx.Slice(), i1);
    }
    expect(relErr(g, c)).toBe(0);
    expect(mx.cuda.counters()['fallback:Gather'] ?? 0).toBe(0);
    expect(() => mx.eval(mx.take(emb, mx.array([1000], mx.int32), 0, mx.gpu))).toThrow(mx.IndexError);
    expect(mx.take(emb, mx.array([1], mx.int32), 0, mx.gpu).shape).toEqual([1, 64]);
  });

  it('donates dense device buffers in elementwise chains (peak stays at one array)', () => {
    const b = mx.add(mx.full([1 << 20], 0.5, mx.float32, mx.cpu), 0, mx.gpu);
    mx.eval(b);
    mx.clearCache();
    mx.resetPeakMemory();
    const base = mx.getActiveMemory();
    const t1 = mx.cos(b, mx.gpu), t2 = mx.sin(t1, mx.gpu), t3 = mx.negative(t2, mx.gpu), y = mx.exp(t3, mx.gpu);
    t1.dispose(); t2.dispose(); t3.dispose();
    mx.eval(y);
    expect(mx.getPeakMemory() - base).toBe(4 << 20);
    expect(y.index(0).item()).toBeCloseTo(Math.exp(-Math.sin(Math.cos(0.5))), 5);
  });

  it('falls back to the CPU kernel for primitives without a GPU kernel, and counts it', () => {
    mx.cuda.resetCounters();
    const x = mx.add(mx.multiply(mx.eye(6, null, 0, mx.float32, mx.cpu), 4, mx.cpu), rand([6, 6], 16), mx.cpu);
    const s = mx.linalg.inv(mx.exp(x, mx.gpu), mx.gpu);
    expect(relErr(s, mx.linalg.inv(mx.exp(x, mx.cpu), mx.cpu))).toBeLessThan(1e-5);
    expect(mx.cuda.counters()['fallback:Inverse']).toBeGreaterThanOrEqual(1);
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
