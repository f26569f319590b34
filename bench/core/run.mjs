// bench/core: the foundation's hot paths against numpy (OpenBLAS) and MLX-CPU, measured in one run
// on this machine: f32 GEMM, add/exp/sum over 16M floats, and the per-op overhead of a 1,000-op chain.
// Also the engine cases of engine_cases.mjs (few-row and half-precision products, quantized matmul).
//   node bench/core/run.mjs [--record] [--engine-only] [--before]
//   --before: also times the engine cases with the previous kernels (MLX_GEMM_SMALL_M=0 MLX_QMM_PANEL=0) in a
//             child process of the same run, and prints a before/after table.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import * as mx from '@mlx/core';
import { benchRoot, medianTime, report, runPeers } from '../lib/harness.mjs';
import { engineCfg, measureEngine } from './engine_cases.mjs';

const engineOnly = process.argv.includes('--engine-only');
const cfg = engineOnly
  ? { gemm: [], elems: 1 << 16, chain: 10, engine: engineCfg }
  : { gemm: [256, 512, 1024, 2048], elems: 1 << 24, chain: 1000, engine: engineCfg };
const run = (fn, reps) => medianTime(() => mx.tidy(() => { mx.eval(fn()); }), reps);
const ours = {};
for (const n of cfg.gemm) {
  const a = mx.random.normal([n, n]), b = mx.random.normal([n, n]);
  mx.eval(a, b);
  ours[`gemm${n}`] = run(() => mx.matmul(a, b), Math.max(3, Math.min(50, Math.floor(2e9 / (2 * n ** 3)))));
}
const x = mx.random.normal([cfg.elems]), y = mx.random.normal([cfg.elems]);
mx.eval(x, y);
ours.add = run(() => mx.add(x, y), 10);
ours.exp = run(() => mx.exp(x), 10);
ours.sum = run(() => mx.sum(x), 10);
const small = mx.ones([4]);
mx.eval(small);
ours.chain = run(() => {
  let z = small;
  for (let i = 0; i < cfg.chain; i++) z = i % 2 === 0 ? mx.add(z, 1) : mx.multiply(z, 0.5);
  return z;
}, 20) / cfg.chain;

const engine = measureEngine(engineCfg);
const before = process.argv.includes('--before')
  ? JSON.parse(execFileSync(process.execPath, [join(benchRoot, 'core', 'engine_cases.mjs')], {
    encoding: 'utf8', env: { ...process.env, MLX_GEMM_SMALL_M: '0', MLX_QMM_PANEL: '0' }, maxBuffer: 1 << 24,
  }))
  : undefined;
const peers = runPeers(join(benchRoot, 'core', 'peers.py'), cfg);
const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
const mhz = Number((cpuinfo.match(/cpu MHz\s*:\s*([\d.]+)/) ?? [])[1] ?? 0);
// Peak f32 FLOP/s: cores x 2 FMA pipes x lanes x 2 flops x clock.
const peak = cpus().length * 2 * (/avx512f/.test(cpuinfo) ? 16 : 8) * 2 * (mhz / 1000);
const copyGBps = peers.info.copy_GBps;
const rows = [];
for (const n of cfg.gemm) {
  const k = `gemm${n}`, g = (t) => (2 * n ** 3) / t / 1e9;
  rows.push([`f32 GEMM ${n}³`, 'GFLOP/s', g(ours[k]), g(peers.numpy[k]), g(peers.mlx[k]), true, (100 * g(ours[k])) / peak]);
}
const traffic = { add: 12 * cfg.elems, exp: 8 * cfg.elems, sum: 4 * cfg.elems };
for (const k of engineOnly ? [] : ['add', 'exp', 'sum']) {
  const g = (t) => traffic[k] / t / 1e9;
  rows.push([`${k} 16M f32`, 'GB/s', g(ours[k]), g(peers.numpy[k]), g(peers.mlx[k]), true, (100 * g(ours[k])) / copyGBps]);
}
if (!engineOnly) rows.push(['1,000-op chain, build + eval', 'µs/op', ours.chain * 1e6, undefined, peers.mlx.chain * 1e6, false]);
// Engine cases in ms; % of limit: weight bytes streamed per second vs copy bandwidth (bandwidth-bound cases).
const { vocab } = engineCfg;
const weightBytes = {
  'f32 x[1]·Wᵀ': 4 * vocab.N * vocab.K, 'f16 x[1]·Wᵀ': 2 * vocab.N * vocab.K, 'bf16 x[1]·Wᵀ': 2 * vocab.N * vocab.K,
};
for (const c of engineCfg.qmv) weightBytes[`qmv ${c.name}`] = (c.N * c.K * c.bits) / 8 + (2 * 4 * c.N * c.K) / c.gs;
for (const [k, t] of Object.entries(engine)) {
  const lim = weightBytes[k] ? (100 * weightBytes[k]) / t / 1e9 / copyGBps : undefined;
  rows.push([k, 'ms', t * 1e3, peers.numpy[k] === undefined ? undefined : peers.numpy[k] * 1e3, peers.mlx[k] * 1e3, false, lim]);
}
report('bench/core', rows,
  `limits: GEMM vs ${peak.toFixed(0)} GFLOP/s peak (FMA at ${mhz.toFixed(0)} MHz), bandwidth vs ${copyGBps.toFixed(1)} GB/s copy (numpy); numpy ${peers.info.numpy}, mlx ${peers.info.mlx}, BLAS ${JSON.stringify(peers.info.blas)}`,
  process.argv.includes('--record'));
if (before) {
  console.log('\nbefore (previous kernels) / after, same run, ms:\n| case | before | after | speedup |\n|---|---|---|---|');
  for (const [k, t] of Object.entries(engine))
    console.log(`| ${k} | ${(before[k] * 1e3).toFixed(2)} | ${(t * 1e3).toFixed(2)} | ${(before[k] / t).toFixed(2)}× |`);
}
