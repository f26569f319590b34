// GPU attention through cuDNN's fused flash attention (attention_cudnn.cc) and its fallbacks to our
// kernels. Skipped without CUDA. Results are compared with the CPU backend on float32 copies of the
// inputs (the CPU kernel is checked against MLX fixtures elsewhere). When the GPU run expects cuDNN
// (MLX_EXPECT_CUDNN=1, set by scripts/gpu/run-all.sh when the build found it), the counters must
// show that cuDNN ran the half-precision cases and not the float32 ones.
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { relErr } from './helpers/gpu.js';

const hasGpu = mx.cuda.isAvailable();
// Plans are built in the calling thread here (the default builds them in the background and runs our
// kernel meanwhile), so each case below runs cuDNN at its first call; the last test checks the default.
process.env.MLX_CUDA_CUDNN_BUILD = 'sync';
const expectCudnn = process.env.MLX_EXPECT_CUDNN === '1';
const sdpa = mx.fast.scaledDotProductAttention;

const rand = (shape: number[], seed: number, dtype: mx.Dtype = mx.float32) =>
  mx.astype(mx.random.normal(shape, mx.float32, 0, 1, mx.random.key(seed), mx.cpu), dtype, mx.cpu);
const f32 = (x: mx.array) => mx.astype(x, mx.float32, mx.cpu);

const cudnnRuns = () => mx.cuda.counters()['cudnn_sdpa'] ?? 0;
const tolerance = (dt: mx.Dtype) => (dt === mx.bfloat16 ? 2e-2 : dt === mx.float16 ? 4e-3 : 1e-5);

type MaskKind = 'none' | 'causal' | 'bool' | 'boolKeys' | 'additive' | 'additiveRow' | 'additiveFull';
interface Case { B: number; Hq: number; Hkv: number; Lq: number; Lk: number; D: number; mask: MaskKind; bshd?: boolean }

function makeMask(c: Case, kind: MaskKind, dt: mx.Dtype, seed: number): mx.array | 'causal' | undefined {
  switch (kind) {
    case 'none': return undefined;
    case 'causal': return 'causal';
    case 'bool': return mx.greater(rand([c.Lq, c.Lk], seed), -0.5, mx.cpu);                 // [Lq, Lk]
    case 'boolKeys': return mx.greater(rand([c.B, 1, 1, c.Lk], seed), -0.8, mx.cpu);       // key padding
    case 'additive': return mx.astype(mx.multiply(rand([c.B, c.Hq, c.Lq, c.Lk], seed), 2, mx.cpu), dt, mx.cpu);
    case 'additiveRow': return mx.astype(mx.multiply(rand([c.Lk], seed), 3, mx.cpu), dt, mx.cpu);  // broadcast
    case 'additiveFull': return mx.astype(mx.multiply(rand([1, 1, c.Lq, c.Lk], seed), 2, mx.cpu), dt, mx.cpu);
  }
}

function check(c: Case, dt: mx.Dtype, seed: number) {
  const q = c.bshd
    ? mx.transpose(rand([c.B, c.Lq, c.Hq, c.D], seed, dt), [0, 2, 1, 3], mx.cpu)  // strided view
    : rand([c.B, c.Hq, c.Lq, c.D], seed, dt);
  const k = rand([c.B, c.Hkv, c.Lk, c.D], seed + 1, dt), v = rand([c.B, c.Hkv, c.Lk, c.D], seed + 2, dt);
  const mask = makeMask(c, c.mask, dt, seed + 3);
  const scale = 1 / Math.sqrt(c.D);
  const before = cudnnRuns();
  const gpu = sdpa(q, k, v, scale, mask, undefined, mx.gpu);
  mx.eval(gpu);
  const usedCudnn = cudnnRuns() > before;
  const refMask = mask instanceof mx.array && mask.dtype !== mx.bool_ ? f32(mask) : mask;
  const ref = sdpa(f32(q), f32(k), f32(v), scale, refMask, undefined, mx.cpu);
  expect(relErr(gpu, ref), `${JSON.stringify(c)} ${dt.name}`).toBeLessThan(tolerance(dt));
  return usedCudnn;
}

describe.skipIf(!hasGpu)('gpu attention (cuDNN fused path + fallbacks)', () => {
  const cases: Case[] = [
    { B: 1, Hq: 4, Hkv: 4, Lq: 256, Lk: 256, D: 128, mask: 'causal' },
    { B: 2, Hq: 8, Hkv: 2, Lq: 96, Lk: 300, D: 64, mask: 'causal' },      // GQA, T != S (bottom-right)
    { B: 2, Hq: 6, Hkv: 6, Lq: 130, Lk: 130, D: 64, mask: 'none' },
    { B: 1, Hq: 4, Hkv: 2, Lq: 77, Lk: 200, D: 128, mask: 'none', bshd: true },
    { B: 1, Hq: 4, Hkv: 4, Lq: 64, Lk: 96, D: 64, mask: 'additive' },      // full [B, H, Lq, Lk] bias
    { B: 2, Hq: 4, Hkv: 1, Lq: 50, Lk: 75, D: 128, mask: 'additiveRow' },  // broadcast, odd Lk: converted
    { B: 1, Hq: 2, Hkv: 2, Lq: 40, Lk: 64, D: 64, mask: 'additiveFull' },  // [1, 1, Lq, Lk]
  ];

  it('matches the CPU in bf16 and f16: causal, no mask, additive masks, GQA, T != S, head dims 64/128', () => {
    mx.cuda.resetCounters();
    let seed = 100, ran = 0;
    for (const c of cases)
      for (const dt of [mx.bfloat16, mx.float16]) {
        if (check(c, dt, seed)) ran++;
        seed += 10;
      }
    if (expectCudnn) expect(ran).toBe(cases.length * 2);
  }, 180_000);  // each new shape builds a cuDNN plan here (up to ~1.5 s)

  it('boolean masks: bf16 through cuDNN, f16 on our kernel; a row with no visible key averages V', () => {
    mx.cuda.resetCounters();
    const c1: Case = { B: 1, Hq: 4, Hkv: 2, Lq: 48, Lk: 80, D: 64, mask: 'bool' };
    const c2: Case = { B: 2, Hq: 4, Hkv: 4, Lq: 33, Lk: 70, D: 128, mask: 'boolKeys' };
    const used = [check(c1, mx.bfloat16, 300), check(c2, mx.bfloat16, 310)];
    if (expectCudnn) expect(used).toEqual([true, true]);
    const before = cudnnRuns();
    check(c1, mx.float16, 320);
    expect(cudnnRuns()).toBe(before);  // f16 can't hold the -1e30 that masks a key: our kernel runs it
    // Query row 0 sees no key: uniform weights, the mean of V (MLX masks with finfo.min).
    const q = rand([1, 2, 8, 64], 330, mx.bfloat16), k = rand([1, 2, 70, 64], 331, mx.bfloat16);
    const v = rand([1, 2, 70, 64], 332, mx.bfloat16);
    const m = mx.concatenate([mx.zeros([1, 70], mx.bool_, mx.cpu), mx.ones([7, 70], mx.bool_, mx.cpu)], 0, mx.cpu);
    const out = sdpa(q, k, v, 0.125, m, undefined, mx.gpu);
    for (const h of [0, 1]) {
      const row0 = mx.index(out, 0, h, 0);
      expect(relErr(row0, mx.mean(f32(mx.index(v, 0, h)), 0, false, mx.cpu))).toBeLessThan(1e-2);
    }
  });

  it('float32, sinks and single query rows use our kernels; plans are cached per shape', () => {
    mx.cuda.resetCounters();
    check({ B: 1, Hq: 4, Hkv: 2, Lq: 64, Lk: 64, D: 64, mask: 'causal' }, mx.float32, 400);
    check({ B: 1, Hq: 8, Hkv: 2, Lq: 1, Lk: 500, D: 128, mask: 'none' }, mx.bfloat16, 410);  // decode kernel
    expect(cudnnRuns()).toBe(0);
    const q = rand([1, 4, 32, 64], 420, mx.bfloat16), k = rand([1, 4, 32, 64], 421, mx.bfloat16);
    const v = rand([1, 4, 32, 64], 422, mx.bfloat16), sinks = rand([4], 423, mx.bfloat16);
    const got = sdpa(q, k, v, 0.125, 'causal', sinks, mx.gpu);
    const ref = sdpa(f32(q), f32(k), f32(v), 0.125, 'causal', f32(sinks), mx.cpu);
    expect(relErr(got, ref)).toBeLessThan(2e-2);
    expect(cudnnRuns()).toBe(0);
    // The same shape twice builds one plan.
    const c: Case = { B: 1, Hq: 2, Hkv: 2, Lq: 128, Lk: 128, D: 64, mask: 'causal' };
    check(c, mx.bfloat16, 430);
    const builds = mx.cuda.counters()['cudnn_sdpa_build'] ?? 0;
    check(c, mx.bfloat16, 440);
    expect(mx.cuda.counters()['cudnn_sdpa_build'] ?? 0).toBe(builds);
    if (expectCudnn) expect(builds).toBe(1);
  });

  it('by default builds a new shape\'s plan in the background and runs our kernel until it is ready', () => {
    delete process.env.MLX_CUDA_CUDNN_BUILD;
    try {
      mx.cuda.resetCounters();
      const c: Case = { B: 1, Hq: 4, Hkv: 4, Lq: 111, Lk: 111, D: 128, mask: 'causal' };
      const seen: boolean[] = [];
      const t0 = Date.now();
      while (Date.now() - t0 < 20000) {
        seen.push(check(c, mx.bfloat16, 600));
        if (seen[seen.length - 1] || !expectCudnn) break;
      }
      if (expectCudnn) {
        expect(seen[0]).toBe(false);  // the first call never waits for a plan
        expect(seen[seen.length - 1]).toBe(true);
      }
    } finally {
      process.env.MLX_CUDA_CUDNN_BUILD = 'sync';
    }
  }, 60_000);

  it('head dims cuDNN may or may not take (96, 256) still match the CPU', () => {
    let seed = 500;
    for (const D of [96, 256])
      for (const mask of ['causal', 'none'] as const) {
        check({ B: 1, Hq: 4, Hkv: 2, Lq: 70, Lk: 70, D, mask }, mx.bfloat16, seed);
        seed += 10;
      }
  }, 60_000);
});
