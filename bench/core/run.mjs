// bench/core: the foundation's hot paths against numpy (OpenBLAS) and MLX-CPU, measured in one run
// on this machine: f32 GEMM, add/exp/sum over 16M floats, and the per-op overhead of a 1,000-op chain.
//   node bench/core/run.mjs [--record]
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import * as mx from '@mlx/core';
import { benchRoot, medianTime, report, runPeers } from '../lib/harness.mjs';

const cfg = { gemm: [256, 512, 1024, 2048], elems: 1 << 24, chain: 1000 };
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
for (const k of ['add', 'exp', 'sum']) {
  const g = (t) => traffic[k] / t / 1e9;
  rows.push([`${k} 16M f32`, 'GB/s', g(ours[k]), g(peers.numpy[k]), g(peers.mlx[k]), true, (100 * g(ours[k])) / copyGBps]);
}
rows.push(['1,000-op chain, build + eval', 'µs/op', ours.chain * 1e6, undefined, peers.mlx.chain * 1e6, false]);
report('bench/core', rows,
  `limits: GEMM vs ${peak.toFixed(0)} GFLOP/s peak (FMA at ${mhz.toFixed(0)} MHz), bandwidth vs ${copyGBps.toFixed(1)} GB/s copy (numpy); numpy ${peers.info.numpy}, mlx ${peers.info.mlx}, BLAS ${JSON.stringify(peers.info.blas)}`,
  process.argv.includes('--record'));
