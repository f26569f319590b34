// GPU kernels of the primitives that used to run their CPU kernel through the fallback: FFT (cuFFT),
// Arange, Eye/Tri, AsStrided, View, AllTrue, IsClose, DivMod, Variance, Hadamard, Int8Linear,
// GatherMM/GatherQMM, IndexUpdateUnary, MaskedScatter, RandomArgsort/RandomTake (run on the GPU
// machine; skipped without CUDA). Each result is compared with the CPU backend of the same build
// (checked against NumPy/MLX fixtures by the other test files); the counters prove no CPU fallback ran.
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { relErr, same } from './helpers/gpu.js';

const hasGpu = mx.cuda.isAvailable();

const rand = (shape: number[], seed: number, dtype: mx.Dtype = mx.float32) =>
  mx.astype(mx.random.normal(shape, mx.float32, 0, 1, mx.random.key(seed), mx.cpu), dtype, mx.cpu);
// A copy that lives on the device only (as the results of GPU ops do).
const onDevice = (a: mx.array) => { const d = mx.add(a, mx.zeros([], a.dtype, mx.cpu), mx.gpu); mx.eval(d); return d; };

// Names of the given primitives that ran their CPU kernel since the last reset.
const fellBack = (names: string[]) => names.filter((n) => (mx.cuda.counters()[`fallback:${n}`] ?? 0) > 0);
// Ops without a stream argument (at(), indexPut_) run on the default device: pick it explicitly.
function onDev<T>(d: mx.Device, fn: () => T): T {
  const scope = mx.stream(d);
  try { return fn(); } finally { scope.dispose(); }
}
const onGpu = <T>(fn: () => T) => onDev(mx.gpu, fn);
const onCpu = <T>(fn: () => T) => onDev(mx.cpu, fn);

describe.skipIf(!hasGpu)('gpu kernels of the former fallback primitives', () => {
  it('runs fft / ifft / rfft / irfft over any axis with cuFFT', () => {
    mx.cuda.resetCounters();
    const x = rand([8, 40], 1);
    const c = mx.fft.fft(x, null, 0, 'backward', mx.cpu);  // generic complex values (DC bins not real)
    const xt = mx.transpose(rand([40, 6], 2), [1, 0], mx.cpu);  // strided lines
    const cases: [string, (s: mx.Device) => mx.array][] = [
      ['fft last', (s) => mx.fft.fft(c, null, -1, 'backward', s)],
      ['fft axis 0', (s) => mx.fft.fft(c, null, 0, 'ortho', s)],
      ['ifft', (s) => mx.fft.ifft(c, null, 1, 'backward', s)],
      ['fft n=1', (s) => mx.fft.fft(c, 1, 1, 'backward', s)],
      ['fft prime n', (s) => mx.fft.fft(c, 37, 1, 'forward', s)],
      ['rfft even', (s) => mx.fft.rfft(x, null, -1, 'backward', s)],
      ['rfft odd, strided', (s) => mx.fft.rfft(xt, 33, -1, 'ortho', s)],
      ['rfft axis 0', (s) => mx.fft.rfft(x, null, 0, 'backward', s)],
      ['irfft even', (s) => mx.fft.irfft(c, null, -1, 'backward', s)],
      ['irfft odd', (s) => mx.fft.irfft(c, 33, -1, 'backward', s)],
      ['irfft axis 0', (s) => mx.fft.irfft(c, 10, 0, 'ortho', s)],
      ['fft2', (s) => mx.fft.fft2(c, null, [-2, -1], 'backward', s)],
      ['ifftn', (s) => mx.fft.ifftn(c, null, [1, 0], 'backward', s)],
      ['rfftn 3-d', (s) => mx.fft.rfftn(rand([4, 6, 10], 3), null, [0, 1, 2], 'backward', s)],
      ['irfftn', (s) => mx.fft.irfftn(c, [8, 12], [0, 1], 'backward', s)],
    ];
    for (const [name, f] of cases) {
      const g = f(mx.gpu), r = f(mx.cpu);
      expect(g.shape, name).toEqual(r.shape);
      expect(relErr(g, r), name).toBeLessThan(1e-5);
    }
    expect(fellBack(['FFT'])).toEqual([]);
  });

  it('creates arange / eye / tri on the device, bit for bit', () => {
    mx.cuda.resetCounters();
    for (const dt of [mx.float32, mx.float16, mx.bfloat16, mx.int32, mx.uint8, mx.float64])
      same(mx.arange(-3.5, 20, 0.37, dt, mx.gpu), mx.arange(-3.5, 20, 0.37, dt, mx.cpu));
    same(mx.arange(-7, 50, 3, mx.int64, mx.gpu), mx.arange(-7, 50, 3, mx.int64, mx.cpu));
    for (const dt of [mx.float32, mx.int32, mx.bool_, mx.bfloat16]) {
      same(mx.eye(5, 7, 1, dt, mx.gpu), mx.eye(5, 7, 1, dt, mx.cpu));
      same(mx.tri(6, 4, -1, dt, mx.gpu), mx.tri(6, 4, -1, dt, mx.cpu));
    }
    expect(fellBack(['Arange', 'Eye', 'Tri'])).toEqual([]);
  });

  it('makes asStrided and view of device arrays without the CPU', () => {
    mx.cuda.resetCounters();
    const x = rand([6, 8], 4), g = onDevice(x);
    same(mx.asStrided(g, [3, 4], [1, 3], 2, mx.gpu), mx.asStrided(x, [3, 4], [1, 3], 2, mx.cpu));
    const gt = mx.transpose(g, [1, 0], mx.gpu), xt = mx.transpose(x, [1, 0], mx.cpu);
    same(mx.asStrided(gt, [4, 5], [5, 1], 1, mx.gpu), mx.asStrided(xt, [4, 5], [5, 1], 1, mx.cpu));
    same(mx.view(g, mx.int32, mx.gpu), mx.view(x, mx.int32, mx.cpu));
    same(mx.view(g, mx.uint8, mx.gpu), mx.view(x, mx.uint8, mx.cpu));
    const h = mx.astype(x, mx.float16, mx.cpu), gh = onDevice(h);
    // A strided half array seen as float32: the GPU copies it first, as the CPU kernel does.
    same(mx.view(mx.transpose(gh, [1, 0], mx.gpu), mx.float32, mx.gpu), mx.view(mx.transpose(h, [1, 0], mx.cpu), mx.float32, mx.cpu));
    expect(fellBack(['AsStrided', 'View'])).toEqual([]);
    expect(mx.cuda.counters()['download_bytes'] ?? 0).toBeGreaterThan(0);  // the comparisons read back
  });

  it('compares with isclose / allclose and divides with divmod', () => {
    mx.cuda.resetCounters();
    const a = mx.array([1, 1.00001, NaN, Infinity, -Infinity, 0, 5, NaN, 1e-9]);
    const b = mx.array([1, 1, NaN, Infinity, Infinity, 1e-9, 5.1, 0, 0]);
    for (const en of [false, true])
      for (const dt of [mx.float32, mx.float16, mx.float64])
        same(mx.isclose(mx.astype(a, dt, mx.cpu), mx.astype(b, dt, mx.cpu), 1e-5, 1e-8, en, mx.gpu),
          mx.isclose(mx.astype(a, dt, mx.cpu), mx.astype(b, dt, mx.cpu), 1e-5, 1e-8, en, mx.cpu));
    const ia = mx.array([1, 5, -7, 100], mx.int32), ib = mx.array([1, 6, -7, 90], mx.int32);
    same(mx.isclose(ia, ib, 0.1, 0, false, mx.gpu), mx.isclose(ia, ib, 0.1, 0, false, mx.cpu));
    const x = rand([30, 20], 5), y = mx.multiply(x, 1 + 1e-6, mx.cpu);
    expect(mx.allclose(x, y, 1e-5, 1e-8, false, mx.gpu).item()).toBe(true);
    expect(mx.allclose(x, mx.add(x, 1, mx.cpu), 1e-5, 1e-8, false, mx.gpu).item()).toBe(false);
    expect(mx.arrayEqual(onDevice(x), x, false, mx.gpu).item()).toBe(true);
    for (const dt of [mx.float32, mx.int32]) {
      const p = mx.astype(mx.multiply(rand([50], 6), 20, mx.cpu), dt, mx.cpu);
      const q = mx.astype(mx.add(mx.multiply(rand([50], 7), 5, mx.cpu), 0.5, mx.cpu), dt, mx.cpu);
      const qs = dt === mx.int32 ? mx.where(mx.equal(q, 0, mx.cpu), 3, q, mx.cpu) : q;  // no integer division by zero
      const [gq, gr] = mx.divmod(p, qs, mx.gpu);
      const [cq, cr] = mx.divmod(p, qs, mx.cpu);
      if (dt === mx.int32) { same(gq, cq); same(gr, cr); }
      else { expect(relErr(gq, cq)).toBeLessThan(1e-6); expect(relErr(gr, cr)).toBeLessThan(1e-6); }
    }
    expect(fellBack(['IsClose', 'AllTrue', 'DivMod'])).toEqual([]);
  });

  it('computes variance / std over any axes', () => {
    mx.cuda.resetCounters();
    const x = rand([6, 7, 300], 8);
    for (const axes of [[0], [2], [0, 2], [0, 1, 2]])
      for (const ddof of [0, 1]) {
        expect(relErr(mx.variance(x, axes, false, ddof, mx.gpu), mx.variance(x, axes, false, ddof, mx.cpu))).toBeLessThan(1e-5);
        expect(relErr(mx.std(x, axes, true, ddof, mx.gpu), mx.std(x, axes, true, ddof, mx.cpu))).toBeLessThan(1e-5);
      }
    const big = rand([4, 100000], 9);  // few outputs, long rows: a block per output
    expect(relErr(mx.variance(big, [1], false, 0, mx.gpu), mx.variance(big, [1], false, 0, mx.cpu))).toBeLessThan(1e-5);
    const h = mx.astype(x, mx.bfloat16, mx.cpu);
    expect(relErr(mx.variance(h, [1], false, 0, mx.gpu), mx.variance(h, [1], false, 0, mx.cpu))).toBeLessThan(1e-2);
    const ints = mx.array([[1, 2, 3, 4], [10, 0, -10, 7]], mx.int32);
    expect(relErr(mx.variance(ints, [1], false, 0, mx.gpu), mx.variance(ints, [1], false, 0, mx.cpu))).toBeLessThan(1e-6);
    expect(fellBack(['Variance'])).toEqual([]);
  });

  it('applies the Hadamard transform bit for bit (powers of two and m = 12, 20, 28)', () => {
    mx.cuda.resetCounters();
    for (const n of [256, 192, 160, 112, 1024]) {
      const x = rand([5, n], 10 + n);
      same(mx.hadamardTransform(x, 0.125, mx.gpu), mx.hadamardTransform(x, 0.125, mx.cpu));
      const h = mx.astype(x, mx.float16, mx.cpu);
      same(mx.hadamardTransform(h, null, mx.gpu), mx.hadamardTransform(h, null, mx.cpu));
    }
    expect(fellBack(['Hadamard'])).toEqual([]);
  });

  // Same quantization and exact integer sums; the float epilogue (dot * (xs * ws) + bias) may differ by
  // the CPU build's FMA contraction (portable/AVX2 path), so within a few ulps rather than bit for bit.
  const within = (a: mx.array, b: mx.array) => {
    expect(a.shape).toEqual(b.shape);
    expect(mx.allclose(a, b, 1e-6, 1e-6, false, mx.cpu).item()).toBe(true);
  };
  it('runs int8Linear with the CPU kernel\'s quantization', () => {
    mx.cuda.resetCounters();
    for (const [M, K, N] of [[1, 64, 40], [5, 100, 33], [70, 256, 130]]) {
      const x = mx.multiply(rand([M, K], 20 + M), 3, mx.cpu);
      const xz = mx.concatenate([mx.zeros([1, K], mx.float32, mx.cpu), x], 0, mx.cpu);  // an all-zero row
      const w = mx.astype(mx.clip(mx.multiply(rand([N, K], 21 + K), 50, mx.cpu), -127, 127, mx.cpu), mx.int8, mx.cpu);
      const sc = mx.add(mx.abs(rand([N], 22), mx.cpu), 0.01, mx.cpu), bias = rand([N], 23);
      within(mx.int8Linear(xz, w, sc, bias, mx.gpu), mx.int8Linear(xz, w, sc, bias, mx.cpu));
      within(mx.int8Linear(xz, w, sc, null, mx.gpu), mx.int8Linear(xz, w, sc, null, mx.cpu));
    }
    expect(fellBack(['Int8Linear'])).toEqual([]);
  });

  it('runs gatherMM / gatherQMM with device or host indices and rejects bad ones', () => {
    mx.cuda.resetCounters();
    const a = rand([4, 8, 32], 30), b = rand([3, 32, 16], 31);
    const li = mx.array([0, 3, 3, 1, 2], mx.uint32), ri = mx.array([2, 0, 1, 1, 0], mx.uint32);
    const ref = mx.gatherMM(a, b, li, ri, false, mx.cpu);
    expect(relErr(mx.gatherMM(a, b, li, ri, false, mx.gpu), ref)).toBeLessThan(1e-5);
    expect(relErr(mx.gatherMM(a, b, onDevice(li), onDevice(ri), false, mx.gpu), ref)).toBeLessThan(1e-5);
    const bt = mx.swapaxes(rand([3, 16, 32], 32), -1, -2, mx.cpu);  // transposed batch items
    expect(relErr(mx.gatherMM(a, bt, li, ri, false, mx.gpu), mx.gatherMM(a, bt, li, ri, false, mx.cpu))).toBeLessThan(1e-5);
    const bad = mx.array([0, 5], mx.uint32);
    expect(() => mx.eval(mx.gatherMM(a, b, mx.array([0, 1], mx.uint32), bad, false, mx.gpu))).toThrow(mx.IndexError);
    expect(() => mx.eval(mx.gatherMM(a, b, mx.array([0, 1], mx.uint32), onDevice(bad), false, mx.gpu))).toThrow(mx.IndexError);
    expect(relErr(mx.gatherMM(a, b, li, ri, false, mx.gpu), ref)).toBeLessThan(1e-5);  // still healthy
    for (const transpose of [true, false]) {
      const W = transpose ? rand([3, 48, 64], 33) : rand([3, 64, 96], 33);  // groups run along the last axis
      const [wq, sc, bi] = mx.quantize(W, 32, 4, 'affine', mx.cpu);
      const x = rand([2, 5, 64], 34), xl = mx.array([1, 0, 1], mx.uint32), wl = mx.array([2, 2, 0], mx.uint32);
      const g = mx.gatherQMM(x, wq, sc, bi, xl, onDevice(wl), transpose, 32, 4, 'affine', false, mx.gpu);
      const r = mx.gatherQMM(x, wq, sc, bi, xl, wl, transpose, 32, 4, 'affine', false, mx.cpu);
      expect(relErr(g, r)).toBeLessThan(1e-5);
    }
    const W8 = rand([2, 24, 128], 35);
    const [w8, s8, b8] = mx.quantize(W8, 64, 8, 'affine', mx.cpu);
    const x8 = rand([1, 3, 128], 36), z = mx.array([0, 0], mx.uint32), e = mx.array([1, 0], mx.uint32);
    expect(relErr(mx.gatherQMM(x8, w8, s8, b8, z, e, true, 64, 8, 'affine', false, mx.gpu),
      mx.gatherQMM(x8, w8, s8, b8, z, e, true, 64, 8, 'affine', false, mx.cpu))).toBeLessThan(1e-5);
    expect(fellBack(['GatherMM', 'GatherQMM'])).toEqual([]);
  });

  it('updates with at().subtract/divide, boolean-mask assignment and permutations', () => {
    mx.cuda.resetCounters();
    const a = rand([6, 5], 40), idx = mx.array([0, 2, 2, 5], mx.int32), v = mx.add(mx.abs(rand([4, 5], 41), mx.cpu), 0.5, mx.cpu);
    const ga = onDevice(a);
    const gs = onGpu(() => ga.at(idx).subtract(v)), gd = onGpu(() => ga.at(idx).divide(v));
    expect(relErr(gs, onCpu(() => a.at(idx).subtract(v)))).toBeLessThan(1e-6);
    expect(relErr(gd, onCpu(() => a.at(idx).divide(v)))).toBeLessThan(1e-6);
    const ai = mx.array([[1, 2], [3, 4], [5, 6]], mx.int32);
    same(onGpu(() => ai.at(mx.array([1, 1], mx.int32)).subtract(mx.array([[7, 8], [9, 10]], mx.int32))),
      onCpu(() => ai.at(mx.array([1, 1], mx.int32)).subtract(mx.array([[7, 8], [9, 10]], mx.int32))));
    const mask = mx.array([true, false, true, true, false, false]);
    const src = rand([3, 5], 42);
    const gm = onGpu(() => mx.indexPut_(mx.reshape(onDevice(a), [6, 5]), mask, src));
    same(gm, onCpu(() => mx.indexPut_(mx.reshape(a, [6, 5], mx.cpu), mask, src)));
    const gmd = onGpu(() => mx.indexPut_(mx.reshape(onDevice(a), [6, 5]), onDevice(mask), mx.ones([5], mx.float32, mx.cpu)));
    same(gmd, onCpu(() => mx.indexPut_(mx.reshape(a, [6, 5], mx.cpu), mask, mx.ones([5], mx.float32, mx.cpu))));
    const key = mx.random.key(7);
    same(mx.random.permutation(100, 0, key, mx.gpu), mx.random.permutation(100, 0, key, mx.cpu));
    const m = rand([9, 4], 43);
    same(mx.random.permutation(m, 0, key, mx.gpu), mx.random.permutation(m, 0, key, mx.cpu));
    expect(fellBack(['Negative', 'Reciprocal', 'MaskedScatter', 'RandomArgsort', 'RandomTake'])).toEqual([]);
  });
});
