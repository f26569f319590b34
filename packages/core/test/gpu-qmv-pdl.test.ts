// Chained one-row 4-bit GEMVs on the GPU (issue #6, sessions 5-6; the default kernel is qmv_ring.cuh's). The tensor-core GEMV is launched with
// programmatic dependent launch (PDL: it may start while the previous kernel runs, prefetches its
// weights into L2, and reads x / writes y only after griddepcontrol.wait), and issues all loads of a
// step before its math. Neither may change a result. Oracles: the CPU backend (float32) for every
// step of a dependent chain, each GEMV alone in its own eval (bits), the session-4 kernel with and
// without PDL (MLX_CUDA_QMV_FAST=0, MLX_CUDA_PDL=0, read per launch: bits), and CUDA-graph replay (bits).
// Runs on the GPU machine; skipped without CUDA.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { relErr, same } from './helpers/gpu.js';

const hasGpu = mx.cuda.isAvailable();

const rand = (shape: number[], seed: number, dtype: mx.Dtype = mx.float32, scale = 1) =>
  mx.astype(mx.multiply(mx.random.normal(shape, mx.float32, 0, 1, mx.random.key(seed), mx.cpu), scale, mx.cpu), dtype, mx.cpu);
const f32 = (a: mx.array) => mx.astype(a, mx.float32, mx.cpu);

interface QW { wq: mx.array; sc: mx.array; bi: mx.array; gs: number }
function qweight(n: number, k: number, gs: number, seed: number, dt: mx.Dtype): QW {
  const [wq, sc, bi] = mx.quantize(rand([n, k], seed, dt, 1 / Math.sqrt(k)), gs, 4, 'affine', mx.cpu);
  return { wq, sc, bi, gs };
}
const qmmGpu = (x: mx.array, w: QW) => mx.quantizedMatmul(x, w.wq, w.sc, w.bi, true, w.gs, 4, 'affine', mx.gpu);
// The CPU in float32 on the GPU step's own input: isolates each GEMV of a chain.
const qmmRef = (x: mx.array, w: QW) => mx.quantizedMatmul(f32(x), w.wq, f32(w.sc), f32(w.bi), true, w.gs, 4, 'affine', mx.cpu);

// [N, K, gs, dtype, rows of x]: partial last tiles (N % 32 != 0), every group size, f16 and bf16,
// several rows of x (grid.y), and K >= 8192 (the pipelined kernel, no PDL).
const shapes: Array<[number, number, number, mx.Dtype, number]> = [
  [4096, 4096, 64, mx.bfloat16, 1],
  [300, 1024, 32, mx.float16, 1],
  [1000, 2048, 128, mx.bfloat16, 3],
  [333, 512, 64, mx.float16, 5],
  [512, 8192, 64, mx.bfloat16, 1],
  [320, 11008, 64, mx.bfloat16, 2],  // a partial last super-span of 8 groups (the ring kernel)
  [200, 11008, 128, mx.float16, 1],  // the same for gs 128 (run as column groups of 64)
  [96, 11008, 32, mx.bfloat16, 1],
  [256, 384, 128, mx.float16, 1],    // an odd number of groups: form 1, not the ring kernel
];

describe.skipIf(!hasGpu)('one-row 4-bit GEMV with PDL on the GPU', () => {
  let prev: mx.Device;
  beforeAll(() => { prev = mx.defaultDevice(); mx.setDefaultDevice(mx.gpu); });
  afterAll(() => mx.setDefaultDevice(prev));

  it('a dependent chain (GEMV into GEMV, with residual adds between) matches the CPU step by step', () => {
    for (const dt of [mx.bfloat16, mx.float16]) {
      const W = Array.from({ length: 8 }, (_, i) => qweight(1024, 1024, 64, 100 + i, dt));
      const x0 = rand([1, 1024], 99, dt);
      // x -> GEMV -> GEMV (reads the previous GEMV's output directly) -> + residual -> ...
      const xs = [x0];
      for (let i = 0; i < W.length; i++) {
        const y = qmmGpu(xs[i], W[i]);
        xs.push(i % 3 === 2 ? mx.add(y, xs[i], mx.gpu) : y);
      }
      mx.eval(...xs);  // one eval: the kernels run back to back
      for (let i = 0; i < W.length; i++) {
        const got = qmmGpu(xs[i], W[i]);  // recomputed alone: same bits as inside the chain
        same(i % 3 === 2 ? mx.add(got, xs[i], mx.gpu) : got, xs[i + 1]);
        expect(relErr(got, qmmRef(xs[i], W[i]))).toBeLessThan(1e-2);
      }
      expect(relErr(xs[W.length], xs[0])).toBeGreaterThan(0.5);  // the chain did move x
    }
  });

  it('many independent GEMVs in one eval give the bits of each GEMV alone, within tolerance of the CPU', () => {
    let seed = 200;
    for (const [n, k, gs, dt, rows] of shapes) {
      const ws = Array.from({ length: 4 }, () => qweight(n, k, gs, seed++, dt));
      const x = rand([rows, k], seed++, dt);
      const ys = ws.map((w) => qmmGpu(x, w));
      mx.eval(...ys);
      ws.forEach((w, i) => {
        const alone = qmmGpu(x, w);
        mx.eval(alone);
        same(ys[i], alone);
        expect(relErr(ys[i], qmmRef(x, w))).toBeLessThan(1e-2);
      });
    }
  });

  it('the register-ring default gives its bits with and without PDL; forms 0..4 share theirs; both match the CPU', () => {
    let seed = 300;
    const withEnv = (env: Record<string, string>, fn: () => mx.array[]) => {
      Object.assign(process.env, env);
      try { const r = fn(); mx.eval(...r); return r; } finally { for (const k of Object.keys(env)) delete process.env[k]; }
    };
    for (const [n, k, gs, dt, rows] of shapes) {
      const ws = Array.from({ length: 3 }, () => qweight(n, k, gs, seed++, dt));
      const x = rand([rows, k], seed++, dt);
      const ring = withEnv({}, () => ws.map((w) => qmmGpu(x, w)));
      const ringNoPdl = withEnv({ MLX_CUDA_PDL: '0' }, () => ws.map((w) => qmmGpu(x, w)));
      const form1 = withEnv({ MLX_CUDA_QMV_FAST: '1' }, () => ws.map((w) => qmmGpu(x, w)));
      for (let i = 0; i < ws.length; i++) {
        same(ring[i], ringNoPdl[i]);
        const ref = qmmRef(x, ws[i]);
        expect(relErr(ring[i], ref)).toBeLessThan(1e-2);
        expect(relErr(form1[i], ref)).toBeLessThan(1e-2);
      }
      for (const env of [{ MLX_CUDA_PDL: '0', MLX_CUDA_QMV_FAST: '0' }, { MLX_CUDA_QMV_FAST: '0' }, { MLX_CUDA_QMV_FAST: '2' },
        { MLX_CUDA_QMV_FAST: '3' }, { MLX_CUDA_QMV_FAST: '4' }, { MLX_CUDA_PDL: '0', MLX_CUDA_QMV_FAST: '1' }]) {
        const other = withEnv(env, () => ws.map((w) => qmmGpu(x, w)));
        for (let i = 0; i < ws.length; i++) same(form1[i], other[i]);
      }
    }
  });

  it('weights a kernel of the same eval just wrote are read after the PDL wait, settled ones before it; same bits', () => {
    const [n, k, gs] = [2048, 2048, 64];
    const wf = rand([n, k], 600, mx.bfloat16, 1 / Math.sqrt(k));
    const x = rand([1, k], 601, mx.bfloat16);
    const afterWait = () => mx.cuda.counters()['qmv_weights_after_wait'] ?? 0;
    const [wq, sc, bi] = mx.quantize(wf, gs, 4, 'affine', mx.gpu);
    mx.eval(wq, sc, bi);  // written by a GPU kernel, then synchronised: settled
    mx.cuda.resetCounters();
    const settled = qmmGpu(x, { wq, sc, bi, gs });
    mx.eval(settled);
    expect(afterWait()).toBe(0);
    // quantize and GEMV in one eval: the GEMV's weights come from the kernels right before it
    const [wq2, sc2, bi2] = mx.quantize(wf, gs, 4, 'affine', mx.gpu);
    const fresh = qmmGpu(x, { wq: wq2, sc: sc2, bi: bi2, gs });
    mx.eval(fresh);
    expect(afterWait()).toBe(1);
    same(fresh, settled);
    expect(relErr(settled, qmmRef(x, { wq, sc, bi, gs }))).toBeLessThan(1e-2);
    // a chain over fresh weights, each GEMV right after the quantize of its weights
    const ys: mx.array[] = [];
    let h = x;
    for (let i = 0; i < 4; i++) {
      const [a, b, c] = mx.quantize(rand([k, k], 610 + i, mx.bfloat16, 1 / Math.sqrt(k)), gs, 4, 'affine', mx.gpu);
      h = qmmGpu(h, { wq: a, sc: b, bi: c, gs });
      ys.push(h);
    }
    mx.eval(...ys);
    expect(afterWait()).toBe(5);
  });

  it('a chain of GEMVs replays as a CUDA graph with the normal replay\'s bits', () => {
    const W = Array.from({ length: 4 }, (_, i) => qweight(2048, 2048, 64, 400 + i, mx.bfloat16));
    const f = (x: mx.array) => {
      let h = x;
      const outs: mx.array[] = [];
      for (const w of W) {
        h = mx.quantizedMatmul(h, w.wq, w.sc, w.bi, true, 64, 4);
        outs.push(h);
      }
      return outs;
    };
    const plain = mx.compile(f);
    const graph = mx.compile(f, { cudaGraph: true });
    mx.cuda.resetCounters();
    for (let i = 0; i < 4; i++) {
      const x = mx.astype(rand([1, 2048], 500 + i), mx.bfloat16, mx.gpu);
      const a = plain(x) as mx.array[], b = graph(x) as mx.array[];
      mx.eval(...a, ...b);
      for (let j = 0; j < a.length; j++) same(b[j], a[j]);
      expect(relErr(a[0], qmmRef(x, W[0]))).toBeLessThan(1e-2);
      expect(relErr(a[3], qmmRef(a[2], W[3]))).toBeLessThan(1e-2);
    }
    const c = mx.cuda.counters();
    expect(c['graph_captures']).toBe(1);
    expect(c['graph_launches']).toBe(3);
    expect(Object.entries(c).filter(([k]) => k.startsWith('graph_capture_failed')).reduce((s, [, v]) => s + v, 0)).toBe(0);
    graph.dispose();
    plain.dispose();
  });
});
