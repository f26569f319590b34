// bench/core: the foundation's hot paths against numpy (OpenBLAS) and MLX-CPU, measured in one run
// on this machine. Prints `case | ours | numpy | mlx | ratio | % of limit` and writes out/results.json.
//   node bench/core/run.mjs [--record]     (--record also appends the table to bench/RESULTS.md)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as mx from '@mlx/core';

const here = dirname(fileURLToPath(import.meta.url));
const cfg = { gemm: [256, 512, 1024, 2048], elems: 1 << 24, chain: 1000 };

function medianTime(fn, reps, warmup = 2) {
  for (let i = 0; i < warmup; i++) fn();
  const ts = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    ts.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)];
}

function randn(shape) {
  const n = shape.reduce((a, b) => a * b, 1);
  const buf = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) { s = (s * 1103515245 + 12345) >>> 0; buf[i] = s / 2 ** 32 - 0.5; }
  return mx.reshape(mx.array(buf), shape);
}

const ours = {};
for (const n of cfg.gemm) {
  const a = randn([n, n]), b = randn([n, n]);
  mx.eval(a, b);
  const reps = Math.max(3, Math.min(50, Math.floor(2e9 / (2 * n ** 3))));
  ours[`gemm${n}`] = medianTime(() => mx.tidy(() => mx.eval(mx.matmul(a, b))), reps);
}
const x = randn([cfg.elems]), y = randn([cfg.elems]);
mx.eval(x, y);
ours.add = medianTime(() => mx.tidy(() => mx.eval(mx.add(x, y))), 10);
ours.exp = medianTime(() => mx.tidy(() => mx.eval(mx.exp(x))), 10);
ours.sum = medianTime(() => mx.tidy(() => mx.eval(mx.sum(x))), 10);
const small = mx.ones([4]);
mx.eval(small);
ours.chain = medianTime(() => mx.tidy(() => {
  let z = small;
  for (let i = 0; i < cfg.chain; i++) z = i % 2 === 0 ? mx.add(z, 1) : mx.multiply(z, 0.5);
  mx.eval(z);
}), 20) / cfg.chain;

const python = execFileSync('bash', [join(here, '..', 'setup-peers.sh')], { encoding: 'utf8' }).trim().split('\n').pop();
const env = { ...process.env };
// Older OpenBLAS builds need these on some CPUs; they slow a current numpy (see env docs), so unset both here.
delete env.OPENBLAS_CORETYPE;
delete env.OPENBLAS_L2_SIZE;
const peers = JSON.parse(execFileSync(python, [join(here, 'peers.py'), JSON.stringify(cfg)], { encoding: 'utf8', env, maxBuffer: 1 << 24 }));

const mhz = Number((readFileSync('/proc/cpuinfo', 'utf8').match(/cpu MHz\s*:\s*([\d.]+)/) ?? [])[1] ?? 0);
const avx512 = /avx512f/.test(readFileSync('/proc/cpuinfo', 'utf8'));
// Peak f32 FLOP/s: cores x 2 FMA pipes x lanes x 2 flops x clock.
const peakGflops = cpus().length * 2 * (avx512 ? 16 : 8) * 2 * (mhz / 1000);
const copyGBps = peers.info.copy_GBps;

const rows = [];
const fmt = (v, d = 1) => (v === undefined ? '-' : v.toFixed(d));
for (const n of cfg.gemm) {
  const flops = 2 * n ** 3, k = `gemm${n}`;
  const g = (t) => flops / t / 1e9;
  rows.push([`f32 GEMM ${n}³ (GFLOP/s)`, g(ours[k]), g(peers.numpy[k]), g(peers.mlx[k]), peers.numpy[k] / ours[k], peers.mlx[k] / ours[k], (100 * g(ours[k])) / peakGflops]);
}
const bw = { add: 3 * 4 * cfg.elems, exp: 2 * 4 * cfg.elems, sum: 4 * cfg.elems };
for (const k of ['add', 'exp', 'sum']) {
  const g = (t) => bw[k] / t / 1e9;
  rows.push([`${k} 16M f32 (GB/s)`, g(ours[k]), g(peers.numpy[k]), g(peers.mlx[k]), peers.numpy[k] / ours[k], peers.mlx[k] / ours[k], (100 * g(ours[k])) / copyGBps]);
}
rows.push(['1000-op chain (µs/op)', ours.chain * 1e6, undefined, peers.mlx.chain * 1e6, undefined, peers.mlx.chain / ours.chain, undefined]);

const header = '| case | ours | numpy | mlx-cpu | ratio vs numpy | ratio vs mlx | % of limit |\n|---|---|---|---|---|---|---|';
const table = [header, ...rows.map((r) => `| ${r[0]} | ${fmt(r[1], 2)} | ${fmt(r[2], 2)} | ${fmt(r[3], 2)} | ${fmt(r[4], 2)} | ${fmt(r[5], 2)} | ${fmt(r[6], 0)} |`)].join('\n');
const cpuName = cpus()[0].model;
const meta = `${new Date().toISOString().slice(0, 10)} · ${cpuName} · ${cpus().length} cores · peak ${peakGflops.toFixed(0)} GFLOP/s (f32 FMA at ${mhz.toFixed(0)} MHz) · copy ${copyGBps.toFixed(1)} GB/s (numpy copyto) · numpy ${peers.info.numpy}, mlx ${peers.info.mlx}`;
console.log(meta);
console.log(table);
console.log('ratio > 1 means we are faster. Limits: GEMM vs peak FLOP/s; add/exp/sum vs measured copy bandwidth.');
mkdirSync(join(here, 'out'), { recursive: true });
writeFileSync(join(here, 'out', 'results.json'), JSON.stringify({ meta, ours, peers, peakGflops, copyGBps }, null, 2));
if (process.argv.includes('--record')) appendFileSync(join(here, '..', 'RESULTS.md'), `\n## bench/core — ${meta}\n\n${table}\n`);
